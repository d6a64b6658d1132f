package server

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Requests the server must refuse whole (issue 12): features it does not
// have (Require, Proxy-Require: 551 with Unsupported) and protocol versions
// it does not speak (505).

func TestRequireUnsupportedFeatureGets551(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	c := dialRaw(t, s, "test")
	sessions := func() int { return rtspSessionCount(s) }

	cases := []struct {
		name        string
		hdr         []string
		code        int
		unsupported string
	}{
		{"Require", []string{"Require", "funky-feature"}, 551, "funky-feature"},
		{"Proxy-Require", []string{"Proxy-Require", "gzipped-messages"}, 551, "gzipped-messages"},
		{"both", []string{"Require", "a-feature", "Proxy-Require", "b-feature"}, 551, "a-feature, b-feature"},
		{"a list, play.basic in it", []string{"Require", "play.basic, x-one,x-two"}, 551, "x-one, x-two"},
		{"play.basic", []string{"Require", "play.basic"}, 200, ""},
		{"empty list elements", []string{"Require", " , ,"}, 200, ""},
	}
	for _, tc := range cases {
		resp := c.do(rtsp.Options, c.base, tc.hdr...)
		require.Equal(t, tc.code, resp.StatusCode, tc.name)
		require.Equal(t, tc.unsupported, resp.Header.Get("Unsupported"), tc.name)
		require.Equal(t, fmt.Sprint(c.cseq), resp.Header.Get("CSeq"), tc.name)
	}

	// RFC 2326 §12.32's example: a SETUP that requires a feature is
	// refused whole, no session made.
	resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1", "Require", "funky-feature")
	require.Equal(t, 551, resp.StatusCode)
	require.Equal(t, "funky-feature", resp.Header.Get("Unsupported"))
	require.Empty(t, resp.Header.Get("Session"))
	require.Zero(t, sessions())
	// The connection goes on; the same SETUP without it works.
	resp = c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1", "Require", "play.basic")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, 1, sessions())
	sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	c.sess = sh.ID
	resp = c.do(rtsp.Play, c.base, "Require", "x-seek")
	require.Equal(t, 551, resp.StatusCode)
	require.False(t, sessionPlaying(s, sh.ID), "the refused PLAY did not start the stream")
}

// Only RTSP/1.0 is spoken: an RTSP/2.0 request is answered 505, in
// RTSP/1.0, with its CSeq, whatever its method, and the connection stays
// usable for RTSP/1.0.
func TestRequireRTSP2Gets505(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	nc := dialTCP(t, s)
	br := bufio.NewReader(nc)
	base := "rtsp://" + serverAddr(s) + "/test"
	for i, req := range []string{
		"OPTIONS " + base + " RTSP/2.0\r\nCSeq: 1\r\n\r\n",
		"DESCRIBE " + base + " RTSP/2.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n",
		"SETUP " + base + "/trackID=0 RTSP/2.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
		"OPTIONS " + base + " RTSP/1.1\r\nCSeq: 4\r\n\r\n",
	} {
		_ = nc.SetDeadline(time.Now().Add(hangTimeout))
		_, err := nc.Write([]byte(req))
		require.NoError(t, err)
		resp, err := rtsp.ReadResponse(br)
		require.NoError(t, err, "request %d", i+1)
		require.Equal(t, 505, resp.StatusCode, "request %d", i+1)
		require.Equal(t, rtsp.Proto10, resp.Proto, "request %d", i+1)
		require.Equal(t, fmt.Sprint(i+1), resp.Header.Get("CSeq"))
		require.Empty(t, resp.Header.Get("Session"))
	}
	_, err := nc.Write([]byte("OPTIONS " + base + " RTSP/1.0\r\nCSeq: 5\r\n\r\n"))
	require.NoError(t, err)
	resp, err := rtsp.ReadResponse(br)
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
}

// The authentication backoff counts an IPv6 client by its /64 (a host
// holds a whole one), an IPv4-mapped address as the IPv4 address.
func TestRequireBackoffKeyOfConnections(t *testing.T) {
	t.Parallel()
	key := func(ip string) string {
		c := &conn{nc: addrConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(ip + ":554"))}}
		return auth.BackoffKey(c.remoteIP())
	}
	require.Equal(t, key("[2001:db8:1:2::1]"), key("[2001:db8:1:2:ffff:ffff:ffff:ffff]"))
	require.NotEqual(t, key("[2001:db8:1:2::1]"), key("[2001:db8:1:3::1]"))
	require.Equal(t, "192.0.2.7", key("[::ffff:192.0.2.7]"))
	require.Equal(t, key("192.0.2.7"), key("[::ffff:192.0.2.7]"))
	require.NotEqual(t, key("192.0.2.7"), key("192.0.2.8"))

	// And the server's backoff is shared across the /64: failures from
	// one address delay the next from another address in it.
	var b auth.Backoff
	b.Free, b.Base = -1, time.Second
	require.Equal(t, time.Second, b.Fail(key("[2001:db8:1:2::1]")))
	require.Equal(t, 2*time.Second, b.Fail(key("[2001:db8:1:2::99]")))
}
