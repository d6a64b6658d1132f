//go:build linux

package conformance

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// ffmpeg publishes to the server (ANNOUNCE, SETUP mode=record, RECORD: what
// `ffmpeg -f rtsp` does to push a camera into a media server), over TCP
// and over UDP; ffmpeg then reads the published path back, over TCP and
// over UDP, and must decode a keyframe-first run of whole pictures of the
// right codec and size with no error. When the publisher stops, the path
// is gone.
func TestPublishFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	for _, pubTr := range []string{"tcp", "udp"} {
		t.Run("publish-"+pubTr, func(t *testing.T) {
			t.Parallel()
			k := int(nextPortBlock.Add(1)) % 250
			udpLo := udpPortBase + k*portsPerCell
			srv, err := server.NewServer(server.Config{
				Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
				UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
				PublishPaths: []string{"pub"},
			})
			require.NoError(t, err)
			require.NoError(t, srv.Start())
			defer srv.Destroy()
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/pub", srv.Addr().(*net.TCPAddr).Port)
			cp := clientPortBase + k*portsPerCell
			ports := func(lo int) []string {
				return []string{"-min_port", strconv.Itoa(lo), "-max_port", strconv.Itoa(lo + portsPerCell/2 - 1)}
			}

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			// The raw stream in a container, which ffmpeg can loop (a raw
			// .h264 cannot seek back) and which carries timestamps.
			mkv := filepath.Join(t.TempDir(), "h264_main_720p.mkv")
			_, err = run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-framerate", "25",
				"-i", filepath.Join("..", "testdata", "h264_main_720p.h264"), "-c", "copy", mkv)
			require.NoError(t, err)
			args := []string{"-hide_banner", "-v", "error", "-re", "-stream_loop", "-1",
				"-i", mkv, "-c", "copy", "-f", "rtsp", "-rtsp_transport", pubTr}
			args = append(args, ports(cp)...)
			pub, err := startProc(ctx, "ffmpeg", append(args, url)...)
			require.NoError(t, err)
			defer pub.signal(syscall.SIGKILL)
			deadline := time.Now().Add(time.Minute)
			for {
				if _, err := srv.Stats("pub"); err == nil {
					break
				}
				require.True(t, time.Now().Before(deadline), "ffmpeg never published: %s", pub.stderrText())
				time.Sleep(20 * time.Millisecond)
			}

			obs, err := runFFprobe(ctx, url, "tcp")
			require.NoError(t, err)
			require.Empty(t, obs.complaints, "ffprobe complained")
			require.NotNil(t, obs.video, "ffprobe saw no video: %s", obs.killed)
			require.Equal(t, "h264", obs.video.codec)
			require.Equal(t, 1280, obs.video.width)
			require.Equal(t, 720, obs.video.height)

			for _, readTr := range []string{"tcp", "udp"} {
				rargs := []string{"-hide_banner", "-v", "error", "-rtsp_transport", readTr}
				rargs = append(rargs, ports(cp+portsPerCell/2)...)
				rargs = append(rargs, "-i", url, "-frames:v", "50", "-f", "framecrc", "-")
				out, err := run(ctx, "ffmpeg", rargs...)
				require.NoError(t, err, "reading the published stream over %s", readTr)
				frames := 0
				for _, l := range strings.Split(string(out), "\n") {
					if strings.HasPrefix(l, "0,") {
						frames++
					}
				}
				require.Equal(t, 50, frames, "pictures decoded over %s: %s; publisher: %s", readTr, lastLines(string(out), 2), pub.stderrText())
			}

			pub.signal(syscall.SIGINT)
			_, _ = pub.wait(30 * time.Second)
			deadline = time.Now().Add(time.Minute)
			for {
				if _, err := srv.Stats("pub"); err != nil {
					require.ErrorIs(t, err, server.ErrUnknownSession)
					break
				}
				require.True(t, time.Now().Before(deadline), "the path outlived its publisher")
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
