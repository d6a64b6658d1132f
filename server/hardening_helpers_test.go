package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	goruntime "runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Helpers shared by the hardening tests (issue 6): hostile peers, slow and
// vanished readers, garbage media, churn and lifecycle. Everything runs on
// 127.0.0.1 only.

// serverAddr is the loopback address of a started server's RTSP port.
func serverAddr(s *Server) string {
	return fmt.Sprintf("127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
}

// dialTCP opens a plain TCP connection to the server, closed at cleanup.
func dialTCP(t *testing.T, s *Server) *net.TCPConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return nc.(*net.TCPConn)
}

// resetClose closes a connection with an RST instead of a FIN, as a player
// whose process is killed or whose machine vanishes behind a NAT would.
func resetClose(nc *net.TCPConn) {
	_ = nc.SetLinger(0)
	_ = nc.Close()
}

// readStatus reads what the server answers on nc within d: the status code
// of the first response, 0 when the connection ended without one.
func readStatus(nc net.Conn, d time.Duration) int {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
	for {
		m, err := rd.Read()
		if err != nil {
			return 0
		}
		if m.Kind == rtsp.KindResponse {
			return m.Response.StatusCode
		}
	}
}

// isClosedByPeer tells an orderly close or a reset from a timeout.
func isClosedByPeer(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.EPIPE)
}

// waitClosed reports whether the server closes nc within d, discarding
// anything it sends meanwhile.
func waitClosed(nc net.Conn, d time.Duration) bool {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 32<<10)
	for {
		_, err := nc.Read(buf)
		if err != nil {
			return isClosedByPeer(err)
		}
	}
}

// hangTimeout bounds every wait of these tests for something the server
// must do (send packets, answer, close, free memory): long enough that only
// a server that hangs or never does it reaches it, however loaded and slow
// the machine. Tests wait for what they expect to receive, not for a time.
const hangTimeout = 30 * time.Second

// lossWatch reads a TCP-interleaved player's RTP on channel 0 in the
// background and checks that no packet is lost or reordered; it also records
// when each access unit ended (marker packet arrival) and the responses the
// connection carried. Tests wait on it for content (n more packets, a
// response), never for a time.
type lossWatch struct {
	c    *rawClient
	stop chan struct{}
	done chan struct{}

	mu        sync.Mutex
	packets   int
	gaps      int
	firstGap  string
	err       error
	errAt     time.Time      // when err happened
	last      time.Time      // arrival of the latest packet
	markers   []time.Time    // arrival of each marker packet (end of an access unit)
	responses map[string]int // status of each response, by CSeq
}

// watchLoss starts reading c, which must already be playing.
func watchLoss(c *rawClient) *lossWatch {
	w := &lossWatch{c: c, stop: make(chan struct{}), done: make(chan struct{}), responses: map[string]int{}}
	go w.run()
	return w
}

func (w *lossWatch) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err, w.errAt = err, time.Now()
	}
}

func (w *lossWatch) run() {
	defer close(w.done)
	var last uint16
	have := false
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		var m rtsp.Message
		if len(w.c.frames) > 0 { // received while do() waited for a response
			m, w.c.frames = w.c.frames[0], w.c.frames[1:]
		} else {
			// A deadline only a server that stopped sending reaches: a
			// short one also expires when this goroutine is merely not
			// scheduled for a while, with the packets waiting in the
			// socket.
			_ = w.c.nc.SetReadDeadline(time.Now().Add(hangTimeout))
			var err error
			if m, err = w.c.rd.Read(); err != nil {
				select {
				case <-w.stop:
					return // finish cut the read short
				default:
				}
				w.fail(err)
				return
			}
		}
		if m.Kind == rtsp.KindResponse {
			w.mu.Lock()
			w.responses[m.Response.Header.Get("CSeq")] = m.Response.StatusCode
			w.mu.Unlock()
			continue
		}
		if m.Kind != rtsp.KindFrame || m.Channel != 0 {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(m.Payload); err != nil {
			w.fail(err)
			return
		}
		now := time.Now()
		w.mu.Lock()
		if have && p.SequenceNumber != last+1 {
			if w.gaps == 0 {
				w.firstGap = fmt.Sprintf("seq %d after %d (packet %d)", p.SequenceNumber, last, w.packets)
			}
			w.gaps++
		}
		if p.Marker {
			w.markers = append(w.markers, now)
		}
		w.last = now
		last, have = p.SequenceNumber, true
		w.packets++
		w.mu.Unlock()
	}
}

// count returns the packets received so far.
func (w *lossWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.packets
}

// waitUntil waits until ok (called with mu held) holds, failing the test if
// the player's connection fails first or after hangTimeout.
func (w *lossWatch) waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangTimeout)
	for {
		w.mu.Lock()
		done, err, n := ok(), w.err, w.packets
		w.mu.Unlock()
		if done {
			return
		}
		if err != nil {
			t.Fatalf("the watching player's connection failed while waiting for %s (%d packets received): %v; the server's count for it: %s", what, n, err, w.c.serverView())
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watching player waited %v for %s: %d packets received; the server's count for it: %s", hangTimeout, what, n, w.c.serverView())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// more waits until the player has received n more packets than it had,
// which is how tests check that a player's stream went on after a
// disturbance (finish checks they came without a gap).
func (w *lossWatch) more(t *testing.T, n int) {
	t.Helper()
	target := w.count() + n
	w.waitUntil(t, fmt.Sprintf("%d more packets", n), func() bool { return w.packets >= target })
}

// response waits for the response with the given CSeq and returns its
// status: everything the player sent before that request has been read by
// the server.
func (w *lossWatch) response(t *testing.T, cseq int) int {
	t.Helper()
	key := fmt.Sprint(cseq)
	w.waitUntil(t, "the response to CSeq "+key, func() bool { _, ok := w.responses[key]; return ok })
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.responses[key]
}

// finish stops the watcher and returns the packets seen; it fails the test
// on any loss or read error.
func (w *lossWatch) finish(t *testing.T) int {
	t.Helper()
	close(w.stop)
	for waiting := true; waiting; {
		_ = w.c.nc.SetReadDeadline(time.Now())
		select {
		case <-w.done:
			waiting = false
		case <-time.After(20 * time.Millisecond):
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	require.NoError(t, w.err, "the watching player's connection failed at %s after %d packets, the last at %s; the server's count for it: %s",
		w.errAt.Format("15:04:05.000"), w.packets, w.last.Format("15:04:05.000"), w.c.serverView())
	require.Zero(t, w.gaps, "the watching player lost packets: first gap %s; the server's count for it: %s", w.firstGap, w.c.serverView())
	return w.packets
}

// keepAlive sends GET_PARAMETER on the player's session every interval
// until finish, as players do to hold a session (RFC 2326 §10.8). The
// responses are recorded by the watching reader (CSeq 1000 on).
func (w *lossWatch) keepAlive(interval time.Duration) {
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			_ = w.c.nc.SetWriteDeadline(time.Now().Add(hangTimeout))
			_, err := fmt.Fprintf(w.c.nc, "GET_PARAMETER %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", w.c.base, 1000+i, w.c.sess)
			if err != nil {
				select {
				case <-w.stop:
				default:
					w.fail(fmt.Errorf("keep-alive: %w", err))
				}
				return
			}
		}
	}()
}

// goroutineBaseline waits briefly for goroutines of earlier tests to end and
// returns the count.
func goroutineBaseline() int {
	n := goruntime.NumGoroutine()
	for i := 0; i < 20; i++ {
		time.Sleep(10 * time.Millisecond)
		m := goruntime.NumGoroutine()
		if m >= n {
			return min(n, m)
		}
		n = m
	}
	return n
}

// requireGoroutinesBack waits up to d for the goroutine count to come back
// to base (goroutines end asynchronously), and on failure lists the
// goroutines of this package still alive.
func requireGoroutinesBack(t *testing.T, base int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := goruntime.NumGoroutine()
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d, want <= %d after %v; still running:\n%s", n, base, d, serverGoroutines())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// serverGoroutines is the goroutine dump restricted to stacks that run
// code of this module, for failure messages.
func serverGoroutines() string {
	var b bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "rtspkit/server.") && !strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	sort.Strings(out)
	s := strings.Join(out, "\n\n")
	if len(s) > 8000 {
		s = s[:8000] + "\n..."
	}
	return s
}

// requireFDsBack waits up to d for the number of open file descriptors to
// come back to base.
func requireFDsBack(t *testing.T, base int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := countFDs(t)
		if n <= base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("open file descriptors: %d, want <= %d after %v", n, base, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heapAfterGC returns the live heap after two collections (the second one
// clears what sync.Pools handed back during the first).
func heapAfterGC() uint64 {
	goruntime.GC()
	goruntime.GC()
	var ms goruntime.MemStats
	goruntime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// playTCP connects a player over TCP interleaved (SETUP track 0, PLAY).
func playTCP(t *testing.T, s *Server) *rawClient {
	t.Helper()
	c := dialRaw(t, s, "test")
	c.setupPlayTCP(1)
	return c
}

// readerCount returns the number of players of session "test".
func readerCount(t *testing.T, s *Server) int {
	st, err := s.Stats("test")
	require.NoError(t, err)
	return len(st.Readers)
}

// receivedAU is an access unit a player received (copied out of the
// depacketizer).
type receivedAU struct {
	ts      uint32
	nals    [][]byte
	damaged bool
}

// testLog keeps a test server's log (newTestServer), up to a bound.
type testLog struct {
	mu      sync.Mutex
	b       bytes.Buffer
	dropped int
}

const testLogMax = 256 << 10

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len()+len(p) > testLogMax {
		l.dropped++
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *testLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dropped > 0 {
		return fmt.Sprintf("%s... and %d more lines", l.b.String(), l.dropped)
	}
	return l.b.String()
}

// serverView describes the player's reader as the server's Stats see it,
// for failure messages: whether the server dropped frames for it (its queue
// overflowed) or ended its session.
func (c *rawClient) serverView() string {
	if c.srv == nil {
		return "unknown"
	}
	st, err := c.srv.Stats(strings.TrimPrefix(c.base[strings.LastIndex(c.base, "/"):], "/"))
	if err != nil {
		return err.Error()
	}
	for _, r := range st.Readers {
		if r.Session == c.sess {
			return fmt.Sprintf("session %s: %d packets, %d frames dropped", r.Session, r.Packets, r.FramesDropped)
		}
	}
	return fmt.Sprintf("session %s is gone (the server ended it)", c.sess)
}

// rtspSessionCount returns the number of players' RTSP sessions of a
// started server.
func rtspSessionCount(s *Server) int {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	run.mu.Lock()
	defer run.mu.Unlock()
	return len(run.sessions)
}
