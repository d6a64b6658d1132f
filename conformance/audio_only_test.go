//go:build linux

package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// Audio-only sessions with real tools: ffmpeg publishes G.711 µ-law alone
// (a microphone) into our server over TCP and over UDP, and ffprobe,
// ffmpeg and GStreamer play it back; a board session with audio alone
// (SessionAttr without video) plays in ffmpeg over TCP and UDP byte for
// byte: what ffmpeg writes out (-c copy -f mulaw) is a run of what the
// caller sent, unaltered.
func TestAudioOnlyFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	for _, pubTr := range []string{"tcp", "udp"} {
		t.Run("publish-"+pubTr, func(t *testing.T) {
			t.Parallel()
			k := int(nextPortBlock.Add(1)) % 250
			udpLo := udpPortBase + k*portsPerCell
			srv, err := server.NewServer(server.Config{
				Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
				UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
				PublishPaths: []string{"mic"},
			})
			require.NoError(t, err)
			require.NoError(t, srv.Start())
			defer srv.Destroy()
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/mic", srv.Addr().(*net.TCPAddr).Port)
			cp := clientPortBase + k*portsPerCell
			ports := func(lo int) []string {
				return []string{"-min_port", strconv.Itoa(lo), "-max_port", strconv.Itoa(lo + portsPerCell/2 - 1)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			args := []string{"-hide_banner", "-v", "error", "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000",
				"-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1", "-f", "rtsp", "-rtsp_transport", pubTr}
			pub, err := startProc(ctx, "ffmpeg", append(append(args, ports(cp)...), url)...)
			require.NoError(t, err)
			defer pub.signal(syscall.SIGKILL)
			deadline := time.Now().Add(time.Minute)
			for {
				if st, err := srv.Stats("mic"); err == nil && st.UnitsIn > 0 {
					break
				}
				require.True(t, time.Now().Before(deadline), "ffmpeg never published: %s", pub.stderrText())
				time.Sleep(20 * time.Millisecond)
			}

			obs, err := runFFprobe(ctx, url, "tcp")
			require.NoError(t, err)
			require.Empty(t, obs.complaints, "ffprobe complained")
			require.Nil(t, obs.video, "an audio-only stream")
			require.NotNil(t, obs.audio, "ffprobe saw no audio: %s", obs.killed)
			require.Equal(t, "pcm_mulaw", obs.audio.codec)
			require.Equal(t, 8000, obs.audio.rate)
			for _, readTr := range []string{"tcp", "udp"} {
				rargs := []string{"-hide_banner", "-v", "error", "-rtsp_transport", readTr}
				rargs = append(rargs, ports(cp+portsPerCell/2)...)
				out, err := run(ctx, "ffmpeg", append(rargs, "-i", url, "-frames:a", "50", "-f", "framecrc", "-")...)
				require.NoError(t, err, "reading the published audio over %s", readTr)
				require.Equal(t, 50, framecrcCount(out, 0), "audio frames decoded over %s: %s", readTr, lastLines(string(out), 2))
				gstPlayN(ctx, t, "GStreamer playing the published audio over "+readTr, "rtspsrc", "location="+url, "protocols="+readTr,
					fmt.Sprintf("port-range=%d-%d", cp+portsPerCell/2, cp+portsPerCell-1), "!",
					"rtppcmudepay", "!", "mulawdec", "!", "fakesink", "num-buffers=50")
			}
		})
	}
	t.Run("board-session", func(t *testing.T) {
		t.Parallel()
		k := int(nextPortBlock.Add(1)) % 250
		udpLo := udpPortBase + k*portsPerCell
		srv, err := server.NewServer(server.Config{
			Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
			UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
		})
		require.NoError(t, err)
		defer srv.Destroy()
		require.NoError(t, srv.CreateSessionAttr("door", server.SessionAttr{WithAudio: true}))
		st, err := srv.Stream("door")
		require.NoError(t, err)
		require.NoError(t, srv.Start())
		url, err := srv.URL("door")
		require.NoError(t, err)

		sent := make([]byte, 60*8000) // a minute of µ-law whose every 20 ms differs
		for i := range sent {
			sent[i] = byte(i*37 + i/160*11)
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			start := time.Now()
			for k := 0; (k+1)*160 <= len(sent); k++ {
				if err := st.WriteAudio(sent[k*160:(k+1)*160], uint64(k*20)); err != nil {
					return
				}
				select { // on an absolute schedule: a late write does not shift the rest
				case <-stop:
					return
				case <-time.After(time.Until(start.Add(time.Duration(k+1) * 20 * time.Millisecond))):
				}
			}
		}()
		defer func() { close(stop); <-done }()

		cp := clientPortBase + k*portsPerCell
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		for _, tr := range []string{"tcp", "udp"} {
			out := filepath.Join(t.TempDir(), "door-"+tr+".ulaw")
			_, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", tr,
				"-min_port", strconv.Itoa(cp), "-max_port", strconv.Itoa(cp+portsPerCell-1),
				"-i", url, "-c", "copy", "-frames:a", "100", "-f", "mulaw", out)
			require.NoError(t, err, "ffmpeg reading the audio-only session over %s", tr)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(got), 100*160, "over %s", tr)
			i := bytes.Index(sent, got[:320])
			require.GreaterOrEqual(t, i, 0, "over %s: the first bytes ffmpeg wrote were never sent", tr)
			require.True(t, bytes.Equal(sent[i:i+len(got)], got), "over %s: the audio ffmpeg got is not a run of what was sent", tr)
		}
	})
}
