package client

import (
	"math/rand"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// TestBrokenAnswers checks that unusable answers become errors.
func TestBrokenAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opt     Options
		script  func(fc *fakeConn)
		step    string // "describe" or "setup"
		wantErr error
	}{
		{"sdp garbage", Options{}, func(fc *fakeConn) {
			req := fc.next()
			fc.reply(req, 200, "this is not SDP\x00\x01", "Content-Type", "application/sdp")
		}, "describe", ErrBadResponse},
		{"not sdp", Options{}, func(fc *fakeConn) {
			req := fc.next()
			fc.reply(req, 200, "<html/>", "Content-Type", "text/html")
		}, "describe", ErrBadResponse},
		{"body too large", Options{}, func(fc *fakeConn) {
			req := fc.next()
			cs, _ := req.CSeq()
			fc.raw([]byte("RTSP/1.0 200 OK\r\nCSeq: " + strconv.Itoa(int(cs)) + "\r\nContent-Length: 999999999\r\n\r\n"))
			time.Sleep(200 * time.Millisecond)
		}, "describe", ErrClosed},
		{"garbage status line", Options{}, func(fc *fakeConn) {
			fc.next()
			fc.raw([]byte("RTSP/1.0 banana\r\n\r\n"))
			time.Sleep(200 * time.Millisecond)
		}, "describe", ErrClosed},
		{"connection closed", Options{}, func(fc *fakeConn) {
			fc.next()
		}, "describe", ErrClosed},
		{"no answer", Options{Timeout: 200 * time.Millisecond}, func(fc *fakeConn) {
			fc.next()
			time.Sleep(400 * time.Millisecond)
		}, "describe", ErrTimeout},
		{"no session", Options{Transport: TransportTCP}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Transport", req.Header.Get("Transport"))
			})
		}, "setup", ErrBadResponse},
		{"no transport", Options{Transport: TransportTCP}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x")
			})
		}, "setup", ErrBadResponse},
		{"udp answered with tcp", Options{}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
			})
		}, "setup", ErrBadResponse},
		{"channel out of range", Options{Transport: TransportTCP}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x", "Transport", "RTP/AVP/TCP;unicast;interleaved=255")
			})
		}, "setup", ErrBadResponse},
		{"multicast to a unicast address", Options{Transport: TransportMulticast, MulticastInterface: "lo"}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x", "Transport", "RTP/AVP;multicast;destination=127.0.0.1;port=5000-5001")
			})
		}, "setup", ErrBadResponse},
		{"multicast without group", Options{Transport: TransportMulticast, MulticastInterface: "lo"}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x", "Transport", "RTP/AVP;multicast;port=5000-5001")
			})
		}, "setup", ErrBadResponse},
		{"multicast answered with unicast", Options{Transport: TransportMulticast, MulticastInterface: "lo"}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, 200, "", "Session", "x", "Transport", "RTP/AVP;unicast;client_port=5000-5001")
			})
		}, "setup", ErrBadResponse},
		{"setup refused", Options{}, func(fc *fakeConn) {
			fc.handshakeUntilSetup(func(req *rtsp.Request) {
				fc.reply(req, rtsp.StatusUnsupportedTransport, "")
			})
		}, "setup", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFake(t, tc.script)
			c := dial(t, fs.url, tc.opt)
			_, err := c.Describe()
			if tc.step == "describe" {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			err = c.Setup(0)
			require.Error(t, err)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				var se *StatusError
				require.ErrorAs(t, err, &se)
			}
			require.Empty(t, c.setupTracks())
		})
	}
}

// handshakeUntilSetup answers DESCRIBE and lets answer reply to SETUP.
func (fc *fakeConn) handshakeUntilSetup(answer func(req *rtsp.Request)) {
	for {
		req := fc.next()
		if req == nil {
			return
		}
		switch req.Method {
		case rtsp.Describe:
			fc.reply(req, 200, sdpH264, "Content-Type", "application/sdp")
		case rtsp.Setup:
			answer(req)
		default:
			fc.reply(req, 200, "")
		}
	}
}

// TestHostileStream has a server send random frames, random RTP and RTCP,
// and requests of its own after PLAY: the client must survive, count the
// garbage, answer the requests, and close cleanly.
func TestHostileStream(t *testing.T) {
	t.Parallel()
	answered := make(chan int, 8)
	fs := newFake(t, func(fc *fakeConn) {
		fc.handshake("")
		rnd := rand.New(rand.NewSource(1))
		buf := make([]byte, 70000)
		for i := 0; i < 3000; i++ {
			n := rnd.Intn(1500)
			if i%100 == 0 {
				n = rnd.Intn(len(buf) - 4)
			}
			p := buf[:n]
			rnd.Read(p)
			switch i % 4 {
			case 0, 1:
				// Valid RTP header, random payload: exercises the
				// H.264 depacketizer.
				if n >= 12 {
					p[0] = 0x80
					p[1] = 96
					if i%8 == 0 {
						p[1] |= 0x80
					}
					copy(p[8:12], []byte{0, 0, 0, 1}) // SSRC 1
				}
				fc.frame(0, p[:min(n, 65535)])
			case 2:
				fc.frame(1, p[:min(n, 65535)])
			default:
				fc.frame(uint8(rnd.Intn(256)), p[:min(n, 65535)])
			}
		}
		// A valid RTCP packet with a BYE.
		b, _ := rtcp.MarshalCompound(&rtcp.Goodbye{Sources: []uint32{1}})
		fc.frame(1, b)
		// Requests from the server.
		fc.raw([]byte("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
		fc.raw([]byte("ANNOUNCE rtsp://x/ RTSP/1.0\r\nCSeq: 2\r\n\r\n"))
		for range 2 {
			m, err := fc.nextMsg()
			for err == nil && m.Kind != rtsp.KindResponse {
				m, err = fc.nextMsg()
			}
			if err != nil {
				return
			}
			answered <- m.Response.StatusCode
		}
		// Then random bytes on the control connection.
		junk := make([]byte, 5000)
		rnd.Read(junk)
		fc.raw(junk)
		time.Sleep(100 * time.Millisecond)
	})
	c := dial(t, fs.url, Options{Transport: TransportTCP})
	_, err := c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	var packets, frames, rtcps, empty atomic.Int64
	c.OnPacket = func(int, *rtp.Packet, time.Time) { packets.Add(1) }
	c.OnFrame = func(_ int, f Frame) {
		frames.Add(1)
		for _, n := range f.NALUs {
			if len(n) == 0 {
				empty.Add(1)
			}
		}
	}
	c.OnRTCP = func(int, []rtcp.Packet) { rtcps.Add(1) }
	_, err = c.Play()
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, <-answered)
	require.Equal(t, rtsp.StatusNotImplemented, <-answered)
	select {
	case <-c.Done():
		require.ErrorIs(t, c.Err(), ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("the connection did not end on garbage")
	}
	st := c.Stats()[0]
	require.NotZero(t, st.Invalid+st.RTCPInvalid)
	require.NotZero(t, packets.Load())
	require.True(t, st.Goodbye)
	require.Zero(t, empty.Load(), "empty NAL unit in a frame")
	require.NoError(t, c.Close())
}

// TestUDPSourceFilter has a fake server send RTP from the right and a
// wrong address, and checks where receiver reports go.
func TestUDPSourceFilter(t *testing.T) {
	t.Parallel()
	srvRTP, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer srvRTP.Close()
	srvRTCP, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer srvRTCP.Close()
	rtcpPort := srvRTCP.LocalAddr().(*net.UDPAddr).Port
	// A stranger on another loopback address.
	stranger, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	require.NoError(t, err)
	defer stranger.Close()

	clientPorts := make(chan rtsp.PortRange, 1)
	fs := newFake(t, func(fc *fakeConn) {
		req := fc.handshakeSetupOnly()
		if req == nil {
			return
		}
		tr, _ := rtsp.ParseTransport(req.Header.Get("Transport"))
		clientPorts <- *tr.ClientPort
		reply := tr
		reply.ServerPort = &rtsp.PortRange{First: uint16(rtcpPort - 1), Last: uint16(rtcpPort)}
		// A server cannot send our reports elsewhere.
		reply.Destination = "127.0.0.9"
		fc.reply(req, 200, "", "Session", "s1", "Transport", reply.String())
		for req := fc.next(); req != nil; req = fc.next() {
			fc.reply(req, 200, "", "Session", "s1")
		}
	})
	c := dial(t, fs.url, Options{ReceiverReportInterval: 50 * time.Millisecond})
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	cp := <-clientPorts
	require.Zero(t, cp.First%2, "RTP port is odd")
	require.Equal(t, cp.First+1, cp.Last)
	var got atomic.Int64
	c.OnPacket = func(int, *rtp.Packet, time.Time) { got.Add(1) }
	_, err = c.Play()
	require.NoError(t, err)

	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(cp.First)}
	pkt := func(seq uint16) []byte {
		b, err := (&rtp.Packet{Header: rtp.Header{PayloadType: 96, SequenceNumber: seq, SSRC: 7}, Payload: []byte{0x41, 1}}).Marshal()
		require.NoError(t, err)
		return b
	}
	for i := range 5 {
		_, err := stranger.WriteToUDP(pkt(uint16(100+i)), dst)
		require.NoError(t, err)
		_, err = srvRTP.WriteToUDP(pkt(uint16(i)), dst)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return got.Load() == 5 && c.Stats()[0].Invalid == 5 }, 3*time.Second, 10*time.Millisecond)

	// Receiver reports come to server_port's second port, from the
	// client's RTCP port.
	_ = srvRTCP.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := srvRTCP.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), cp.Last), from)
	pkts, err := rtcp.Unmarshal(buf[:n])
	require.NoError(t, err)
	rr, ok := pkts[0].(*rtcp.ReceiverReport)
	require.True(t, ok)
	require.Len(t, rr.Reports, 1)
	require.EqualValues(t, 7, rr.Reports[0].SSRC)
	require.EqualValues(t, 4, rr.Reports[0].ExtendedHighestSeq)
	sdes, ok := pkts[1].(*rtcp.SourceDescription)
	require.True(t, ok)
	require.True(t, strings.HasPrefix(sdes.Chunks[0].CNAME(), "rtspkit-"))
}

// handshakeSetupOnly answers DESCRIBE and returns the SETUP request.
func (fc *fakeConn) handshakeSetupOnly() *rtsp.Request {
	for {
		req := fc.next()
		if req == nil {
			return nil
		}
		if req.Method == rtsp.Setup {
			return req
		}
		fc.reply(req, 200, sdpH264, "Content-Type", "application/sdp")
	}
}
