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
	aus := auOf(t, path, false)
	p := &timedPump{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
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
// data it is dropped. Another player meanwhile loses nothing and its
// latency does not change.
func TestHardeningStuckReaderIsDropped(t *testing.T) {
	t.Parallel()
	const wt = time.Second
	s := startedServer(t, Config{ReaderQueue: 16, WriteTimeout: wt}, VideoH264, AudioNone)
	fast := playTCP(t, s)
	watch := watchLoss(fast)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond) // ~2 MB/s
	time.Sleep(time.Second)                                   // phase A: the fast player alone

	stuck := dialRaw(t, s, "test")
	require.NoError(t, stuck.nc.(*net.TCPConn).SetReadBuffer(4096))
	stuck.setupPlayTCP(1) // and never reads again
	joined := time.Now()

	var maxDropped uint64
	var gone time.Time
	for time.Since(joined) < 8*time.Second {
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
	require.GreaterOrEqual(t, gone.Sub(joined), wt, "dropped before the write deadline could pass")
	t.Logf("stuck player: dropped after %v, %d frames lost before", gone.Sub(joined).Round(time.Millisecond), maxDropped)
	time.Sleep(500 * time.Millisecond) // phase C: after the drop
	p.halt()
	n := watch.finish(t)
	require.Greater(t, n, 1000)

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
	// Loopback latency is a few milliseconds; the race detector and the
	// other tests sharing two cores add noise, hence the slack.
	// A publisher held up by the stuck player would show WriteTimeout (1 s)
	// here.
	require.Less(t, pct(b, 50), pct(a, 50)+30*time.Millisecond, "median latency changed")
	require.Less(t, pct(b, 90), max(3*pct(a, 90), pct(a, 90)+100*time.Millisecond), "p90 latency changed")
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

// A player that cannot keep up (it stalls for a while, again and again): it
// loses whole frames, and after a loss its stream resumes at a keyframe,
// never mid-picture or with a picture whose references it lost. It is not
// dropped (each stall is shorter than WriteTimeout), and the other player
// loses nothing.
func TestHardeningSlowReaderLosesWholeFrames(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{ReaderQueue: 4, WriteTimeout: 3 * time.Second}, VideoH264, AudioNone)
	fast := playTCP(t, s)
	watch := watchLoss(fast)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond) // ~2 MB/s

	nc := dialTCP(t, s)
	g := &gated{r: nc}
	g.open.Store(true)
	slow := &rawClient{t: t, nc: nc, base: "rtsp://" + serverAddr(s) + "/test"}
	slow.rd = rtsp.NewReader(bufio.NewReaderSize(g, 4096), rtsp.Limits{})
	slow.setupPlayTCP(1)

	type pkt struct {
		seq    uint16
		ts     uint32
		marker bool
		data   []byte
	}
	var pkts []pkt
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
			ch, payload, err := slow.readFrame(5 * time.Second)
			if err != nil {
				done <- err
				return
			}
			if ch != 0 {
				continue
			}
			var rp rtp.Packet
			if err := rp.Unmarshal(payload); err != nil {
				done <- err
				return
			}
			pkts = append(pkts, pkt{rp.SequenceNumber, rp.Timestamp, rp.Marker, append([]byte(nil), payload...)})
		}
	}()
	// Two stalls: each lasts until the socket buffers are full and the
	// bounded queue overflows (the server counts a lost frame), which is
	// far less than WriteTimeout of blocking.
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
	for i := 0; i < 2; i++ {
		before := dropped()
		g.open.Store(false)
		require.Eventually(t, func() bool { return dropped() > before }, 5*time.Second, 10*time.Millisecond, "stalled player lost no frame")
		time.Sleep(100 * time.Millisecond)
		g.open.Store(true)
		time.Sleep(800 * time.Millisecond)
	}
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
	require.Greater(t, watch.finish(t), 1000)

	// Split what the slow player got into access units and check every
	// loss: it falls between two access units, and the next one is an IDR.
	gaps := 0
	var d h26x.H264Depacketizer
	afterGap := false
	for i, q := range pkts {
		if i > 0 && q.seq != pkts[i-1].seq+1 {
			gaps++
			require.True(t, pkts[i-1].marker, "packet loss inside an access unit (seq %d -> %d)", pkts[i-1].seq, q.seq)
			require.NotEqual(t, pkts[i-1].ts, q.ts, "loss inside an access unit")
			afterGap = true
			d.Reset()
		}
		var rp rtp.Packet
		require.NoError(t, rp.Unmarshal(q.data))
		aus, err := d.Depacketize(&rp)
		require.NoError(t, err)
		for _, au := range aus {
			require.False(t, au.Damaged, "access unit at %d damaged", au.Timestamp)
			if afterGap {
				idr := false
				for _, n := range au.NALs {
					idr = idr || h26x.H264Type(n) == h26x.H264NALIDR
				}
				require.True(t, idr, "after a loss the stream must resume at an IDR")
				afterGap = false
			}
		}
	}
	t.Logf("slow player: %d packets, %d gaps, %d frames dropped", len(pkts), gaps, slowStats.FramesDropped)
	require.Positive(t, gaps, "the slow player saw no loss at all")
}

// Players that vanish without TEARDOWN: a TCP player whose connection is
// reset is reaped at once; a UDP player that goes silent (no RTCP, no
// requests, its ports closed so the server's packets bounce) is reaped at
// the session timeout, not before. The other player loses nothing.
func TestHardeningVanishedPlayersAreReaped(t *testing.T) {
	t.Parallel()
	const timeout = 1500 * time.Millisecond
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
	t.Run("players", func(t *testing.T) {
		t.Run("TCP reset while playing", func(t *testing.T) {
			t.Parallel()
			c := playTCP(t, s)
			firstAU(t, c)
			require.True(t, has(c.sess))
			resetClose(c.nc.(*net.TCPConn))
			// At once: well before the session timeout.
			require.Eventually(t, func() bool { return !has(c.sess) }, timeout/2, 5*time.Millisecond, "a reset TCP player is reaped at once")
		})
		t.Run("TCP reset after SETUP", func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, s, "test")
			resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
			require.Equal(t, 200, resp.StatusCode)
			sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
			require.NoError(t, err)
			require.True(t, has(sh.ID))
			resetClose(c.nc.(*net.TCPConn))
			require.Eventually(t, func() bool { return !has(sh.ID) }, timeout/2, 5*time.Millisecond)
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
			require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
			start := time.Now()
			// It was receiving; now it vanishes: its ports close (the
			// server gets ICMP port unreachable) and it says nothing more,
			// though its RTSP connection stays open as a dead peer's would.
			_ = rtpc.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, _, err = rtpc.ReadFromUDP(make([]byte, 2048))
			require.NoError(t, err)
			rtpc.Close()
			rtcpc.Close()
			time.Sleep(timeout * 2 / 3)
			require.True(t, has(c.sess), "reaped before the session timeout")
			require.Eventually(t, func() bool { return !has(c.sess) }, 3*timeout, 10*time.Millisecond, "a silent UDP player is reaped at the session timeout")
			took := time.Since(start)
			require.GreaterOrEqual(t, took, timeout)
			require.Less(t, took, timeout+1500*time.Millisecond)
		})
	})
	require.Greater(t, watch.finish(t), 100)
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
	require.True(t, waitClosed(nc, 3*time.Second), "the server did not close the connection")
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
