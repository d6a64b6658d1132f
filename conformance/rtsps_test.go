//go:build linux

package conformance

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/server"
)

// RTSPS with real players: ffprobe and ffmpeg (rtsps://, which they play
// interleaved inside TLS) and GStreamer (rtspsrc with
// tls-validation-flags=0, since the test's certificate is self-signed)
// play a session of a server with Config.TLS: codec, size, 50 pictures
// decoded with no error.
func TestRTSPSPlayers(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	_, _, tlsCfg, _, err := testnet.Certificate()
	require.NoError(t, err)
	st, cp := liveServer(t, server.Config{ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", TLS: tlsCfg})
	url, err := st.URL()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "rtsps://"), url)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	obs, err := runFFprobe(ctx, url, "tcp")
	require.NoError(t, err)
	require.Empty(t, obs.complaints, "ffprobe complained")
	require.NotNil(t, obs.video, "ffprobe saw no video over RTSPS: %s", obs.killed)
	require.Equal(t, "h264", obs.video.codec)
	require.Equal(t, 1280, obs.video.width)
	require.Equal(t, 720, obs.video.height)

	out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-i", url, "-frames:v", "50", "-f", "framecrc", "-")
	require.NoError(t, err, "ffmpeg over RTSPS")
	require.Equal(t, 50, framecrcCount(out, 0), "pictures decoded over RTSPS: %s", lastLines(string(out), 2))

	gstPlayN(ctx, t, "GStreamer over RTSPS", "rtspsrc", "location="+url, "tls-validation-flags=0",
		fmt.Sprintf("port-range=%d-%d", cp, cp+portsPerCell-1), "!",
		"rtph264depay", "!", "avdec_h264", "!", "fakesink", "num-buffers=50")
}
