package server

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/client"
)

// ipv6Loopback reports whether ::1 can be bound here.
func ipv6Loopback(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	require.NoError(t, err, "these tests need IPv6 on the loopback (::1)")
	ln.Close()
}

// Over IPv6: the URL has the address in brackets, and our client plays
// over UDP (the server's IPv6 sockets, on the same ports as its IPv4 ones)
// and over TCP, keyframe first and nothing lost; a server listening on
// "::" takes IPv4 players too.
func TestIPv6(t *testing.T) {
	t.Parallel()
	ipv6Loopback(t)
	for _, listen := range []string{"::1", "::"} {
		t.Run("listen "+listen, func(t *testing.T) {
			t.Parallel()
			s := startedServer(t, Config{ListenAddress: listen, AdvertisedHost: "::1"}, VideoH264, AudioNone)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			pump(t, s, "test", h264Sample, stop, &wg)
			defer func() { close(stop); wg.Wait() }()
			url, err := s.URL("test")
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(url, "rtsp://[::1]:"), url)
			urls := []string{url}
			if listen == "::" {
				urls = append(urls, strings.Replace(url, "[::1]", "127.0.0.1", 1))
			}
			for _, u := range urls {
				for _, tr := range []client.Transport{client.TransportUDP, client.TransportTCP} {
					playN(t, u, tr, 30)
				}
			}
		})
	}
}

// playN plays url with our client until n pictures came: keyframe first,
// none damaged, no packet lost.
func playN(t *testing.T, url string, tr client.Transport, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Transport: tr})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0), "%s over %s", url, tr)
	got := make(chan client.Frame, 256)
	c.OnFrame = func(_ int, f client.Frame) {
		select {
		case got <- client.Frame{Keyframe: f.Keyframe, Damaged: f.Damaged}:
		default:
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	for i := 0; i < n; i++ {
		select {
		case f := <-got:
			require.False(t, f.Damaged, "%s over %s", url, tr)
			require.True(t, i > 0 || f.Keyframe, "keyframe first")
		case <-ctx.Done():
			t.Fatalf("%d pictures of %d from %s over %s", i, n, url, tr)
		}
	}
	require.Zero(t, c.Stats()[0].Lost, "%s over %s", url, tr)
}
