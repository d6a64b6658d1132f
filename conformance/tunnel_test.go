//go:build linux

package conformance

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// RTSP over HTTP with real players, on the RTSP port: ffprobe and ffmpeg
// with -rtsp_transport http, GStreamer with an rtsph:// URL. Codec, size,
// and 50 pictures decoded with no error.
func TestHTTPTunnelPlayers(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	// The server's debug log says when a tunnel opens: each player must
	// really have come through one.
	var log syncBuffer
	st, _ := liveServer(t, server.Config{ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	url, err := st.URL()
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tunnels := func() int { return strings.Count(log.String(), `msg="rtsp over http" `) }
	obs, err := runFFprobe(ctx, url, "http")
	require.NoError(t, err)
	require.Empty(t, obs.complaints, "ffprobe complained")
	require.NotNil(t, obs.video, "ffprobe saw no video through the tunnel: %s", obs.killed)
	require.Equal(t, "h264", obs.video.codec)
	require.Equal(t, 1280, obs.video.width)
	require.Equal(t, 720, obs.video.height)
	require.Equal(t, 1, tunnels(), "ffprobe came through a tunnel")

	out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "http", "-i", url,
		"-frames:v", "50", "-f", "framecrc", "-")
	require.NoError(t, err, "ffmpeg through the tunnel")
	require.Equal(t, 50, framecrcCount(out, 0), "pictures decoded through the tunnel: %s", lastLines(string(out), 2))
	require.Equal(t, 2, tunnels(), "ffmpeg came through a tunnel")

	gstPlayN(ctx, t, "GStreamer through the tunnel", "rtspsrc", "location="+strings.Replace(url, "rtsp://", "rtsph://", 1), "!",
		"rtph264depay", "!", "avdec_h264", "!", "fakesink", "num-buffers=50")
	require.Equal(t, 3, tunnels(), "GStreamer came through a tunnel")
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
