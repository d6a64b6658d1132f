package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/rtsp"
)

// RTSPS (Config.TLS): the URL is rtsps://, our client plays it over TLS
// (keyframe first, whole pictures) and publishes into it; a SETUP for UDP
// gets 461, since the media would leave the encryption; a client that
// does not trust the certificate, or speaks plain RTSP to the TLS port,
// is refused, and the server goes on serving the others.
func TestRTSPS(t *testing.T) {
	t.Parallel()
	_, _, tlsCfg, roots, err := testnet.Certificate()
	require.NoError(t, err)
	s := startedServer(t, Config{TLS: tlsCfg, PublishPaths: []string{"pushed"}}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	url, err := s.URL("test")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "rtsps://127.0.0.1:"), url)
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()

	// Not trusted: the handshake fails on the client's side.
	_, err = client.Dial(ctx, url, client.Options{})
	require.Error(t, err, "a certificate nobody vouches for")

	// Plain RTSP to the TLS port: no RTSP answer, the connection closes.
	nc, err := net.DialTimeout("tcp", serverAddr(s), hangTimeout)
	require.NoError(t, err)
	_, err = nc.Write([]byte("OPTIONS rtsp://" + serverAddr(s) + "/test RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
	require.NoError(t, err)
	_ = nc.SetReadDeadline(time.Now().Add(hangTimeout))
	answer, _ := io.ReadAll(nc)
	nc.Close()
	require.False(t, strings.HasPrefix(string(answer), "RTSP/"), "a plain request got an RTSP answer: %q", answer)

	// UDP over RTSPS: 461.
	tc, err := tls.Dial("tcp", serverAddr(s), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	require.NoError(t, err)
	raw := &rawClient{t: t, srv: s, nc: tc, rd: rtsp.NewReader(bufio.NewReader(tc), rtsp.Limits{}), base: url}
	defer tc.Close()
	require.Equal(t, 200, raw.do(rtsp.Options, url).StatusCode)
	require.Equal(t, 461, raw.do(rtsp.Setup, url+"/trackID=0", "Transport", "RTP/AVP;unicast;client_port=40000-40001").StatusCode)
	require.Equal(t, 200, raw.do(rtsp.Setup, url+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1").StatusCode)

	// Trusted: our client plays over TLS (TCP interleaved, whatever the
	// options say).
	c, err := client.Dial(ctx, url, client.Options{TLS: &tls.Config{RootCAs: roots}, Transport: client.TransportUDP})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	got := make(chan client.Frame, 256)
	c.OnFrame = func(_ int, f client.Frame) {
		f.NALUs = nil
		select {
		case got <- f:
		default:
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	for n := 0; n < 30; n++ {
		select {
		case f := <-got:
			require.False(t, f.Damaged)
			if n == 0 {
				require.True(t, f.Keyframe, "keyframe first")
			}
		case <-ctx.Done():
			t.Fatalf("%d frames over RTSPS", n)
		}
	}
	require.Zero(t, c.Stats()[0].Lost)

	// Publishing over RTSPS.
	p, err := client.NewPublisher(strings.Replace(url, "/test", "/pushed", 1), []format.Format{sampleFormat(t)},
		client.Options{TLS: &tls.Config{RootCAs: roots}})
	require.NoError(t, err)
	defer p.Close()
	pstop := make(chan struct{})
	var pwg sync.WaitGroup
	feedPublisher(t, p, pstop, &pwg)
	defer func() { close(pstop); pwg.Wait() }()
	require.Eventually(t, func() bool { return s.mount("pushed") != nil && p.Stats().Connected }, hangTimeout, 10*time.Millisecond)
	st, err := s.Stats("pushed")
	require.NoError(t, err)
	require.Eventually(t, func() bool { st, _ = s.Stats("pushed"); return st.UnitsIn >= 10 }, hangTimeout, 10*time.Millisecond,
		"the publisher's frames over RTSPS")
}

// Config.TLS without a certificate is a configuration error.
func TestRTSPSNeedsCertificate(t *testing.T) {
	t.Parallel()
	s := New()
	require.ErrorIs(t, s.InitConfig(Config{TLS: &tls.Config{}}), ErrBadConfig)
}
