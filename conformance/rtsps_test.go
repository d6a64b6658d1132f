//go:build linux

package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
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
	k := int(nextPortBlock.Add(1)) % 250
	udpLo := udpPortBase + k*portsPerCell
	srv, err := server.NewServer(server.Config{
		Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", TLS: tlsCfg,
		UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
	})
	require.NoError(t, err)
	defer srv.Destroy()
	st, err := srv.NewStream("test", server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	url, err := st.URL()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(url, "rtsps://"), url)

	data, err := os.ReadFile(filepath.Join("..", "testdata", "h264_main_720p.h264"))
	require.NoError(t, err)
	var aus [][]byte
	for _, au := range splitAccessUnits(splitAnnexB(data), false) {
		aus = append(aus, h26x.AppendAnnexB(nil, au...))
	}
	require.NotEmpty(t, aus)
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

	cp := clientPortBase + k*portsPerCell
	gout, err := run(ctx, "gst-launch-1.0", "-q", "rtspsrc", "location="+url, "tls-validation-flags=0",
		fmt.Sprintf("port-range=%d-%d", cp, cp+portsPerCell-1), "!",
		"rtph264depay", "!", "avdec_h264", "!", "fakesink", "num-buffers=50")
	require.NoError(t, err, "GStreamer over RTSPS: %s", gout)
	require.NotContains(t, string(gout), "ERROR")
}
