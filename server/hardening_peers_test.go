package server

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Hostile and broken peers on real loopback sockets (issue 6): slowloris,
// connection floods, malformed requests. Each runs while a player receives
// the stream, which must lose nothing.

const h264Sample = "../testdata/h264_main_720p.h264"

// pumpedServer starts a server with session "test" (H.264, no audio), feeds
// it the sample in real time until the test ends, and returns it.
func pumpedServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := startedServer(t, cfg, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	t.Cleanup(func() { close(stop); wg.Wait() })
	return s
}

func TestHardeningSlowlorisIsCutOff(t *testing.T) {
	t.Parallel()
	// A connection between two requests may idle 2*rht: a new player on a
	// loaded machine must not be cut off for being slow to send its next
	// request.
	const rht = 2 * time.Second
	s := pumpedServer(t, Config{ReadHeaderTimeout: rht})
	player := playTCP(t, s)
	watch := watchLoss(player)

	port := s.Addr().(*net.TCPAddr).Port
	head := fmt.Sprintf("OPTIONS rtsp://127.0.0.1:%d/test RTSP/1.0\r\nCSeq: 1\r\n", port)
	lines := head
	for i := 0; i < 50; i++ {
		lines += fmt.Sprintf("X-Pad-%d: %d\r\n", i, i)
	}
	// The server must close each connection ReadHeaderTimeout after its
	// first byte (twice that for a silent one), however slowly the rest
	// comes. The lower bounds are exact (start is taken before dialing);
	// the upper ones leave a loaded machine 5 s to get round to it, and
	// every trickle lasts longer than that, so that a server that waited
	// for the message to end (or for another timeout after it) is caught.
	const late = 5 * time.Second
	cases := []struct {
		name string
		// first is sent at once, then rest one chunk per interval.
		first    string
		rest     []string
		interval time.Duration
		// the server must close between min and max after start.
		min, max time.Duration
	}{
		{"one byte at a time", "O", strings.Split(head[1:]+"\r\n", ""), 200 * time.Millisecond, rht, rht + late},
		{"one header line at a time", "", strings.SplitAfter(lines, "\r\n"), 200 * time.Millisecond, rht, rht + late},
		{"body one byte at a time", head + "Content-Length: 100\r\n\r\n", strings.Split(strings.Repeat("x", 100), ""), 100 * time.Millisecond, rht, rht + late},
		{"interleaved frame one byte at a time", "$\x00\x01\x00", strings.Split(strings.Repeat("y", 256), ""), 100 * time.Millisecond, rht, rht + late},
		// A connection that never says anything gets twice the header
		// budget (conn.idleTimeout), then is closed.
		{"silent", "", nil, 0, 2 * rht, 2*rht + late},
	}
	for _, tc := range cases {
		if tc.rest != nil {
			require.Greater(t, time.Duration(len(tc.rest))*tc.interval, tc.max+time.Second, "%s: the trickle must outlast max", tc.name)
		}
	}
	// The peers run at once, each in its own goroutine (they mostly wait
	// for the server; as parallel subtests they would hold the test
	// slots of other tests), while a new player comes and plays.
	type outcome struct {
		closed bool
		took   time.Duration
	}
	outcomes := make([]outcome, len(cases))
	var wg sync.WaitGroup
	quit := make(chan struct{})
	defer close(quit)
	for i, tc := range cases {
		// Before dialing: the server's deadlines start later.
		start := time.Now()
		nc := dialTCP(t, s)
		if tc.first != "" {
			_, err := nc.Write([]byte(tc.first))
			require.NoError(t, err)
		}
		go func() {
			for _, chunk := range tc.rest {
				select {
				case <-quit:
					return
				case <-time.After(tc.interval):
				}
				if _, err := nc.Write([]byte(chunk)); err != nil {
					return
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			closed := waitClosed(nc, tc.max+time.Second)
			outcomes[i] = outcome{closed, time.Since(start)}
		}()
	}
	// A new player meanwhile.
	time.Sleep(rht / 2)
	c := dialRaw(t, s, "test")
	require.Equal(t, 200, c.do(rtsp.Options, c.base).StatusCode)
	require.Equal(t, 200, c.do(rtsp.Describe, c.base).StatusCode)
	c.setupPlayTCP(1)
	firstAU(t, c)
	wg.Wait()
	for i, tc := range cases {
		o := outcomes[i]
		require.True(t, o.closed, "%s: the server never closed the connection", tc.name)
		require.GreaterOrEqual(t, o.took, tc.min, "%s: closed too early", tc.name)
		require.LessOrEqual(t, o.took, tc.max, "%s: closed too late", tc.name)
		t.Logf("%s: closed after %v", tc.name, o.took.Round(time.Millisecond))
	}
	watch.more(t, 50) // the player kept receiving
	watch.finish(t)
}

func TestHardeningConnectionFloodGets503(t *testing.T) {
	t.Parallel()
	const limit, flood = 32, 300
	requireFDLimit(t, 2*flood+64)
	// The idle ones are closed after 2*rht; the new player at the end has
	// as long between its requests.
	const rht = 2 * time.Second
	s := pumpedServer(t, Config{MaxConnections: limit, ReadHeaderTimeout: rht})
	player := playTCP(t, s)
	watch := watchLoss(player)

	conns := make([]*net.TCPConn, flood)
	for i := range conns {
		conns[i] = dialTCP(t, s)
	}
	type result struct {
		resp   *rtsp.Response
		closed bool
	}
	results := make([]result, flood)
	var wg sync.WaitGroup
	for i, nc := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The idle ones are closed 2*rht after the server took them.
			_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
			br := bufio.NewReader(nc)
			m, err := rtsp.NewReader(br, rtsp.Limits{}).Read()
			if err != nil {
				results[i] = result{closed: isClosedByPeer(err)}
				return
			}
			_, err = br.Peek(1)
			results[i] = result{resp: m.Response, closed: err != nil && isClosedByPeer(err)}
		}()
	}
	wg.Wait()
	busy, idle := 0, 0
	for i, r := range results {
		require.True(t, r.closed, "connection %d: the server must close it (503 at once, or the idle timeout)", i)
		if r.resp == nil {
			idle++
			continue
		}
		require.Equal(t, 503, r.resp.StatusCode, "connection %d", i)
		require.NotEmpty(t, r.resp.Header.Get("Retry-After"))
		busy++
	}
	// Every flood connection was closed: evicted to make room for a newer
	// one (the oldest idle connection goes first), closed at the idle
	// timeout, or answered 503 when nothing was evictable. The player,
	// which holds a session, was never evicted (watch.finish below).
	require.Equal(t, flood, idle+busy)

	// Once the idle ones are gone, a new player gets in and plays.
	c := dialRaw(t, s, "test")
	require.Equal(t, 200, c.do(rtsp.Options, c.base).StatusCode)
	c.setupPlayTCP(1)
	firstAU(t, c)
	// The player's stream went on through the flood and after it.
	watch.more(t, 50)
	watch.finish(t)
}

// Idle connections (connected, silent, no RTSP session) fill every slot of
// Config.MaxConnections; a real player arriving then must still get in at
// once, rather than 503 until the idle ones time out (2*ReadHeaderTimeout).
// Otherwise one host that reconnects MaxConnections sockets every few
// seconds keeps every player out.
func TestHardeningIdleConnectionsDoNotLockOutPlayers(t *testing.T) {
	t.Parallel()
	const limit = 16
	requireFDLimit(t, 4*limit+64)
	s := pumpedServer(t, Config{MaxConnections: limit, ReadHeaderTimeout: 5 * time.Second})
	for i := 0; i < limit; i++ {
		dialTCP(t, s)
	}
	time.Sleep(100 * time.Millisecond) // let the server accept them all
	nc := dialTCP(t, s)
	_, err := fmt.Fprintf(nc, "OPTIONS rtsp://%s/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", serverAddr(s))
	require.NoError(t, err)
	status := readStatus(nc, hangTimeout)
	require.Equal(t, 200, status, "a player is refused while only idle connections hold the slots")
}

// hostileRequest is one malformed or malicious message for
// TestHardeningMalformedRequests.
type hostileRequest struct {
	name   string
	raw    string
	status []int // acceptable statuses; nil: no response, only a close
	close  int   // mustClose, mustStayOpen or eitherWay
	// orSilentClose also accepts a close without any response.
	orSilentClose bool
}

const (
	eitherWay = iota
	mustClose
	mustStayOpen
)

func hostileRequests(base string) []hostileRequest {
	req := func(method, url string, hdr ...string) string {
		return method + " " + url + " RTSP/1.0\r\nCSeq: 5\r\n" + strings.Join(hdr, "") + "\r\n"
	}
	many := ""
	for i := 0; i < 100; i++ {
		many += fmt.Sprintf("X-H%d: v\r\n", i)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 3000)
	for i := range garbage {
		garbage[i] = byte(rng.IntN(256))
		if i%97 == 96 {
			garbage[i] = '\n'
		}
	}
	garbage[0] = 0x80 // not '$', not CR/LF: read as a request line
	return []hostileRequest{
		{"request line over 4 KiB", req("DESCRIBE", base+"/"+strings.Repeat("a", 5000)), []int{414}, mustClose, false},
		{"100 header fields", req("OPTIONS", base, many), []int{400}, mustClose, false},
		{"header block over 16 KiB", req("OPTIONS", base, "X-Big: "+strings.Repeat("b", 3000)+"\r\n", strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 15)), []int{400}, mustClose, false},
		{"Content-Length 10^25", req("SET_PARAMETER", base, "Content-Length: 10000000000000000000000000\r\n"), []int{413}, mustClose, false},
		{"Content-Length 2 MB", req("SET_PARAMETER", base, "Content-Length: 2000000\r\n"), []int{413}, mustClose, false},
		{"Content-Length -1", req("SET_PARAMETER", base, "Content-Length: -1\r\n"), []int{400}, mustClose, false},
		{"conflicting Content-Length", req("SET_PARAMETER", base, "Content-Length: 1\r\nContent-Length: 2\r\n") + "xx", []int{400}, mustClose, false},
		// Garbage without an empty line never ends its head: the server
		// may answer 400 at the bad request line, or wait for the end of
		// the head until ReadHeaderTimeout and close.
		{"binary garbage", string(garbage), []int{400}, mustClose, true},
		{"binary garbage ending in an empty line", string(garbage) + "\r\n\r\n", []int{400}, mustClose, false},
		{"NUL in the request line", "DESCRIBE " + base + "/te\x00st RTSP/1.0\r\nCSeq: 5\r\n\r\n", []int{400}, mustClose, false},
		{"header line without a colon", req("OPTIONS", base, "NoColonHere\r\n"), []int{400}, mustClose, false},
		{"CSeq overflow", "OPTIONS " + base + " RTSP/1.0\r\nCSeq: 99999999999999999999999\r\n\r\n", []int{400}, eitherWay, false},
		{"only CRLFs", strings.Repeat("\r\n", 5000), []int{400, 414}, mustClose, false},
		{"dot-dot before the mount", req("DESCRIBE", strings.TrimSuffix(base, "/test")+"/../test"), []int{400, 404}, mustStayOpen, false},
		{"dot-dot inside the mount", req("DESCRIBE", base+"/test/../test"), []int{400}, mustStayOpen, false},
		{"percent-encoded dot-dot", req("DESCRIBE", base+"/test/%2e%2e/test"), []int{400}, mustStayOpen, false},
		{"escape above the root", req("DESCRIBE", strings.TrimSuffix(base, "/test")+"/../../../etc/passwd"), []int{400, 404}, mustStayOpen, false},
		{"percent-encoded NUL", req("DESCRIBE", base+"%00"), []int{400, 404}, mustStayOpen, false},
		{"percent-encoded NUL in the track", req("SETUP", base+"/trackID=0%00", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"), []int{400, 404}, mustStayOpen, false},
		{"dot-dot in the track", req("SETUP", base+"/trackID=0/..", "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"), []int{400, 404}, mustStayOpen, false},
		{"interleaved frame without a TCP session", "$\x00\x00\x08abcdefgh", nil, mustStayOpen, false},
		{"interleaved frame of 64 KiB", "$\x01\xff\xff" + strings.Repeat("z", 65535), nil, mustStayOpen, false},
		{"a response from the client", "RTSP/1.0 200 OK\r\nCSeq: 7\r\n\r\n", nil, mustStayOpen, false},
		{"unknown method with a body", req("FROBNICATE", base, "Content-Length: 5\r\n") + "hello", []int{501}, mustStayOpen, false},
		{"RTSP/9.9", "OPTIONS " + base + " RTSP/9.9\r\nCSeq: 5\r\n\r\n", []int{505}, eitherWay, false},
		{"Session header of 4000 bytes", req("PLAY", base, "Session: "+strings.Repeat("9", 4000)+"\r\n"), []int{454, 400}, mustStayOpen, false},
		{"Transport junk", req("SETUP", base+"/trackID=0", "Transport: ;;;=,,,=;;interleaved=999999-1\r\n"), []int{400, 461}, mustStayOpen, false},
		{"Range junk", req("PLAY", base, "Session: 12345\r\nRange: npt=\xff-\r\n"), []int{400, 454, 457}, eitherWay, false},
	}
}

func TestHardeningMalformedRequests(t *testing.T) {
	t.Parallel()
	// Connections idle 2*rht between requests: a loaded machine has that
	// long to send the next one on a connection that must stay open.
	s := pumpedServer(t, Config{ReadHeaderTimeout: 3 * time.Second})
	player := playTCP(t, s)
	watch := watchLoss(player)
	base := "rtsp://" + serverAddr(s) + "/test"

	t.Run("requests", func(t *testing.T) {
		for _, tc := range hostileRequests(base) {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				nc := dialTCP(t, s)
				// Write from a goroutine: the server may stop reading
				// (and close) before a large message is all sent.
				go func() { _, _ = nc.Write([]byte(tc.raw)) }()
				rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
				_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
				if tc.status != nil {
					m, err := rd.Read()
					if err != nil && tc.orSilentClose {
						require.True(t, isClosedByPeer(err), "neither a response nor a close: %v", err)
						return
					}
					require.NoError(t, err, "no response")
					require.Equal(t, rtsp.KindResponse, m.Kind)
					require.Contains(t, tc.status, m.Response.StatusCode)
				}
				switch tc.close {
				case mustClose:
					_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
					_, err := rd.Read()
					require.Error(t, err)
					require.True(t, isClosedByPeer(err), "the connection must be closed after this: %v", err)
				case mustStayOpen:
					// The connection still works.
					_, err := fmt.Fprintf(nc, "OPTIONS %s RTSP/1.0\r\nCSeq: 6\r\n\r\n", base)
					require.NoError(t, err)
					m, err := rd.Read()
					require.NoError(t, err)
					require.Equal(t, rtsp.KindResponse, m.Kind)
					require.Equal(t, 200, m.Response.StatusCode)
					require.Equal(t, "6", m.Response.Header.Get("CSeq"))
				}
			})
		}
	})
	// Nothing else was affected: the player lost nothing and its stream
	// goes on, and a new one plays.
	watch.more(t, 50)
	watch.finish(t)
	c := dialRaw(t, s, "test")
	c.setupPlayTCP(1)
	firstAU(t, c)
}

// A TCP player's interleaved channel carries garbage where its RTCP should
// be, and frames on channels it never set up: they are ignored, the session
// stays, the stream goes on.
func TestHardeningInterleavedGarbageFromPlayer(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	c := playTCP(t, s)
	watch := watchLoss(c)
	rng := rand.New(rand.NewPCG(3, 4))
	var b []byte
	for i := 0; i < 300; i++ {
		n := rng.IntN(1500)
		ch := []byte{0, 1, 1, 200, 255}[i%5]
		b = append(b, '$', ch, byte(n>>8), byte(n))
		for j := 0; j < n; j++ {
			b = append(b, byte(rng.IntN(256)))
		}
		if i%5 == 1 && n >= 8 {
			// Something that looks like an RTCP header with a lying length.
			copy(b[len(b)-n:], []byte{0x81, 201, 0xff, 0xff, 1, 2, 3, 4})
		}
	}
	// Then a keep-alive: once it is answered, the server has read all the
	// garbage before it.
	b = fmt.Appendf(b, "GET_PARAMETER %s RTSP/1.0\r\nCSeq: 77\r\nSession: %s\r\n\r\n", c.base, c.sess)
	c.wmuWrite(t, b)
	require.Equal(t, 200, watch.response(t, 77), "the session is still there after the garbage")
	require.Equal(t, 1, readerCount(t, s))
	watch.more(t, 50) // and the stream goes on, nothing lost
	watch.finish(t)
}

// wmuWrite writes raw bytes on the player's connection.
func (c *rawClient) wmuWrite(t *testing.T, b []byte) {
	t.Helper()
	require.NoError(t, c.nc.SetWriteDeadline(time.Now().Add(hangTimeout)))
	_, err := c.nc.Write(b)
	require.NoError(t, err)
}

// Many connections each hold a partial message: what the server keeps for
// each is bounded by the limits, not by what the peer announces.
func TestHardeningMemoryBoundedPerConnection(t *testing.T) {
	const conns = 100
	requireFDLimit(t, 2*conns+64)
	s := startedServer(t, Config{ReadHeaderTimeout: 10 * time.Second}, VideoH264, AudioNone)
	port := s.Addr().(*net.TCPAddr).Port
	head := fmt.Sprintf("SET_PARAMETER rtsp://127.0.0.1:%d/test RTSP/1.0\r\nCSeq: 1\r\n", port)
	cases := []struct {
		name    string
		partial string
		max     uint64 // bytes the server may hold per connection
	}{
		// A 15 KiB header block, not finished: the head buffer.
		{"unfinished header block", head + strings.Repeat("X-Pad: "+strings.Repeat("p", 500)+"\r\n", 30), 48 << 10},
		// A 1 MB body announced, 1 KiB sent: the body grows as data comes.
		{"body announced, not sent", head + "Content-Length: 1000000\r\n\r\n" + strings.Repeat("b", 1024), 100 << 10},
		// An interleaved frame of 64 KiB announced, 100 bytes sent.
		{"interleaved frame announced, not sent", "$\x00\xff\xff" + strings.Repeat("f", 100), 100 << 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := heapAfterGC()
			var ncs []*net.TCPConn
			for i := 0; i < conns; i++ {
				nc := dialTCP(t, s)
				_, err := nc.Write([]byte(tc.partial))
				require.NoError(t, err)
				ncs = append(ncs, nc)
			}
			// The server reads what came: every connection is taken
			// and in a request (then the partial message is a single
			// read away), and a moment more for those reads. (Reading
			// less could only make the figure smaller.)
			waitBusyConns(t, s, conns)
			time.Sleep(300 * time.Millisecond)
			grown := int64(heapAfterGC()) - int64(base)
			t.Logf("%s: %d connections hold %d KiB (%d bytes each)", tc.name, conns, grown>>10, grown/conns)
			require.Less(t, grown, int64(tc.max)*conns)
			for _, nc := range ncs {
				nc.Close()
			}
			require.Eventually(t, func() bool { return int64(heapAfterGC())-int64(base) < 2<<20 }, hangTimeout, 50*time.Millisecond, "memory comes back once the connections close")
		})
	}
}

// Many requests in one write (pipelining): each is answered, in order.
func TestHardeningPipelinedRequests(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	nc := dialTCP(t, s)
	var b strings.Builder
	const n = 200
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "OPTIONS rtsp://%s/test RTSP/1.0\r\nCSeq: %d\r\n\r\n", serverAddr(s), i)
	}
	go func() { _, _ = nc.Write([]byte(b.String())) }()
	rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
	_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
	for i := 1; i <= n; i++ {
		m, err := rd.Read()
		require.NoError(t, err)
		require.Equal(t, rtsp.KindResponse, m.Kind)
		require.Equal(t, 200, m.Response.StatusCode)
		require.Equal(t, fmt.Sprint(i), m.Response.Header.Get("CSeq"))
	}
}

// One connection that SETUPs session after session (never PLAYs, never
// tears down) must not grow the server's memory without bound: beyond a
// limit, SETUP is refused. (Sessions otherwise live until the connection
// closes or SessionTimeout, and a client can create thousands a second.)
func TestHardeningSessionFloodIsBounded(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	nc := dialTCP(t, s)
	const n = 2000
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "SETUP rtsp://%s/test/trackID=0 RTSP/1.0\r\nCSeq: %d\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n", serverAddr(s), i)
	}
	go func() { _, _ = nc.Write([]byte(b.String())) }()
	rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
	_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
	created := 0
	for i := 1; i <= n; i++ {
		m, err := rd.Read()
		if err != nil {
			require.True(t, isClosedByPeer(err), "%v", err)
			break // closing the connection is a fine answer too
		}
		if m.Kind == rtsp.KindResponse && m.Response.StatusCode == 200 {
			created++
		}
	}
	t.Logf("one connection created %d sessions", created)
	require.LessOrEqual(t, readerCount(t, s), 256, "sessions of one connection are not bounded")
}

// waitBusyConns waits until the server has taken n connections and each is
// reading a request (it received its first bytes).
func waitBusyConns(t *testing.T, s *Server, n int) {
	t.Helper()
	deadline := time.Now().Add(hangTimeout)
	for {
		s.mu.Lock()
		run := s.run
		s.mu.Unlock()
		busy := 0
		run.mu.Lock()
		for c := range run.conns {
			if c.busy.Load() {
				busy++
			}
		}
		run.mu.Unlock()
		if busy >= n {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d of %d connections are being read", busy, n)
		time.Sleep(10 * time.Millisecond)
	}
}
