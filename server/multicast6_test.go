package server

import (
	"fmt"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtsp"
)

// An IPv6 player asking for multicast is given a group from
// MulticastRange6, the same for every IPv6 player of the session, and one
// outside that range is refused (403); IPv4 players keep their IPv4 group.
// (Linux's loopback does not deliver IPv6 multicast: the packets
// themselves are checked by the conformance suite's TestMulticastIPv6, in
// a network namespace with a veth pair.)
func TestMulticastIPv6Groups(t *testing.T) {
	t.Parallel()
	ipv6Loopback(t)
	s := startedServer(t, Config{MulticastRange6: "ff15::77:0/120", MulticastRange: "239.255.78.0/24"}, VideoH264, AudioNone)
	port := s.Addr().(*net.TCPAddr).Port
	dial := func(host string) *rawClient {
		nc, err := net.DialTimeout("tcp", net.JoinHostPort(host, fmt.Sprint(port)), hangTimeout)
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close() })
		return &rawClient{t: t, srv: s, nc: nc, rd: rtsp.NewReader(nc, rtsp.Limits{}),
			base: "rtsp://" + net.JoinHostPort(host, fmt.Sprint(port)) + "/test"}
	}
	group := func(c *rawClient, transport string) (int, string) {
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", transport)
		if resp.StatusCode != 200 {
			return resp.StatusCode, ""
		}
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.Equal(t, rtsp.DeliveryMulticast, tr.Delivery)
		return 200, tr.Destination
	}
	for i := 0; i < 2; i++ {
		code, dst := group(dial("::1"), "RTP/AVP;multicast")
		require.Equal(t, 200, code)
		require.Equal(t, "ff15::77:1", dst, "player %d", i)
	}
	code, _ := group(dial("::1"), "RTP/AVP;multicast;destination=ff15::1:1")
	require.Equal(t, 403, code, "a group outside MulticastRange6")
	code, dst := group(dial("127.0.0.1"), "RTP/AVP;multicast")
	require.Equal(t, 200, code)
	require.Equal(t, "239.255.78.1", dst)
	require.ErrorIs(t, New().InitConfig(Config{MulticastRange6: "ff15::/64"}), ErrBadConfig)
	require.ErrorIs(t, New().InitConfig(Config{MulticastRange6: "2001:db8::/112"}), ErrBadConfig)
}
