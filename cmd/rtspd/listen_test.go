package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// rtspd -listen serves on that address alone and puts it in its URL
// (without -host); -udp-ports puts the server's RTP and RTCP ports, which
// a UDP SETUP's answer names, in the range.
func TestListenAndUDPPortsFlags(t *testing.T) {
	t.Parallel()
	lo, hi := testnet.UDPRange()
	// -t ends rtspd: the requests below take milliseconds.
	args := []string{"-port", "-1", "-status", "0", "-t", "6s", "-listen", "127.0.0.2",
		"-udp-ports", fmt.Sprintf("%d-%d", lo, hi)}
	first, done := startRtspd(t, args...)
	m := regexp.MustCompile(`rtsp://127\.0\.0\.2:([0-9]+)/test\b`).FindStringSubmatch(first)
	require.NotNil(t, m, "the URL names the -listen address: %s", first)

	// Nothing listens on the port at another loopback address.
	if nc, err := net.DialTimeout("tcp", "127.0.0.1:"+m[1], 2*time.Second); err == nil {
		nc.Close()
		t.Fatalf("rtspd -listen 127.0.0.2 answers on 127.0.0.1:%s", m[1])
	}

	addr := "127.0.0.2:" + m[1]
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	defer nc.Close()
	rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
	cseq := 0
	do := func(method rtsp.Method, path string, hdr ...string) *rtsp.Response {
		cseq++
		u, err := url.Parse("rtsp://" + addr + path)
		require.NoError(t, err)
		req := &rtsp.Request{Method: method, URL: u, Header: rtsp.Header{}}
		req.Header.Set("CSeq", fmt.Sprint(cseq))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
		require.NoError(t, req.Write(nc))
		msg, err := rd.Read()
		require.NoError(t, err)
		require.Equal(t, rtsp.KindResponse, msg.Kind)
		return msg.Response
	}
	require.Equal(t, 200, do(rtsp.Describe, "/test", "Accept", "application/sdp").StatusCode)
	resp := do(rtsp.Setup, "/test/trackID=0", "Transport", "RTP/AVP;unicast;client_port=40000-40001")
	require.Equal(t, 200, resp.StatusCode)
	tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
	require.NoError(t, err)
	require.NotNil(t, tr.ServerPort, "no server_port: %s", resp.Header.Get("Transport"))
	require.GreaterOrEqual(t, int(tr.ServerPort.First), lo)
	require.LessOrEqual(t, int(tr.ServerPort.Last), hi)
	sess, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	require.Equal(t, 200, do(rtsp.Teardown, "/test", "Session", sess.ID).StatusCode)
	nc.Close()

	require.Equal(t, 0, <-done, "rtspd stopped cleanly at -t")
}
