package server

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// A player behind NAT names ports in its SETUP that are not the ones its
// packets come from. The server learns the real ones from its first
// packets (a hole-punch on the RTP port, a receiver report naming the
// track on the RTCP port) and sends there; packets from another address
// teach it nothing, and with two players at one address it cannot tell
// whose a packet is and learns nothing either.
func TestNATPortsAreLearnt(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	srvRTP := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s.run.udp.rtpPort}
	srvRTCP := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s.run.udp.rtpPort + 1}

	// The player's real sockets, and the ports it names (as seen behind
	// its NAT): nothing listens there.
	rtpConn, rtcpConn := udpPairForTest(t)
	named1, named2 := udpPairForTest(t)
	namedPorts := fmt.Sprintf("%d-%d", named1.LocalAddr().(*net.UDPAddr).Port, named2.LocalAddr().(*net.UDPAddr).Port)
	named1.Close()
	named2.Close()

	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;unicast;client_port="+namedPorts)
	require.Equal(t, 200, resp.StatusCode)
	tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.NotNil(t, tr.SSRC)
	sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
	c.sess = sh.ID
	require.Equal(t, 200, c.do(rtsp.Play, c.base+"/").StatusCode)

	// From another host: nothing learnt (no reflection).
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: otherHost})
	require.NoError(t, err)
	defer other.Close()
	_, err = other.WriteToUDP([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, srvRTP)
	require.NoError(t, err)

	// The hole-punch and a receiver report about the track.
	_, err = rtpConn.WriteToUDP([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, srvRTP)
	require.NoError(t, err)
	rr, err := rtcp.AppendCompound(nil, &rtcp.ReceiverReport{SSRC: 9, Reports: []rtcp.ReceptionReport{{SSRC: *tr.SSRC}}})
	require.NoError(t, err)
	_, err = rtcpConn.WriteToUDP(rr, srvRTCP)
	require.NoError(t, err)

	// Media now arrives at the real RTP socket, and sender reports at the
	// RTCP one.
	buf := make([]byte, 2048)
	for n := 0; n < 20; n++ {
		require.NoError(t, rtpConn.SetReadDeadline(time.Now().Add(hangTimeout)))
		k, from, err := rtpConn.ReadFromUDP(buf)
		require.NoError(t, err, "RTP packet %d at the learnt port", n)
		require.Equal(t, s.run.udp.rtpPort, from.Port)
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(buf[:k]))
		require.Equal(t, *tr.SSRC, p.SSRC)
	}
	require.NoError(t, rtcpConn.SetReadDeadline(time.Now().Add(hangTimeout)))
	_, from, err := rtcpConn.ReadFromUDP(buf)
	require.NoError(t, err, "a sender report at the learnt RTCP port")
	require.Equal(t, s.run.udp.rtpPort+1, from.Port)
	require.NoError(t, other.SetReadDeadline(time.Now().Add(200*time.Millisecond)))
	_, _, err = other.ReadFromUDP(buf)
	require.Error(t, err, "the other host got media")

	// Two players at one address: a stray packet belongs to neither.
	s2 := startedServer(t, Config{}, VideoH264, AudioNone)
	var first *net.UDPConn
	var firstID string
	for i := 0; i < 2; i++ {
		a, b := udpPairForTest(t)
		c := dialRaw(t, s2, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport",
			fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", a.LocalAddr().(*net.UDPAddr).Port, b.LocalAddr().(*net.UDPAddr).Port))
		require.Equal(t, 200, resp.StatusCode)
		if i == 0 {
			sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
			first, firstID = a, sh.ID
		}
	}
	stray, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer stray.Close()
	srv2RTP := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: s2.run.udp.rtpPort}
	_, err = stray.WriteToUDP([]byte{0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, srv2RTP)
	require.NoError(t, err)
	// The server reads its RTP socket in order: once a packet from the
	// first player's own port has been taken (its session seen), so has
	// the stray one.
	sess := s2.run.session(firstID)
	seen := sess.lastSeen()
	time.Sleep(time.Millisecond) // a later clock reading than seen
	_, err = first.WriteToUDP([]byte{0x80, 0x60, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}, srv2RTP)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return sess.lastSeen().After(seen) }, hangTimeout, time.Millisecond)
	s2.run.mu.Lock()
	_, learnt := s2.run.byRTP[netipOf(stray.LocalAddr())]
	s2.run.mu.Unlock()
	require.False(t, learnt, "learnt a port with two players at the address")
}

func netipOf(a net.Addr) netip.AddrPort {
	return a.(*net.UDPAddr).AddrPort()
}
