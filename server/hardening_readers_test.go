package server

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Slow, stuck and vanished players; UDP destinations (issue 6).

const h264Heavy = "../testdata/h264_high_720p_4mbps_bframes.h264" // ~4 Mbit/s, one IDR a second

// timedPump feeds a stream, one access unit per call every interval, and
// records when each call was made. Faster than real time (interval under
// 40 ms) fills the server's socket buffers (SO_SNDBUF 1 MiB, which Linux
// doubles) sooner, which keeps the slow-reader tests short.
type timedPump struct {
	mu   sync.Mutex
	sent []time.Time
	stop chan struct{}
	done chan struct{}
}

func startTimedPump(t *testing.T, s *Server, path string, interval time.Duration) *timedPump {
	return startCountedPump(t, s, path, interval, -1)
}

// startCountedPump is startTimedPump that stops after n access units (n < 0:
// never), so that what was sent does not depend on how fast the machine is.
func startCountedPump(t *testing.T, s *Server, path string, interval time.Duration, n int) *timedPump {
	aus := auOf(t, path, false)
	p := &timedPump{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; i != n; i++ {
			data := h26x.AppendAnnexB(nil, aus[i%len(aus)]...)
			p.mu.Lock()
			p.sent = append(p.sent, time.Now())
			p.mu.Unlock()
			if err := s.SendVideoData("test", data, uint64(i)*uint64(interval/time.Millisecond)); err != nil {
				return
			}
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(p.halt)
	return p
}

func (p *timedPump) halt() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// latencies pairs the k-th access unit sent with the k-th one a lossless
// player received and returns the delays of those sent within [from, to).
func latencies(sent, received []time.Time, from, to time.Time) []time.Duration {
	var out []time.Duration
	for k := 1; k < len(sent) && k < len(received); k++ { // the very first picture waits for the second
		if sent[k].Before(from) || !sent[k].Before(to) {
			continue
		}
		out = append(out, received[k].Sub(sent[k]))
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)]
}

// A player whose socket never reads: its writer blocks, its bounded queue
// fills, it loses frames, and WriteTimeout after its socket stopped taking
// data it is dropped. Another player meanwhile loses nothing and is not
// held up.
func TestHardeningStuckReaderIsDropped(t *testing.T) {
	t.Parallel()
	// WriteTimeout is long next to the latency of a loaded machine, so
	// that a publisher or fan-out held up by the stuck player would stand
	// out in the other player's latency. The queue lets that player fall
	// 64 frames behind (a loaded machine may not run it for a while)
	// while the stuck one still overflows its queue long before
	// WriteTimeout.
	const wt = 4 * time.Second
	s := startedServer(t, Config{ReaderQueue: 64, WriteTimeout: wt}, VideoH264, AudioNone)
	fast := playTCP(t, s)
	watch := watchLoss(fast)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond) // ~2 MB/s
	watch.more(t, 1000)                                       // phase A: the fast player alone

	stuck := dialRaw(t, s, "test")
	require.NoError(t, stuck.nc.(*net.TCPConn).SetReadBuffer(4096))
	joined := time.Now()
	stuck.setupPlayTCP(1) // and never reads again

	// Filling the stuck player's socket buffers takes a few MB of stream,
	// however long that takes the pump; then WriteTimeout.
	var maxDropped uint64
	var gone time.Time
	for deadline := time.Now().Add(hangTimeout); time.Now().Before(deadline); {
		st, err := s.Stats("test")
		require.NoError(t, err)
		found := false
		for _, r := range st.Readers {
			if r.Session == stuck.sess {
				found = true
				maxDropped = max(maxDropped, r.FramesDropped)
			}
		}
		if !found {
			gone = time.Now()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.False(t, gone.IsZero(), "the stuck player was never dropped")
	require.Positive(t, maxDropped, "the stuck player's queue must overflow and lose frames before it is dropped")
	// The write deadline is kept between 3/4 and 1 WriteTimeout ahead
	// (conn.dataDeadline), and the first blocked write came after PLAY.
	require.GreaterOrEqual(t, gone.Sub(joined), wt*3/4, "dropped before the write deadline could pass")
	t.Logf("stuck player: dropped after %v, %d frames lost before", gone.Sub(joined).Round(time.Millisecond), maxDropped)
	watch.more(t, 500) // phase C: after the drop
	p.halt()
	watch.finish(t)

	// The server closed the stuck player's socket: a request on it is
	// answered by a reset, not a response.
	requireServerClosed(t, stuck.nc)

	p.mu.Lock()
	sent := append([]time.Time(nil), p.sent...)
	p.mu.Unlock()
	watch.mu.Lock()
	recv := append([]time.Time(nil), watch.markers...)
	watch.mu.Unlock()
	a := latencies(sent, recv, time.Time{}, joined)
	b := latencies(sent, recv, joined, gone)
	require.NotEmpty(t, a)
	require.NotEmpty(t, b)
	t.Logf("fast player latency: alone p50 %v p90 %v max %v; with the stuck player p50 %v p90 %v max %v",
		pct(a, 50), pct(a, 90), pct(a, 100), pct(b, 50), pct(b, 90), pct(b, 100))
	// Loopback latency is a few milliseconds. A publisher or a fan-out
	// worker held up by the stuck player would hold the fast player's
	// pictures for up to WriteTimeout while the stuck player's writes
	// block, most of the time it was there. The median is not moved by
	// the stalls of a loaded machine, which hit a few pictures.
	require.Less(t, pct(b, 50), wt/4, "the fast player was held up by the stuck one")
}

// gated reads from r only while open is set: a player that stops reading
// now and then (a stalled decoder, a congested link).
type gated struct {
	r    net.Conn
	open atomic.Bool
}

func (g *gated) Read(p []byte) (int, error) {
	for !g.open.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	return g.r.Read(p)
}

// wholeFrames follows what a player that loses frames receives: every loss
// must fall between two access units, and the stream must resume at an
// IDR, never mid-picture or with a picture whose references were lost.
type wholeFrames struct {
	mu       sync.Mutex
	packets  int
	gaps     int
	resumed  int // losses followed by a whole IDR
	bad      string
	d        h26x.H264Depacketizer
	have     bool
	prev     rtp.Packet
	afterGap bool
}

func (w *wholeFrames) add(payload []byte) {
	var p rtp.Packet
	if err := p.Unmarshal(append([]byte(nil), payload...)); err != nil {
		w.fail("not RTP: %v", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.packets++
	if w.have && p.SequenceNumber != w.prev.SequenceNumber+1 {
		w.gaps++
		if !w.prev.Marker || w.prev.Timestamp == p.Timestamp {
			w.failLocked("packet loss inside an access unit (seq %d -> %d)", w.prev.SequenceNumber, p.SequenceNumber)
		}
		w.afterGap = true
		w.d.Reset()
	}
	w.prev, w.have = p, true
	aus, err := w.d.Depacketize(&p)
	if err != nil {
		w.failLocked("depacketizing seq %d: %v", p.SequenceNumber, err)
	}
	for _, au := range aus {
		if au.Damaged {
			w.failLocked("access unit at %d damaged", au.Timestamp)
		}
		if w.afterGap {
			idr := false
			for _, n := range au.NALs {
				idr = idr || h26x.H264Type(n) == h26x.H264NALIDR
			}
			if !idr {
				w.failLocked("after a loss the stream resumed at an access unit without IDR (timestamp %d)", au.Timestamp)
			}
			w.afterGap = false
			w.resumed++
		}
	}
}

func (w *wholeFrames) fail(format string, a ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failLocked(format, a...)
}

func (w *wholeFrames) failLocked(format string, a ...any) {
	if w.bad == "" {
		w.bad = fmt.Sprintf(format, a...)
	}
}

func (w *wholeFrames) resumes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.resumed
}

// A player that cannot keep up (it stalls for a while, again and again): it
// loses whole frames, and after a loss its stream resumes at a keyframe,
// never mid-picture or with a picture whose references it lost. It is not
// dropped (its writes never block for WriteTimeout), and the other player
// loses nothing.
func TestHardeningSlowReaderLosesWholeFrames(t *testing.T) {
	t.Parallel()
	// The queue lets the watching player fall 64 frames behind (a loaded
	// machine may not run it for a while) without a loss; WriteTimeout is
	// longer than any stall below can last.
	s := startedServer(t, Config{ReaderQueue: 64, WriteTimeout: hangTimeout}, VideoH264, AudioNone)
	fast := playTCP(t, s)
	watch := watchLoss(fast)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond) // ~2 MB/s

	nc := dialTCP(t, s)
	// A small receive buffer: a stall fills the socket sooner.
	require.NoError(t, nc.SetReadBuffer(32<<10))
	g := &gated{r: nc}
	g.open.Store(true)
	slow := &rawClient{t: t, srv: s, nc: nc, base: "rtsp://" + serverAddr(s) + "/test"}
	slow.rd = rtsp.NewReader(bufio.NewReaderSize(g, 4096), rtsp.Limits{})
	slow.setupPlayTCP(1)

	var got wholeFrames
	done := make(chan error, 1)
	stopRead := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopRead:
				done <- nil
				return
			default:
			}
			// The deadline covers the stalls: only a server that stopped
			// sending reaches it.
			ch, payload, err := slow.readFrame(hangTimeout)
			if err != nil {
				done <- err
				return
			}
			if ch == 0 {
				got.add(payload)
			}
		}
	}()
	dropped := func() uint64 {
		st, err := s.Stats("test")
		require.NoError(t, err)
		for _, r := range st.Readers {
			if r.Session == slow.sess {
				return r.FramesDropped
			}
		}
		t.Fatal("the slow player was dropped although it keeps reading")
		return 0
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(hangTimeout)
		for !ok() {
			require.True(t, time.Now().Before(deadline), what)
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Two stalls: each lasts until the socket buffers are full and the
	// bounded queue overflows (the server counts lost frames: a few, so
	// that video frames are among them, not only a sender report), then
	// the player reads again and must get whole frames from a keyframe on.
	for i := 0; i < 2; i++ {
		before := dropped()
		g.open.Store(false)
		waitFor("the stalled player lost no frame", func() bool { return dropped() >= before+3 })
		g.open.Store(true)
		waitFor("the slow player's stream did not resume at a keyframe after its loss", func() bool { return got.resumes() > i })
	}
	watch.more(t, 500)
	close(stopRead)
	require.NoError(t, <-done)
	st, err := s.Stats("test")
	require.NoError(t, err)
	var slowStats *ReaderStats
	for i := range st.Readers {
		if st.Readers[i].Session == slow.sess {
			slowStats = &st.Readers[i]
		}
	}
	require.NotNil(t, slowStats, "the slow player was dropped although it kept reading")
	require.Positive(t, slowStats.FramesDropped, "the slow player must have lost frames")
	p.halt()
	watch.finish(t)

	got.mu.Lock()
	defer got.mu.Unlock()
	require.Empty(t, got.bad)
	t.Logf("slow player: %d packets, %d gaps, %d frames dropped", got.packets, got.gaps, slowStats.FramesDropped)
	require.GreaterOrEqual(t, got.gaps, 2, "the slow player saw no loss at all")
}

// Players that vanish without TEARDOWN: a TCP player whose connection is
// reset is reaped at once; a UDP player that goes silent (no RTCP, no
// requests, its ports closed so the server's packets bounce) is reaped at
// the session timeout, not before. The other player loses nothing.
func TestHardeningVanishedPlayersAreReaped(t *testing.T) {
	t.Parallel()
	// The watching player's keep-alives come 16 times per timeout: a
	// loaded machine that runs them late does not get it reaped.
	const timeout = 5 * time.Second
	s := pumpedServer(t, Config{SessionTimeout: timeout})
	watcher := playTCP(t, s)
	watch := watchLoss(watcher)
	watch.keepAlive(300 * time.Millisecond) // a well-behaved player

	has := func(id string) bool {
		st, err := s.Stats("test")
		require.NoError(t, err)
		for _, r := range st.Readers {
			if r.Session == id {
				return true
			}
		}
		return false
	}
	// reapedAtOnce waits until session id is gone, which must happen
	// before the session timeout counted from since (taken before the
	// player's last request) could end it.
	reapedAtOnce := func(t *testing.T, id string, since time.Time) {
		t.Helper()
		for has(id) {
			require.Less(t, time.Since(since), timeout, "a reset TCP player is reaped at once, not at the session timeout")
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Run("players", func(t *testing.T) {
		t.Run("TCP reset while playing", func(t *testing.T) {
			t.Parallel()
			since := time.Now()
			c := playTCP(t, s)
			firstAU(t, c)
			require.True(t, has(c.sess))
			resetClose(c.nc.(*net.TCPConn))
			reapedAtOnce(t, c.sess, since)
		})
		t.Run("TCP reset after SETUP", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, s, "test")
			since := time.Now()
			resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
			require.Equal(t, 200, resp.StatusCode)
			sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
			require.NoError(t, err)
			require.True(t, has(sh.ID))
			resetClose(c.nc.(*net.TCPConn))
			reapedAtOnce(t, sh.ID, since)
		})
		t.Run("UDP silent", func(t *testing.T) {
			t.Parallel()
			rtpc, rtcpc := udpPairForTest(t)
			port := rtpc.LocalAddr().(*net.UDPAddr).Port
			c := dialRaw(t, s, "test")
			resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
			require.Equal(t, 200, resp.StatusCode)
			sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
			require.NoError(t, err)
			c.sess = sh.ID
			// The session was last heard of at PLAY: after start.
			start := time.Now()
			require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
			// It was receiving; now it vanishes: its ports close (the
			// server gets ICMP port unreachable) and it says nothing more,
			// though its RTSP connection stays open as a dead peer's would.
			_ = rtpc.SetReadDeadline(time.Now().Add(hangTimeout))
			_, _, err = rtpc.ReadFromUDP(make([]byte, 2048))
			require.NoError(t, err)
			rtpc.Close()
			rtcpc.Close()
			deadline := time.Now().Add(hangTimeout)
			for has(c.sess) {
				require.True(t, time.Now().Before(deadline), "a silent UDP player is never reaped")
				time.Sleep(10 * time.Millisecond)
			}
			took := time.Since(start)
			t.Logf("silent UDP player reaped %v after PLAY (session timeout %v)", took.Round(time.Millisecond), timeout)
			// Not before the timeout (exact: the server heard of it last
			// after start); and at the timeout, give or take the reaper's
			// one-second round and a loaded machine, not at twice that.
			require.GreaterOrEqual(t, took, timeout, "reaped before the session timeout")
			require.Less(t, took, 2*timeout, "reaped long after the session timeout")
		})
	})
	// The watching player's stream went on after the others vanished.
	watch.more(t, 50)
	watch.finish(t)
	require.Equal(t, 1, readerCount(t, s))
}

// A SETUP that asks for media at another address than the requester's is
// refused (the server must not become a traffic reflector), and so is a
// multicast group outside Config.MulticastRange. Nothing here ever PLAYs a
// SETUP that names another address, so no packet leaves 127.0.0.1 even if
// the server accepted one.
func TestHardeningUDPDestinationsAreRefused(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	rtpc, _ := udpPairForTest(t)
	port := rtpc.LocalAddr().(*net.UDPAddr).Port
	cp := fmt.Sprintf("client_port=%d-%d", port, port+1)
	cases := []struct {
		transport string
		want      []int
	}{
		{"RTP/AVP;unicast;destination=192.0.2.1;" + cp, []int{403}},
		{"RTP/AVP;unicast;destination=::ffff:192.0.2.1;" + cp, []int{403}},
		{"RTP/AVP;unicast;destination=0.0.0.0;" + cp, []int{403}},
		{"RTP/AVP;unicast;destination=255.255.255.255;" + cp, []int{403}},
		{"RTP/AVP;unicast;destination=224.0.0.1;" + cp, []int{403}},
		{"RTP/AVP;unicast;destination=localhost;" + cp, []int{403}},
		{"RTP/AVP/UDP;unicast;destination=192.0.2.1;" + cp, []int{403}},
		{"RTP/AVP;multicast;destination=224.0.0.251", []int{403}},
		{"RTP/AVP;multicast;destination=239.255.43.1", []int{403}}, // just outside 239.255.42.0/24
		{"RTP/AVP;multicast;destination=192.0.2.1", []int{403}},
		{"RTP/AVP;multicast;destination=ff02::1", []int{403}},
		{"RTP/AVP;unicast;client_port=0-1", []int{400, 461}},
	}
	for _, tc := range cases {
		c := dialRaw(t, s, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", tc.transport)
		require.Contains(t, tc.want, resp.StatusCode, "%s -> %d %s", tc.transport, resp.StatusCode, resp.Header.Get("Transport"))
	}

	// The requester's own address is fine; the reply names no other.
	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;unicast;destination=127.0.0.1;"+cp)
	require.Equal(t, 200, resp.StatusCode)
	tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.Contains(t, []string{"", "127.0.0.1"}, tr.Destination)
	require.Equal(t, uint16(port), tr.ClientPort.First)
	require.Equal(t, 200, c.do(rtsp.Teardown, c.base, "Session", resp.Header.Get("Session")).StatusCode)

	// A refused alternative falls through to the next one.
	c = dialRaw(t, s, "test")
	resp = c.do(rtsp.Setup, c.base+"/trackID=0", "Transport",
		"RTP/AVP;unicast;destination=192.0.2.1;"+cp+",RTP/AVP;unicast;"+cp)
	require.Equal(t, 200, resp.StatusCode)
	tr, err = rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.Contains(t, []string{"", "127.0.0.1"}, tr.Destination)
	require.Equal(t, 200, c.do(rtsp.Teardown, c.base, "Session", resp.Header.Get("Session")).StatusCode)

	// Multicast inside the range: the server's own group and TTL, whatever
	// the client asked for. (SETUP only: playing would send to the group.)
	c = dialRaw(t, s, "test")
	resp = c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;multicast;destination=239.255.42.200;ttl=255;port=6000-6001")
	require.Equal(t, 200, resp.StatusCode)
	tr, err = rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.NotNil(t, tr.TTL)
	require.Equal(t, uint8(16), *tr.TTL, "the configured TTL, not the client's")
	require.Contains(t, tr.Destination, "239.255.42.")
	require.Equal(t, 200, c.do(rtsp.Teardown, c.base, "Session", resp.Header.Get("Session")).StatusCode)
	require.Equal(t, 0, readerCount(t, s))
}

// requireServerClosed checks that the server has closed its end of nc, even
// when data it queued before closing has not all arrived: a request written
// to a closed socket is answered with a reset.
func requireServerClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(nc, "OPTIONS * RTSP/1.0\r\nCSeq: 99\r\n\r\n")
	require.True(t, waitClosed(nc, hangTimeout), "the server did not close the connection")
}

// client_port=65535 leaves no port for RTCP: the server must refuse it
// rather than answer "client_port=65535-0" and send RTCP to port 0.
func TestHardeningUDPClientPortAtTheTop(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;unicast;client_port=65535")
	if resp.StatusCode == 200 {
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.NotZero(t, tr.ClientPort.Last, "RTCP port 0 in %q", resp.Header.Get("Transport"))
		require.Greater(t, tr.ClientPort.Last, tr.ClientPort.First, "%q", resp.Header.Get("Transport"))
	}
	require.Contains(t, []int{400, 461}, resp.StatusCode)
}
