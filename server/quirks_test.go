package server

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// The request sequences of recorders and media servers that peers' issue
// threads record, each as a raw script: what they send is answered as they
// need.
func TestNVRQuirks(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pumpAV(t, s, stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	t.Run("repeated DESCRIBE, SETUP without channels, SETUP twice", func(t *testing.T) {
		// Frigate/go2rtc and some NVRs DESCRIBE again on the same
		// connection, leave out interleaved= (RFC 2326 §12.39 lets the
		// server choose), and set a track up a second time.
		c := dialRaw(t, s, "test")
		for i := 0; i < 2; i++ {
			require.Equal(t, 200, c.do(rtsp.Describe, c.base, "Accept", "application/sdp").StatusCode, "DESCRIBE %d", i)
		}
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast")
		require.Equal(t, 200, resp.StatusCode)
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.NotNil(t, tr.Interleaved, "channels assigned")
		require.Equal(t, rtsp.PortRange{First: 0, Last: 1}, *tr.Interleaved)
		sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
		require.NoError(t, err)
		c.sess = sh.ID
		resp = c.do(rtsp.Setup, c.base+"/trackID=1", "Transport", "RTP/AVP/TCP;unicast")
		require.Equal(t, 200, resp.StatusCode)
		tr, err = rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.Equal(t, rtsp.PortRange{First: 2, Last: 3}, *tr.Interleaved)
		resp = c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
		require.Equal(t, 200, resp.StatusCode, "the same track set up again")
		require.Equal(t, 200, c.do(rtsp.Describe, c.base, "Accept", "application/sdp").StatusCode, "DESCRIBE inside a session")
		require.Equal(t, 200, c.do(rtsp.Play, c.base+"/", "Range", "npt=0.000-").StatusCode)
		ch, _, err := c.readFrame(hangTimeout)
		require.NoError(t, err)
		require.Less(t, ch, uint8(4))
	})

	t.Run("Session header variants", func(t *testing.T) {
		// Echoed with its timeout, spaced, lower-case names, a timeout in
		// another notation: all name the session.
		c := dialRaw(t, s, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
		require.Equal(t, 200, resp.StatusCode)
		sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
		require.NoError(t, err)
		for _, v := range []string{sh.ID + ";timeout=60", " " + sh.ID + " ; timeout = 60", sh.ID + ";timeout=60.0", sh.ID + ";Timeout=x;foo"} {
			c.sess = v
			require.Equal(t, 200, c.do(rtsp.GetParameter, c.base+"/").StatusCode, "Session: %q", v)
		}
		c.sess = ""
		_, err = fmt.Fprintf(c.nc, "GET_PARAMETER %s/ RTSP/1.0\r\ncseq: 99\r\nsession:%s\r\n\r\n", c.base, sh.ID)
		require.NoError(t, err)
		require.Equal(t, 200, c.read().StatusCode, "lower-case header names, no space")
	})

	t.Run("GET_PARAMETER and SET_PARAMETER", func(t *testing.T) {
		// UniFi Protect keeps alive with GET_PARAMETER (a 454 made it
		// drop the stream every 10 s); others with SET_PARAMETER, with
		// or without a body.
		c := dialRaw(t, s, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
		require.Equal(t, 200, resp.StatusCode)
		sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
		c.sess = sh.ID
		require.Equal(t, 200, c.do(rtsp.GetParameter, c.base+"/").StatusCode)
		require.Equal(t, 200, c.request(rtsp.GetParameter, c.base+"/", []byte("position\r\n"), "Content-Type", "text/parameters").StatusCode)
		require.Equal(t, 200, c.do(rtsp.SetParameter, c.base+"/").StatusCode)
		// A parameter we do not know: 451 (RFC 2326 §10.9), the session
		// kept alive all the same.
		require.Equal(t, 451, c.request(rtsp.SetParameter, c.base+"/", []byte("barparam: barstuff\r\n"), "Content-Type", "text/parameters").StatusCode)
		require.Equal(t, 200, c.do(rtsp.GetParameter, c.base+"/").StatusCode)
		c.sess = ""
		require.Equal(t, 200, c.do(rtsp.GetParameter, c.base+"/").StatusCode, "without a session, a ping")
	})
}

// Every kind of keep-alive holds a session past its timeout: requests with
// or without its Session header on its connection, RTCP receiver reports
// (UDP and interleaved), and a UDP client's own RTP arriving at the
// server's RTP port (a NAT hole-punch). Without any, it ends.
func TestKeepAlives(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	s := startedServer(t, Config{SessionTimeout: timeout}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	srvRTP := s.run.udp.rtpPort

	rr := func() []byte {
		b, err := rtcp.AppendCompound(nil, &rtcp.ReceiverReport{SSRC: 7})
		require.NoError(t, err)
		return b
	}
	// A ping either makes requests (which read the interleaved media that
	// comes before their response) or not: then a reader drains the
	// connection meanwhile (drain).
	cases := []struct {
		name  string
		udp   bool
		drain bool
		ping  func(c *rawClient, rtpConn, rtcpConn *net.UDPConn)
	}{
		{"OPTIONS with Session", false, false, func(c *rawClient, _, _ *net.UDPConn) { c.do(rtsp.Options, c.base) }},
		{"OPTIONS without Session on its connection", true, false, func(c *rawClient, _, _ *net.UDPConn) {
			sess := c.sess
			c.sess = ""
			c.do(rtsp.Options, c.base)
			c.sess = sess
		}},
		{"GET_PARAMETER", true, false, func(c *rawClient, _, _ *net.UDPConn) { c.do(rtsp.GetParameter, c.base+"/") }},
		{"SET_PARAMETER with a body", true, false, func(c *rawClient, _, _ *net.UDPConn) {
			c.request(rtsp.SetParameter, c.base+"/", []byte("x: y\r\n"), "Content-Type", "text/parameters")
		}},
		{"RTCP over UDP", true, false, func(_ *rawClient, _, rtcpConn *net.UDPConn) {
			_, _ = rtcpConn.WriteToUDP(rr(), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srvRTP + 1})
		}},
		{"RTCP interleaved", false, true, func(c *rawClient, _, _ *net.UDPConn) {
			b := rr()
			c.wmuWrite(t, append([]byte{'$', 1, byte(len(b) >> 8), byte(len(b))}, b...))
		}},
		{"RTP hole-punch", true, false, func(_ *rawClient, rtpConn, _ *net.UDPConn) {
			_, _ = rtpConn.WriteToUDP([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: srvRTP})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dialRaw(t, s, "test")
			var rtpConn, rtcpConn *net.UDPConn
			transport := "RTP/AVP/TCP;unicast;interleaved=0-1"
			if tc.udp {
				rtpConn, rtcpConn = udpPairForTest(t)
				transport = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", rtpConn.LocalAddr().(*net.UDPAddr).Port, rtcpConn.LocalAddr().(*net.UDPAddr).Port)
			}
			resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", transport)
			require.Equal(t, 200, resp.StatusCode)
			sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
			c.sess = sh.ID
			require.Equal(t, 200, c.do(rtsp.Play, c.base+"/").StatusCode)
			if tc.drain {
				go func() { _, _ = io.Copy(io.Discard, c.nc) }()
			}
			// Three timeouts of pings every 100 ms: the session lives.
			end := time.Now().Add(3 * timeout)
			for time.Now().Before(end) {
				tc.ping(c, rtpConn, rtcpConn)
				time.Sleep(100 * time.Millisecond)
				require.NotNil(t, s.run.session(sh.ID), "the session ended although kept alive")
			}
			if tc.udp {
				// No more pings: it ends (UDP sessions time out; a TCP
				// one would end with its connection).
				require.Eventually(t, func() bool { return s.run.session(sh.ID) == nil }, 5*timeout, 50*time.Millisecond)
			}
		})
	}
}
