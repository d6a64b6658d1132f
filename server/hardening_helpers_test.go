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
	nc, err := net.DialTimeout("tcp", serverAddr(s), 2*time.Second)
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

// readResponseOrClose reads what the server answers on nc within d: the
// status code of the response (0 when none came) and whether the server
// closed the connection (EOF or reset) after it, or before it.
func readResponseOrClose(nc net.Conn, d time.Duration) (status int, closed bool) {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	br := bufio.NewReader(nc)
	rd := rtsp.NewReader(br, rtsp.Limits{})
	for {
		m, err := rd.Read()
		if err != nil {
			return status, isClosedByPeer(err)
		}
		if m.Kind == rtsp.KindResponse {
			if status == 0 {
				status = m.Response.StatusCode
			}
			// Is the connection closed after the response?
			_ = nc.SetReadDeadline(time.Now().Add(d))
			_, err := br.Peek(1)
			return status, err != nil && isClosedByPeer(err)
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

// lossWatch reads a TCP-interleaved player's RTP on channel 0 in the
// background and checks that no packet is lost or reordered; it also records
// when each access unit ended (marker packet arrival).
type lossWatch struct {
	c    *rawClient
	stop chan struct{}
	done chan struct{}

	mu       sync.Mutex
	packets  int
	gaps     int
	firstGap string
	err      error
	markers  []time.Time // arrival of each marker packet (end of an access unit)
}

// watchLoss starts reading c, which must already be playing.
func watchLoss(c *rawClient) *lossWatch {
	w := &lossWatch{c: c, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
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
		ch, payload, err := w.c.readFrame(3 * time.Second)
		if err != nil {
			select {
			case <-w.stop:
				return // finish cut the read short
			default:
			}
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			return
		}
		if ch != 0 {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(payload); err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
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
		last, have = p.SequenceNumber, true
		w.packets++
		w.mu.Unlock()
	}
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
	require.NoError(t, w.err, "the watching player's connection failed")
	require.Zero(t, w.gaps, "the watching player lost packets: first gap %s", w.firstGap)
	return w.packets
}

// keepAlive sends GET_PARAMETER on the player's session every interval
// until finish, as players do to hold a session (RFC 2326 §10.8). The
// responses are skipped by the watching reader.
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
			_ = w.c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, err := fmt.Fprintf(w.c.nc, "GET_PARAMETER %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", w.c.base, 1000+i, w.c.sess)
			if err != nil {
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
