//go:build linux

package conformance

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// ffprobe and ffmpeg over IPv6 ([::1]), over UDP (the server's IPv6
// sockets) and TCP: codec, size, 50 pictures decoded.
func TestIPv6FFmpeg(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	k := int(nextPortBlock.Add(1)) % 250
	udpLo := udpPortBase + k*portsPerCell
	cp := clientPortBase + k*portsPerCell
	srv, err := server.NewServer(server.Config{
		Port: -1, ListenAddress: "::1", AdvertisedHost: "::1",
		UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
	})
	require.NoError(t, err)
	defer srv.Destroy()
	st, err := srv.NewStream("test", server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	url, err := st.URL()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "rtsp://[::1]:"), url)

	data, err := os.ReadFile(filepath.Join("..", "testdata", "h264_main_720p.h264"))
	require.NoError(t, err)
	var aus [][]byte
	for _, au := range splitAccessUnits(splitAnnexB(data), false) {
		aus = append(aus, h26x.AppendAnnexB(nil, au...))
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // 25 pictures a second on an absolute schedule
		defer close(done)
		start := time.Now()
		for i := 0; ; i++ {
			if err := st.WriteVideo(aus[i%len(aus)], uint64(i*40)); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Until(start.Add(time.Duration(i+1) * 40 * time.Millisecond))):
			}
		}
	}()
	defer func() { close(stop); <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, tr := range []string{"udp", "tcp"} {
		obs, err := runFFprobe(ctx, url, tr)
		require.NoError(t, err)
		require.Empty(t, obs.complaints, "ffprobe complained over %s", tr)
		require.NotNil(t, obs.video, "ffprobe saw no video over IPv6 %s: %s", tr, obs.killed)
		require.Equal(t, "h264", obs.video.codec)
		require.Equal(t, 1280, obs.video.width)
		out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", tr,
			"-min_port", strconv.Itoa(cp), "-max_port", strconv.Itoa(cp+portsPerCell-1),
			"-i", url, "-frames:v", "50", "-f", "framecrc", "-")
		require.NoError(t, err, "ffmpeg over IPv6 %s", tr)
		require.Equal(t, 50, framecrcCount(out, 0), "pictures decoded over IPv6 %s: %s", tr, lastLines(string(out), 2))
	}
}
