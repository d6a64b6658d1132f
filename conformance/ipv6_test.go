//go:build linux

package conformance

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// ffprobe and ffmpeg over IPv6 ([::1]), over UDP (the server's IPv6
// sockets) and TCP: codec, size, 50 pictures decoded.
func TestIPv6FFmpeg(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	st, cp := liveServer(t, server.Config{ListenAddress: "::1", AdvertisedHost: "::1"})
	url, err := st.URL()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "rtsp://[::1]:"), url)
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
