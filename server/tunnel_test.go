package server

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// httpTunnelClient is the client side of RTSP over HTTP as a net.Conn:
// reads come from the GET connection (past its HTTP answer), writes go
// base64-encoded to the POST connection, each write encoded on its own
// (as ffmpeg does) or, with split, cut into pieces of 7 characters with
// line breaks between them (as a client that wraps its base64 may).
type httpTunnelClient struct {
	net.Conn // the GET
	post     net.Conn
	br       *bufio.Reader
	split    bool
}

func (c *httpTunnelClient) Read(p []byte) (int, error) { return c.br.Read(p) }
func (c *httpTunnelClient) Write(p []byte) (int, error) {
	enc := base64.StdEncoding.EncodeToString(p)
	if c.split {
		var b strings.Builder
		for len(enc) > 7 {
			b.WriteString(enc[:7] + "\r\n")
			enc = enc[7:]
		}
		b.WriteString(enc)
		enc = b.String()
	}
	if _, err := io.WriteString(c.post, enc); err != nil {
		return 0, err
	}
	return len(p), nil
}
func (c *httpTunnelClient) Close() error { c.post.Close(); return c.Conn.Close() }

// openTunnel opens the GET and POST of cookie to s, checks the GET's
// answer, and returns the tunnel.
func openTunnel(t *testing.T, s *Server, cookie string, split bool) *httpTunnelClient {
	t.Helper()
	get, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { get.Close() })
	_, err = fmt.Fprintf(get, "GET /test HTTP/1.0\r\nx-sessioncookie: %s\r\nAccept: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\n\r\n", cookie)
	require.NoError(t, err)
	_ = get.SetReadDeadline(time.Now().Add(hangTimeout))
	br := bufio.NewReader(get)
	status, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 200 OK\r\n", status)
	ctype := ""
	for {
		l, err := br.ReadString('\n')
		require.NoError(t, err)
		if l == "\r\n" {
			break
		}
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Content-Type") {
			ctype = strings.TrimSpace(v)
		}
	}
	require.Equal(t, "application/x-rtsp-tunnelled", ctype)
	post, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { post.Close() })
	_, err = fmt.Fprintf(post, "POST /test HTTP/1.0\r\nx-sessioncookie: %s\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\n", cookie)
	require.NoError(t, err)
	return &httpTunnelClient{Conn: get, post: post, br: br, split: split}
}

// RTSP over HTTP (the QuickTime/ONVIF tunnel) on the RTSP port: requests
// in base64 on the POST, encoded message by message or cut anywhere with
// line breaks; responses and interleaved media on the GET; 100 RTP packets
// in order. Closing the POST ends the session.
func TestHTTPTunnelPlays(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	for i, split := range []bool{false, true} {
		t.Run(fmt.Sprint("split=", split), func(t *testing.T) {
			tc := openTunnel(t, s, fmt.Sprintf("cookie%d", i), split)
			url := "rtsp://" + serverAddr(s) + "/test"
			c := &rawClient{t: t, srv: s, nc: tc, rd: rtsp.NewReader(tc, rtsp.Limits{}), base: url}
			require.Equal(t, 200, c.do(rtsp.Options, url).StatusCode)
			resp := c.do(rtsp.Describe, url, "Accept", "application/sdp")
			require.Equal(t, 200, resp.StatusCode)
			require.Contains(t, string(resp.Body), "H264/90000")
			c.setupPlayTCP(1)
			var seq uint16
			for n := 0; n < 100; {
				ch, payload, err := c.readFrame(hangTimeout)
				require.NoError(t, err)
				if ch != 0 {
					continue // RTCP
				}
				var p rtp.Packet
				require.NoError(t, p.Unmarshal(payload))
				if n > 0 {
					require.Equal(t, seq+1, p.SequenceNumber, "packet %d", n)
				}
				seq = p.SequenceNumber
				n++
			}
			require.Equal(t, 1, playingSessions(s))
			tc.post.Close()
			require.Eventually(t, func() bool { return playingSessions(s) == 0 }, hangTimeout, 10*time.Millisecond,
				"the session outlived its tunnel")
		})
	}
}

// playingSessions counts the server's RTSP sessions.
func playingSessions(s *Server) int {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	run.mu.Lock()
	defer run.mu.Unlock()
	return len(run.sessions)
}

// What is not a well-formed tunnel is refused, and the server goes on:
// a POST without its GET (404), a GET without cookie (400), a cookie in
// use (409), a GET whose POST never comes (closed after
// ReadHeaderTimeout), a POST whose body is not base64 (the tunnel closes).
func TestHTTPTunnelRefusals(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{ReadHeaderTimeout: 500 * time.Millisecond}, VideoH264, AudioNone)
	ask := func(req string) string {
		nc, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
		require.NoError(t, err)
		defer nc.Close()
		_, err = io.WriteString(nc, req)
		require.NoError(t, err)
		_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
		l, _ := bufio.NewReader(nc).ReadString('\n')
		return l
	}
	require.Equal(t, "HTTP/1.0 404 Not Found\r\n", ask("POST /test HTTP/1.0\r\nx-sessioncookie: nobody\r\n\r\n"))
	require.Equal(t, "HTTP/1.0 400 Bad Request\r\n", ask("GET /test HTTP/1.0\r\n\r\n"))
	require.Equal(t, "HTTP/1.0 400 Bad Request\r\n", ask("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "a web browser")
	require.Equal(t, "HTTP/1.0 400 Bad Request\r\n", ask("GET /test HTTP/1.0\r\nbroken header\r\n\r\n"))

	// A GET that waits: a second GET with its cookie is refused, and the
	// first is closed when no POST comes.
	get, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
	require.NoError(t, err)
	defer get.Close()
	_, err = io.WriteString(get, "GET /test HTTP/1.0\r\nx-sessioncookie: lonely\r\n\r\n")
	require.NoError(t, err)
	_ = get.SetReadDeadline(time.Now().Add(hangTimeout))
	gbr := bufio.NewReader(get)
	l, err := gbr.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 200 OK\r\n", l)
	require.Equal(t, "HTTP/1.0 409 Conflict\r\n", ask("GET /test HTTP/1.0\r\nx-sessioncookie: lonely\r\n\r\n"))
	_, err = io.ReadAll(gbr)
	require.NoError(t, err, "the server closes a GET whose POST never comes (EOF, not a timeout)")

	// Not base64: the tunnel closes.
	tc := openTunnel(t, s, "garbage", false)
	_, err = io.WriteString(tc.post, "OPTIONS * RTSP/1.0\r\n\r\n")
	require.NoError(t, err)
	_, err = io.ReadAll(tc.br)
	require.NoError(t, err, "the tunnel is closed")

	// And the server still serves.
	c := dialRaw(t, s, "test")
	require.Equal(t, 200, c.do(rtsp.Options, c.base).StatusCode)
}
