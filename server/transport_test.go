package server

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// udpPairForTest binds two consecutive loopback UDP ports, RTP even.
func udpPairForTest(t *testing.T) (*net.UDPConn, *net.UDPConn) {
	for p := 40000 + 2*testPortSeq.next()*7; p < 60000; p += 2 {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		if err != nil {
			a.Close()
			continue
		}
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	}
	t.Fatal("no UDP port pair")
	return nil, nil
}

func TestUDPUnicastDeliversRTPAndSenderReports(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", "../testdata/h264_main_720p.h264", stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	rtpc, rtcpc := udpPairForTest(t)
	require.NoError(t, rtpc.SetReadBuffer(4<<20)) // room for the packets that come while the test is not running
	c := dialRaw(t, s, "test")
	port := rtpc.LocalAddr().(*net.UDPAddr).Port
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	require.Equal(t, 200, resp.StatusCode)
	tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.NotNil(t, tr.ServerPort)
	require.NotNil(t, tr.SSRC)
	sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	c.sess = sh.ID
	require.Equal(t, 200, c.do(rtsp.Play, c.base+"/").StatusCode)

	// RTP from the server's RTP port, with the SSRC announced in SETUP.
	buf := make([]byte, 2048)
	var last uint16
	for i := 0; i < 50; i++ {
		_ = rtpc.SetReadDeadline(time.Now().Add(hangTimeout))
		n, from, err := rtpc.ReadFromUDP(buf)
		require.NoError(t, err)
		require.Equal(t, int(tr.ServerPort.First), from.Port)
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(buf[:n]))
		require.Equal(t, *tr.SSRC, p.SSRC)
		if i > 0 {
			require.Equal(t, last+1, p.SequenceNumber, "no loss, no reordering on loopback")
		}
		last = p.SequenceNumber
	}
	// A sender report with our SSRC and a CNAME arrives on the RTCP port.
	_ = rtcpc.SetReadDeadline(time.Now().Add(hangTimeout))
	n, _, err := rtcpc.ReadFromUDP(buf)
	require.NoError(t, err)
	pkts, err := rtcp.Unmarshal(buf[:n])
	require.NoError(t, err)
	sr, ok := pkts[0].(*rtcp.SenderReport)
	require.True(t, ok)
	require.Equal(t, *tr.SSRC, sr.SSRC)
	sdes, ok := pkts[1].(*rtcp.SourceDescription)
	require.True(t, ok)
	require.NotEmpty(t, sdes.Chunks[0].CNAME())

	// A receiver report from the client shows up in the statistics.
	rr := &rtcp.ReceiverReport{SSRC: 1234, Reports: []rtcp.ReceptionReport{{SSRC: *tr.SSRC, FractionLost: 64, CumulativeLost: 7, Jitter: 900}}}
	b, err := rtcp.MarshalCompound(rr)
	require.NoError(t, err)
	_, err = rtcpc.WriteToUDP(b, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(tr.ServerPort.Last)})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := s.Stats("test")
		return err == nil && len(st.Readers) == 1 && len(st.Readers[0].Tracks) == 1 &&
			st.Readers[0].Tracks[0].TotalLost == 7 && st.Readers[0].Tracks[0].FractionLost == 0.25
	}, hangTimeout, 10*time.Millisecond)

	// TEARDOWN sends a BYE on the RTCP port.
	require.Equal(t, 200, c.do(rtsp.Teardown, c.base).StatusCode)
	sawBye := false
	for !sawBye {
		_ = rtcpc.SetReadDeadline(time.Now().Add(hangTimeout))
		n, _, err := rtcpc.ReadFromUDP(buf)
		require.NoError(t, err)
		pkts, err := rtcp.Unmarshal(buf[:n])
		require.NoError(t, err)
		for _, p := range pkts {
			if _, ok := p.(*rtcp.Goodbye); ok {
				sawBye = true
			}
		}
	}
}

func TestSessionTimeoutAndConnectionClose(t *testing.T) {
	t.Parallel()
	// Keep-alives every 400 ms hold a session of 4 s: a loaded machine
	// that sends one late does not get it reaped.
	const timeout = 4 * time.Second
	s := startedServer(t, Config{SessionTimeout: timeout}, VideoH264, AudioNone)
	rtpc, _ := udpPairForTest(t)
	port := rtpc.LocalAddr().(*net.UDPAddr).Port

	// A UDP session whose player goes silent is reaped at the timeout.
	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Session"), "timeout=4")
	sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
	c.sess = sh.ID
	require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
	readers := func() int {
		st, err := s.Stats("test")
		require.NoError(t, err)
		return len(st.Readers)
	}
	require.Equal(t, 1, readers())
	// Keep-alives hold it past the timeout...
	for start := time.Now(); time.Since(start) < timeout+time.Second; {
		time.Sleep(400 * time.Millisecond)
		require.Equal(t, 200, c.do(rtsp.GetParameter, c.base).StatusCode)
	}
	require.Equal(t, 1, readers())
	// ...silence ends it.
	require.Eventually(t, func() bool { return readers() == 0 }, hangTimeout, 50*time.Millisecond)
	c3 := dialRaw(t, s, "test")
	c3.sess = c.sess
	require.Equal(t, 454, c3.do(rtsp.Play, c.base).StatusCode)

	// A TCP session ends as soon as its connection closes.
	c2 := dialRaw(t, s, "test")
	c2.setupPlayTCP(1)
	require.Equal(t, 1, readers())
	c2.nc.Close()
	require.Eventually(t, func() bool { return readers() == 0 }, hangTimeout, 10*time.Millisecond)
}

// A player that never reads loses whole frames (or is cut off after the
// write timeout), and meanwhile another player gets every packet, in
// order, and keeps getting them.
func TestSlowReaderDoesNotDisturbOthers(t *testing.T) {
	t.Parallel()
	// The queue lets the fast player fall 64 frames behind (a loaded
	// machine may not run it for a while); the slow one overflows it all
	// the same once its socket is full.
	s := startedServer(t, Config{ReaderQueue: 64, WriteTimeout: 2 * time.Second}, VideoH264, AudioNone)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond) // ~2 MB/s
	defer p.halt()

	slow := dialRaw(t, s, "test")
	require.NoError(t, slow.nc.(*net.TCPConn).SetReadBuffer(4096))
	slow.setupPlayTCP(1) // and then never reads again

	fast := dialRaw(t, s, "test")
	fast.setupPlayTCP(1)
	watch := watchLoss(fast)
	// The slow reader loses whole frames once its socket buffers are full
	// (a few MB of stream, however long the pump takes), or is cut off
	// after the write timeout; either way it is accounted for.
	deadline := time.Now().Add(hangTimeout)
	for handled := false; !handled; {
		st, err := s.Stats("test")
		require.NoError(t, err)
		handled = len(st.Readers) == 1
		for _, r := range st.Readers {
			handled = handled || r.FramesDropped > 0
		}
		require.True(t, time.Now().Before(deadline), "the slow reader neither lost frames nor was cut off")
		time.Sleep(10 * time.Millisecond)
	}
	// The fast reader's stream goes on, none of it lost.
	watch.more(t, 500)
	watch.finish(t)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{Username: "admin", Password: "secret"}, VideoMJPEG, AudioNone)
	c := dialRaw(t, s, "test")
	// OPTIONS is open; DESCRIBE needs credentials.
	require.Equal(t, 200, c.do(rtsp.Options, c.base).StatusCode)
	resp := c.do(rtsp.Describe, c.base)
	require.Equal(t, 401, resp.StatusCode)
	challenges := resp.Header.Values("WWW-Authenticate")
	require.NotEmpty(t, challenges)

	wrong := &auth.Client{Username: "admin", Password: "nope"}
	require.NoError(t, wrong.HandleChallenges(challenges))
	a, err := wrong.Authorize("DESCRIBE", c.base)
	require.NoError(t, err)
	require.Equal(t, 401, c.do(rtsp.Describe, c.base, "Authorization", a).StatusCode)

	right := &auth.Client{Username: "admin", Password: "secret"}
	require.NoError(t, right.HandleChallenges(challenges))
	a, err = right.Authorize("DESCRIBE", c.base)
	require.NoError(t, err)
	resp = c.do(rtsp.Describe, c.base, "Authorization", a)
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(resp.Body), "JPEG/90000")
}

// playUDP connects a player over UDP (SETUP track 0 to a fresh port pair
// with a 4 MiB receive buffer, PLAY) and returns it with its RTP socket.
func playUDP(t *testing.T, s *Server) (*rawClient, *net.UDPConn) {
	t.Helper()
	rtpc, _ := udpPairForTest(t)
	require.NoError(t, rtpc.SetReadBuffer(4<<20))
	c := dialRaw(t, s, "test")
	port := rtpc.LocalAddr().(*net.UDPAddr).Port
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	require.Equal(t, 200, resp.StatusCode)
	sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
	c.sess = sh.ID
	require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
	return c, rtpc
}

// TestUDPDatagramsWithAndWithoutGSO checks both UDP send paths give the
// player one RTP packet per datagram, in order, nothing lost: with UDP GSO
// (runs of equal-size packets in one message, cut by the kernel) and
// without (one message per packet, the fallback).
func TestUDPDatagramsWithAndWithoutGSO(t *testing.T) {
	t.Parallel()
	for _, gso := range []bool{true, false} {
		s := startedServer(t, Config{}, VideoH264, AudioNone)
		s.mu.Lock()
		s.run.udp.gso.Store(gso && gsoAvailable)
		s.mu.Unlock()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		pump(t, s, "test", "../testdata/h264_high_720p_4mbps_bframes.h264", stop, &wg)

		_, rtpc := playUDP(t, s)
		buf := make([]byte, 70000)
		var last uint16
		for i := 0; i < 400; i++ {
			_ = rtpc.SetReadDeadline(time.Now().Add(hangTimeout))
			n, _, err := rtpc.ReadFromUDP(buf)
			require.NoError(t, err)
			require.LessOrEqual(t, n, 1400, "one packet per datagram (gso=%v)", gso)
			var p rtp.Packet
			require.NoError(t, p.Unmarshal(buf[:n]))
			if i > 0 {
				require.Equal(t, last+1, p.SequenceNumber, "gso=%v", gso)
			}
			last = p.SequenceNumber
		}
		close(stop)
		wg.Wait()
		require.NoError(t, s.Stop())
	}
}
