package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	goruntime "runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Churn and lifecycle (issue 6): thousands of short sessions, and Stop,
// Deinit, Destroy in any order, twice, concurrently with senders and
// players, leave no goroutine, descriptor or memory behind. These tests
// count process-wide resources, so they do not run in parallel.

// churnClient is a minimal RTSP client that keeps nothing after it closes
// (rawClient registers a cleanup per connection, which would pin memory
// for the whole test).
type churnClient struct {
	nc   net.Conn
	rd   *rtsp.Reader
	base string
	cseq int
	sess string
}

func dialChurn(addr string) (*churnClient, error) {
	nc, err := net.DialTimeout("tcp", addr, hangTimeout)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(hangTimeout))
	return &churnClient{nc: nc, rd: rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{}), base: "rtsp://" + addr + "/test"}, nil
}

func (c *churnClient) do(method rtsp.Method, u string, hdr ...string) (*rtsp.Response, error) {
	c.cseq++
	pu, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	req := &rtsp.Request{Method: method, URL: pu, Header: rtsp.Header{}}
	req.Header.Set("CSeq", fmt.Sprint(c.cseq))
	if c.sess != "" {
		req.Header.Set("Session", c.sess)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if err := req.Write(c.nc); err != nil {
		return nil, err
	}
	for {
		m, err := c.rd.Read()
		if err != nil {
			return nil, err
		}
		if m.Kind == rtsp.KindResponse {
			if m.Response.StatusCode != 200 {
				return m.Response, fmt.Errorf("%s: status %d", method, m.Response.StatusCode)
			}
			if v := m.Response.Header.Get("Session"); v != "" && c.sess == "" {
				sh, err := rtsp.ParseSession(v)
				if err != nil {
					return nil, err
				}
				c.sess = sh.ID
			}
			return m.Response, nil
		}
	}
}

// churnOnce runs one short session of the given kind.
func churnOnce(addr string, kind int, udpPort int) error {
	c, err := dialChurn(addr)
	if err != nil {
		return err
	}
	defer c.nc.Close()
	tcp := "RTP/AVP/TCP;unicast;interleaved=0-1"
	udp := fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", udpPort, udpPort+1)
	steps := func(tr string, play, teardown bool) error {
		if _, err := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", tr); err != nil {
			return err
		}
		if play {
			if _, err := c.do(rtsp.Play, c.base+"/"); err != nil {
				return err
			}
		}
		if teardown {
			if _, err := c.do(rtsp.Teardown, c.base+"/"); err != nil {
				return err
			}
		}
		return nil
	}
	switch kind {
	case 0: // TCP: SETUP, PLAY, TEARDOWN
		return steps(tcp, true, true)
	case 1: // UDP: SETUP, PLAY, TEARDOWN
		return steps(udp, true, true)
	case 2: // TCP: SETUP, PLAY, then a reset
		if err := steps(tcp, true, false); err != nil {
			return err
		}
		resetClose(c.nc.(*net.TCPConn))
		return nil
	case 3: // DESCRIBE, close
		_, err := c.do(rtsp.Describe, c.base)
		return err
	case 4: // UDP: SETUP, PLAY, close without TEARDOWN
		return steps(udp, true, false)
	default: // OPTIONS, SETUP, close
		if _, err := c.do(rtsp.Options, c.base); err != nil {
			return err
		}
		return steps(tcp, false, false)
	}
}

// churn runs n sessions over workers connections at a time.
func churn(t *testing.T, s *Server, n int, ports []int) {
	t.Helper()
	addr := serverAddr(s)
	workers := len(ports)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	next := make(chan int)
	for _, port := range ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := churnOnce(addr, i%6, port); err != nil {
					errs <- fmt.Errorf("session %d (kind %d): %w", i, i%6, err)
					for range next {
					}
					return
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestHardeningChurnLeavesNothingBehind(t *testing.T) {
	requireFDLimit(t, 256)
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	// One UDP port pair per worker absorbs the UDP sessions' packets.
	var ports []int
	for w := 0; w < 4; w++ {
		rtpc, _ := udpPairForTest(t)
		ports = append(ports, rtpc.LocalAddr().(*net.UDPAddr).Port)
	}
	// Warm up (pools, maps, the GOP cache), then take the baseline.
	churn(t, s, 120, ports)
	require.Eventually(t, func() bool { return readerCount(t, s) == 0 }, hangTimeout, 10*time.Millisecond)
	goroutines := goroutineBaseline()
	fds := countFDs(t)
	heap := heapAfterGC()

	start := time.Now()
	churn(t, s, 2000, ports)
	took := time.Since(start)
	t.Logf("2000 sessions in %v", took.Round(time.Millisecond))
	// Not a speed target (a loaded machine takes several times longer
	// than an idle one), but no session may wait for one of the server's
	// timeouts: 2000 sessions over 4 connections at a time that each
	// waited stopWait (300 ms) would take 150 s.
	require.Less(t, took, 60*time.Second)

	require.Eventually(t, func() bool { return readerCount(t, s) == 0 }, hangTimeout, 10*time.Millisecond, "sessions left behind")
	requireGoroutinesBack(t, goroutines, hangTimeout)
	requireFDsBack(t, fds, hangTimeout)
	var grown int64
	require.Eventually(t, func() bool {
		grown = int64(heapAfterGC()) - int64(heap)
		return grown < 2<<20
	}, hangTimeout, 100*time.Millisecond, "heap grew by %d KiB over 2000 sessions", grown>>10)
	t.Logf("heap %+d KiB, goroutines %d, fds %d", grown>>10, goroutines, fds)
}

// A session that ends (TEARDOWN) and one that is destroyed leave nothing in
// memory behind them: no pending timer keeps the player's reader (its
// queue, its connection's buffers) or the destroyed session's mount (its
// caches, the last access unit's buffer) for later. The extra sender
// report each reader gets resyncReport after its first packet did, for
// that long: 18 MB after 2000 short sessions, and a destroyed session's
// memory, which the heap checks of TestHardeningChurnLeavesNothingBehind
// and TestHardeningHugeMediaIsRefused then waited for.
func TestEndedSessionsLeaveNothingInMemory(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	aus := auOf(t, h264Sample, false)
	// released runs one session and reports whether what it leaves was
	// collected before its extra sender report was due.
	fresh := true // the session has no picture yet
	released := func(destroy bool) bool {
		t.Helper()
		if s.mount("test") == nil {
			require.NoError(t, s.CreateSession("test", VideoH264, false))
			fresh = true
		}
		if fresh {
			for i, au := range aus[:3] {
				require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, au...), uint64(i*40)))
			}
			fresh = false
		}
		start := time.Now() // before PLAY, which arms the report's timer
		c := playTCP(t, s)
		firstAU(t, c)
		reader, mount := weakPlayer(t, s, c.sess)
		if destroy {
			require.NoError(t, s.DestroySession("test"))
		} else {
			require.Equal(t, 200, c.do(rtsp.Teardown, c.base).StatusCode)
		}
		idleWorkers(s)
		for time.Since(start) < resyncReport {
			goruntime.GC()
			if reader.Value() == nil && (!destroy || mount.Value() == nil) {
				return true
			}
			time.Sleep(time.Millisecond)
		}
		return false
	}
	for _, destroy := range []bool{false, true} {
		// A loaded machine may take resyncReport over one attempt; it
		// does not over five.
		for attempt := 1; !released(destroy); attempt++ {
			require.Less(t, attempt, 5, "the ended session (destroyed: %v) stays in memory until its sender report timer in every attempt", destroy)
		}
	}
}

// weakPlayer returns weak pointers to a playing session's reader and mount.
func weakPlayer(t *testing.T, s *Server, sess string) (weak.Pointer[reader], weak.Pointer[mount]) {
	t.Helper()
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	rs := run.session(sess)
	require.NotNil(t, rs)
	rs.mu.Lock()
	r := rs.r
	rs.mu.Unlock()
	require.NotNil(t, r)
	return weak.Make(r), weak.Make(rs.m)
}

// idleWorkers waits until the fan-out workers have sent every job they
// were given (jobs refer to their readers and frames).
func idleWorkers(s *Server) {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	for _, w := range run.fan.workers {
		for w.quiesce(nil) && len(w.q) > 0 {
		}
	}
}

// lifecycleModel predicts what Stop, Deinit and Destroy return.
type lifecycleModel struct{ started, inited, destroyed bool }

func (m *lifecycleModel) call(op string) error {
	if m.destroyed {
		return ErrDestroyed
	}
	switch op {
	case "Stop":
		if !m.inited {
			return ErrNotInitialized
		}
		if !m.started {
			return ErrNotStarted
		}
		m.started = false
	case "Deinit":
		if !m.inited {
			return ErrNotInitialized
		}
		m.inited, m.started = false, false
	case "Destroy":
		m.destroyed, m.inited, m.started = true, false, false
	}
	return nil
}

func lifecycleCall(s *Server, op string) error {
	switch op {
	case "Stop":
		return s.Stop()
	case "Deinit":
		return s.Deinit()
	case "Destroy":
		return s.Destroy()
	}
	panic(op)
}

// busyServer is a started server with video and audio, several goroutines
// sending both in a loop, a TCP and a UDP player, and a drain on the TCP
// player that reports when the server closes it.
type busyServer struct {
	s         *Server
	senders   sync.WaitGroup
	senderErr chan error
	tcpClosed chan struct{}
	tcp, udp  *rawClient
	udpConns  []*net.UDPConn
}

// closeClients closes the test's own sockets, so that only the server's
// descriptors remain to be counted.
func (b *busyServer) closeClients() {
	b.tcp.nc.Close()
	b.udp.nc.Close()
	for _, c := range b.udpConns {
		c.Close()
	}
}

// lifecycleErr tells the errors a sender gets once the server is going.
func lifecycleErr(err error) bool {
	return errors.Is(err, ErrStopped) || errors.Is(err, ErrNotInitialized) ||
		errors.Is(err, ErrDestroyed) || errors.Is(err, ErrUnknownSession)
}

func startBusy(t *testing.T, cfg Config) *busyServer {
	t.Helper()
	b := &busyServer{s: newTestServer(t, cfg), tcpClosed: make(chan struct{}), senderErr: make(chan error, 4)}
	require.NoError(t, b.s.CreateSession("test", VideoH264, true))
	require.NoError(t, b.s.CreateSession("other", VideoH265, false))
	require.NoError(t, b.s.Start())
	aus := auOf(t, h264Sample, false)
	for i, au := range aus[:3] {
		require.NoError(t, b.s.SendVideoData("test", h26x.AppendAnnexB(nil, au...), uint64(i*40)))
	}
	b.tcp = playTCP(t, b.s)
	firstAU(t, b.tcp)
	go func() {
		_, _ = io.Copy(io.Discard, b.tcp.nc)
		close(b.tcpClosed)
	}()
	rtpc, rtcpc := udpPairForTest(t)
	b.udpConns = []*net.UDPConn{rtpc, rtcpc}
	port := rtpc.LocalAddr().(*net.UDPAddr).Port
	b.udp = dialRaw(t, b.s, "test")
	resp := b.udp.do(rtsp.Setup, b.udp.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	require.Equal(t, 200, resp.StatusCode)
	sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	b.udp.sess = sh.ID
	require.Equal(t, 200, b.udp.do(rtsp.Play, b.udp.base).StatusCode)

	audio := make([]byte, 320)
	for g := 0; g < 4; g++ {
		b.senders.Add(1)
		go func() {
			defer b.senders.Done()
			for i := 3; ; i++ {
				var err error
				switch g {
				case 0, 1:
					err = b.s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[i%len(aus)]...), uint64(i*40))
				case 2:
					err = b.s.SendAudioData("test", audio, uint64(i*40))
				case 3:
					err = b.s.SendVideoData("other", []byte{0, 0, 0, 1, 0x46, 0x01, 0x50}, uint64(i))
				}
				if lifecycleErr(err) {
					return
				}
				if err != nil {
					b.senderErr <- fmt.Errorf("sender %d: unexpected error %w", g, err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	return b
}

// waitSenders waits for the sending goroutines, which end at the first
// lifecycle error.
func (b *busyServer) waitSenders(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { b.senders.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(hangTimeout):
		t.Fatal("senders still sending: SendVideoData/SendAudioData never refused")
	}
	select {
	case err := <-b.senderErr:
		t.Fatal(err)
	default:
	}
}

func TestHardeningLifecycleAnyOrderTwice(t *testing.T) {
	requireFDLimit(t, 256)
	perms := [][]string{
		{"Stop", "Deinit", "Destroy"}, {"Stop", "Destroy", "Deinit"},
		{"Deinit", "Stop", "Destroy"}, {"Deinit", "Destroy", "Stop"},
		{"Destroy", "Stop", "Deinit"}, {"Destroy", "Deinit", "Stop"},
	}
	for _, perm := range perms {
		t.Run(fmt.Sprint(perm), func(t *testing.T) {
			goroutines := goroutineBaseline()
			fds := countFDs(t)
			b := startBusy(t, Config{})
			model := lifecycleModel{started: true, inited: true}
			first := true
			for _, op := range perm {
				for twice := 0; twice < 2; twice++ {
					want := model.call(op)
					got := lifecycleCall(b.s, op)
					if want == nil {
						require.NoError(t, got, "%s", op)
					} else {
						require.ErrorIs(t, got, want, "%s", op)
					}
					if first {
						// The first of them stops serving: every socket is
						// closed when it returns.
						first = false
						require.Nil(t, b.s.Addr())
						select {
						case <-b.tcpClosed:
						case <-time.After(hangTimeout):
							t.Fatalf("%s returned but the TCP player's connection is still open", op)
						}
						requireServerClosed(t, b.udp.nc)
					}
				}
			}
			b.waitSenders(t)
			// Everything the server started has ended.
			requireGoroutinesBack(t, goroutines, hangTimeout)
			b.closeClients()
			requireFDsBack(t, fds, hangTimeout)
		})
	}
}

// Stop, Deinit, Destroy (each twice), DestroySession and Stats all at once,
// while senders send and players play: each call returns nil or a sentinel
// error, nothing panics or races, and once every call has returned nothing
// is left running.
func TestHardeningLifecycleConcurrent(t *testing.T) {
	requireFDLimit(t, 256)
	for round := 0; round < 6; round++ {
		t.Run(fmt.Sprint("round ", round), func(t *testing.T) {
			goroutines := goroutineBaseline()
			b := startBusy(t, Config{})
			ops := []string{"Stop", "Deinit", "Destroy", "Stop", "Deinit", "Destroy", "DestroySession", "Stats", "Start"}
			// Rotate so that each round starts them in another order.
			ops = append(ops[round%len(ops):], ops[:round%len(ops)]...)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			errs := make([]error, len(ops))
			for i, op := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					switch op {
					case "DestroySession":
						errs[i] = b.s.DestroySession("test")
					case "Stats":
						_, errs[i] = b.s.Stats("test")
					case "Start":
						errs[i] = b.s.Start()
					default:
						errs[i] = lifecycleCall(b.s, op)
					}
				}()
			}
			close(gate)
			wg.Wait()
			for i, err := range errs {
				if err == nil {
					continue
				}
				require.True(t, lifecycleErr(err) || errors.Is(err, ErrNotStarted) || errors.Is(err, ErrAlreadyStarted),
					"%s: %v", ops[i], err)
			}
			// A Start that won the race may have restarted it: Destroy
			// was called, but Start may come after Stop and before
			// Destroy's Deinit... Destroy always ends it all.
			require.ErrorIs(t, b.s.Destroy(), ErrDestroyed)
			require.Nil(t, b.s.Addr())
			b.waitSenders(t)
			select {
			case <-b.tcpClosed:
			case <-time.After(hangTimeout):
				t.Fatal("the TCP player's connection is still open")
			}
			b.closeClients()
			requireGoroutinesBack(t, goroutines, hangTimeout)
		})
	}
}

// Destroy called while a Stop is still shutting down must not return before
// that shutdown is over: "every socket and goroutine closed before it
// returns" holds for whichever call returns last. A player that does not
// read makes the shutdown take a while (stopWait).
func TestHardeningDestroyWaitsForShutdownInProgress(t *testing.T) {
	goroutines := goroutineBaseline()
	// WriteTimeout far longer than the test: the player stays stuck (it is
	// not dropped) until Stop cuts it off.
	s := startedServer(t, Config{WriteTimeout: hangTimeout, ReaderQueue: 8}, VideoH264, AudioNone)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond)
	stuckPlayer(t, s)

	stopping := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		close(stopping)
		_ = s.Stop()
		close(stopped)
	}()
	<-stopping
	time.Sleep(100 * time.Millisecond) // Stop is under way (or done, on a slow machine)
	require.NoError(t, s.Destroy())
	// The moment Destroy returns, the shutdown is over: no goroutine of
	// the shutdown or of what it waits for is left. (Stop itself may not
	// have returned to its caller yet.)
	left := shutdownGoroutines()
	require.Empty(t, left, "Destroy returned while Stop was still closing sockets and goroutines")
	<-stopped
	p.halt()
	requireGoroutinesBack(t, goroutines, hangTimeout)
}

// shutdownGoroutines lists the goroutines of a server shutting down or of
// those its shutdown waits for (runtime.shutdown): its own, the listener's,
// the UDP readers', the housekeeping and the connections'.
func shutdownGoroutines() []string {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		// (Not the fan-out workers: one may still be returning from
		// run after closing its done channel.)
		for _, fn := range []string{"server.(*runtime).shutdown(", "server.(*runtime).acceptLoop(", "server.readLoop(",
			"server.(*runtime).housekeeping(", "server.(*conn).serve("} {
			if strings.Contains(g, fn) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// stuckPlayer connects a TCP player that never reads, and waits until the
// server's writer for it is blocked (its queue overflows).
func stuckPlayer(t *testing.T, s *Server) *rawClient {
	t.Helper()
	stuck := dialRaw(t, s, "test")
	require.NoError(t, stuck.nc.(*net.TCPConn).SetReadBuffer(4096))
	stuck.setupPlayTCP(1)
	require.Eventually(t, func() bool {
		st, err := s.Stats("test")
		require.NoError(t, err)
		for _, r := range st.Readers {
			if r.Session == stuck.sess && r.FramesDropped > 0 {
				return true
			}
		}
		return false
	}, hangTimeout, 10*time.Millisecond, "the stuck player's queue never overflowed")
	return stuck
}

// Stop does not wait WriteTimeout for a player that does not read: it
// closes the connections, which ends blocked writes at once.
func TestHardeningStopIsPromptWithStuckPlayer(t *testing.T) {
	// A WriteTimeout far longer than anything a loaded machine adds to
	// Stop: a Stop that waited for it would take at least 3/4 of it.
	const wt = 20 * time.Second
	s := startedServer(t, Config{WriteTimeout: wt, ReaderQueue: 8}, VideoH264, AudioNone)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond)
	defer p.halt()
	stuckPlayer(t, s)
	start := time.Now()
	require.NoError(t, s.Stop())
	took := time.Since(start)
	t.Logf("Stop took %v with a stuck player (WriteTimeout %v)", took.Round(time.Millisecond), wt)
	require.Less(t, took, wt/4, "Stop waited for the stuck player's write timeout")
}
