//go:build linux

package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/relay"
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
	for _, tc := range []struct {
		pubTr string
		aac   bool
	}{{"tcp", false}, {"udp", false}, {"tcp", true}} {
		pubTr := tc.pubTr
		name := "publish-" + pubTr
		if tc.aac {
			name += "+aac"
		}
		t.Run(name, func(t *testing.T) {
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
			remux := []string{"-hide_banner", "-v", "error", "-framerate", "25",
				"-i", filepath.Join("..", "testdata", "h264_main_720p.h264")}
			if tc.aac {
				remux = append(remux, "-i", filepath.Join("..", "testdata", "aac_lc_mono_48k.aac"), "-shortest")
			}
			_, err = run(ctx, "ffmpeg", append(remux, "-c", "copy", mkv)...)
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
			if tc.aac {
				require.NotNil(t, obs.audio, "ffprobe saw no audio")
				require.Equal(t, "aac", obs.audio.codec)
				require.Equal(t, 48000, obs.audio.rate)
			}

			for _, readTr := range []string{"tcp", "udp"} {
				rargs := []string{"-hide_banner", "-v", "error", "-rtsp_transport", readTr}
				rargs = append(rargs, ports(cp+portsPerCell/2)...)
				rargs = append(rargs, "-i", url, "-frames:v", "50", "-f", "framecrc", "-")
				out, err := run(ctx, "ffmpeg", rargs...)
				require.NoError(t, err, "reading the published stream over %s", readTr)
				frames, audio := framecrcCount(out, 0), framecrcCount(out, 1)
				if tc.aac {
					require.Positive(t, audio, "audio frames decoded over %s", readTr)
				}
				require.Equal(t, 50, frames, "pictures decoded over %s: %s; publisher: %s", readTr, lastLines(string(out), 2), pub.stderrText())
				gstRead(ctx, t, url, readTr, cp+portsPerCell/2)
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

// pubSource is what our publisher sends in TestPublisherToFFmpeg: one
// track's format and its frames, each with its presentation time.
type pubSource struct {
	f      format.Format
	frames []format.Frame
	pts    func(i int) time.Duration
}

// publishSource reads a testdata file into a pubSource of n frames.
func publishSource(t *testing.T, codec string, n int) pubSource {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		require.NoError(t, err)
		return b
	}
	video := func(i int) time.Duration { return time.Duration(i) * 40 * time.Millisecond }
	switch codec {
	case "h264", "h265":
		var aus [][][]byte
		hevc := codec == "h265"
		file := "h264_main_720p.h264"
		if hevc {
			file = "conf_h265_main_720p.h265"
		}
		var d4 h26x.H264AUDetector
		var d5 h26x.H265AUDetector
		for _, nal := range h26x.SplitNALs(nil, read(file)) {
			starts := d4.StartsNewAU(nal)
			if hevc {
				starts = d5.StartsNewAU(nal)
			}
			if starts || len(aus) == 0 {
				aus = append(aus, nil)
			}
			aus[len(aus)-1] = append(aus[len(aus)-1], nal)
		}
		src := pubSource{pts: video}
		if hevc {
			vps, sps, pps := h26x.H265ParameterSets(aus[0])
			src.f = format.NewH265(96, vps, sps, pps)
		} else {
			sps, pps := h26x.H264ParameterSets(aus[0])
			src.f = format.NewH264(96, sps, pps)
		}
		for i := 0; i < n; i++ {
			src.frames = append(src.frames, format.Frame{NALUs: aus[i%len(aus)], Marker: true})
		}
		return src
	case "aac":
		aus, h, err := aac.SplitADTS(nil, read("aac_lc_mono_48k.aac"))
		require.NoError(t, err)
		cfg := aac.ConfigFromADTS(h)
		f, err := format.NewAAC(97, cfg)
		require.NoError(t, err)
		src := pubSource{f: f, pts: func(i int) time.Duration { return time.Duration(i) * 1024 * time.Second / 48000 }}
		for i := 0; i < n; i++ {
			src.frames = append(src.frames, format.Frame{AUs: [][]byte{aus[i%len(aus)]}})
		}
		return src
	case "pcmu":
		f, err := format.NewG711(format.PCMU)
		require.NoError(t, err)
		raw := read("g711_ulaw_8k.ulaw")
		src := pubSource{f: f, pts: func(i int) time.Duration { return time.Duration(i) * 20 * time.Millisecond }}
		for i := 0; i < n; i++ {
			off := (i * 160) % (len(raw) - 160)
			src.frames = append(src.frames, format.Frame{Data: raw[off : off+160]})
		}
		return src
	}
	t.Fatalf("unknown codec %s", codec)
	return pubSource{}
}

// Our client publishes (client.Publisher: ANNOUNCE, SETUP mode=record,
// RECORD, RTP and sender reports) to ffmpeg acting as an RTSP server
// (-rtsp_flags listen), over TCP and over UDP, H.264, H.265, AAC and
// G.711: ffmpeg must decode exactly the frames sent, with no error, and
// end cleanly at the publisher's TEARDOWN.
func TestPublisherToFFmpeg(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	for _, codec := range []string{"h264", "h265", "aac", "pcmu"} {
		for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
			t.Run(codec+"/"+tr.String(), func(t *testing.T) {
				t.Parallel()
				const n = 50
				src := publishSource(t, codec, n)
				k := int(nextPortBlock.Add(1)) % 250
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				require.NoError(t, err)
				port := ln.Addr().(*net.TCPAddr).Port
				require.NoError(t, ln.Close())
				url := fmt.Sprintf("rtsp://127.0.0.1:%d/live", port)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				lo := clientPortBase + k*portsPerCell
				recv, err := startProc(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_flags", "listen",
					"-min_port", strconv.Itoa(lo), "-max_port", strconv.Itoa(lo+portsPerCell-1),
					"-i", url, "-f", "framecrc", "-")
				require.NoError(t, err)
				defer recv.signal(syscall.SIGKILL)
				// ffmpeg takes one connection: no probe here. The
				// publisher starts at once and retries (connection
				// refused) until ffmpeg listens, as with any server that
				// starts later; frames are written once it records, so
				// that none is dropped and the count is exact.
				p, err := client.NewPublisher(url, []format.Format{src.f}, client.Options{Transport: tr, Timeout: 30 * time.Second})
				require.NoError(t, err)
				deadline := time.Now().Add(time.Minute)
				for !p.Stats().Connected {
					require.True(t, time.Now().Before(deadline), "never connected to ffmpeg: %s", recv.stderrText())
					time.Sleep(10 * time.Millisecond)
				}
				tick := time.NewTicker(20 * time.Millisecond)
				for i, f := range src.frames {
					require.NoError(t, p.WriteFrame(0, src.pts(i), f))
					<-tick.C
				}
				tick.Stop()
				// The queue drains, then TEARDOWN ends ffmpeg's input.
				for p.Stats().Frames < n {
					require.True(t, time.Now().Before(deadline.Add(time.Minute)), "frames not sent: %+v", p.Stats())
					time.Sleep(10 * time.Millisecond)
				}
				require.Zero(t, p.Stats().Drops)
				require.NoError(t, p.Close())
				code, exited := recv.wait(time.Minute)
				require.True(t, exited, "ffmpeg did not finish: %s", recv.stderrText())
				require.Equal(t, 0, code, "ffmpeg failed: %s", recv.stderrText())
				require.Empty(t, strings.TrimSpace(recv.stderrText()), "ffmpeg complained")
				frames := 0
				for _, l := range recv.snapshot() {
					if strings.HasPrefix(l.text, "0,") {
						frames++
					}
				}
				require.Equal(t, n, frames, "frames decoded of %d sent", n)
			})
		}
	}
}

// gstRead plays url with GStreamer's rtspsrc over transport until 50
// pictures are decoded; it fails on an error or a player that ends early
// (gstPlayN).
func gstRead(ctx context.Context, t *testing.T, url, transport string, portLo int) {
	t.Helper()
	gstPlayN(ctx, t, "GStreamer playing the published stream over "+transport, "rtspsrc", "location="+url, "protocols="+transport,
		fmt.Sprintf("port-range=%d-%d", portLo, portLo+portsPerCell/2-1), "!",
		"rtph264depay", "!", "avdec_h264", "!", "fakesink", "num-buffers=50")
}

// GStreamer publishes into our server with rtspclientsink (a live H.264
// encoder), over TCP and UDP; ffprobe reads the codec and size back, and
// GStreamer and ffmpeg play 50 pictures from our server.
func TestPublishGStreamer(t *testing.T) {
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	for _, pubTr := range []string{"tcp", "udp"} {
		t.Run("publish-"+pubTr, func(t *testing.T) {
			t.Parallel()
			k := int(nextPortBlock.Add(1)) % 250
			udpLo := udpPortBase + k*portsPerCell
			srv, err := server.NewServer(server.Config{
				Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
				UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
				PublishPaths: []string{"gst"},
			})
			require.NoError(t, err)
			require.NoError(t, srv.Start())
			defer srv.Destroy()
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/gst", srv.Addr().(*net.TCPAddr).Port)
			cp := clientPortBase + k*portsPerCell
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			pub, err := startProc(ctx, "gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
				"video/x-raw,width=320,height=240,framerate=25/1", "!",
				"x264enc", "tune=zerolatency", "key-int-max=25", "!", "video/x-h264,profile=baseline", "!",
				"rtspclientsink", "location="+url, "protocols="+pubTr,
				fmt.Sprintf("port-range=%d-%d", cp, cp+portsPerCell/2-1))
			require.NoError(t, err)
			defer pub.signal(syscall.SIGKILL)
			deadline := time.Now().Add(time.Minute)
			for {
				if _, err := srv.Stats("gst"); err == nil {
					break
				}
				require.True(t, time.Now().Before(deadline), "GStreamer never published: %s", pub.stderrText())
				time.Sleep(20 * time.Millisecond)
			}
			obs, err := runFFprobe(ctx, url, "tcp")
			require.NoError(t, err)
			require.Empty(t, obs.complaints, "ffprobe complained")
			require.NotNil(t, obs.video, "ffprobe saw no video: %s", obs.killed)
			require.Equal(t, "h264", obs.video.codec)
			require.Equal(t, 320, obs.video.width)
			require.Equal(t, 240, obs.video.height)
			gstRead(ctx, t, url, "tcp", cp+portsPerCell/2)
			out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
				"-frames:v", "50", "-f", "framecrc", "-")
			require.NoError(t, err)
			require.Equal(t, 50, framecrcCount(out, 0))
		})
	}
}

// A chain: a board session (the board's calls) pushed by relay into a
// second server's ingest, played from there by ffprobe and ffmpeg, which
// must see the codec and size and decode 50 pictures with no error.
func TestChainPushIntoIngest(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	k := int(nextPortBlock.Add(1)) % 250
	udpLo := udpPortBase + k*portsPerCell
	cam := server.New()
	require.NoError(t, cam.InitConfig(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		UDPPortMin: udpLo, UDPPortMax: udpLo + 3}))
	require.NoError(t, cam.CreateSession("test", server.MediaH264, false))
	require.NoError(t, cam.Start())
	defer cam.Destroy()
	remote, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		UDPPortMin: udpLo + 4, UDPPortMax: udpLo + portsPerCell - 1, PublishPaths: []string{"cam"}})
	require.NoError(t, err)
	require.NoError(t, remote.Start())
	defer remote.Destroy()
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", remote.Addr().(*net.TCPAddr).Port)

	data, err := os.ReadFile(filepath.Join("..", "testdata", "h264_main_720p.h264"))
	require.NoError(t, err)
	aus := splitAccessUnits(splitAnnexB(data), false)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			for _, nal := range aus[i%len(aus)] {
				// One call per NAL unit with a constant timestamp, as the
				// board's example does.
				if cam.SendVideoData("test", append([]byte{0, 0, 0, 1}, nal...), 1000) != nil {
					return
				}
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	st, err := cam.Stream("test")
	require.NoError(t, err)
	target, err := relay.Push(st, url, client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer target.Stop()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := remote.Stats("cam"); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "never pushed: %+v", target.Stats())
		time.Sleep(20 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	obs, err := runFFprobe(ctx, url, "tcp")
	require.NoError(t, err)
	require.Empty(t, obs.complaints, "ffprobe complained")
	require.NotNil(t, obs.video, "ffprobe saw no video: %s", obs.killed)
	require.Equal(t, "h264", obs.video.codec)
	require.Equal(t, 1280, obs.video.width)
	out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
		"-frames:v", "50", "-f", "framecrc", "-")
	require.NoError(t, err)
	require.Equal(t, 50, framecrcCount(out, 0))
}

// GStreamer's rtspsrc with backchannel=onvif (driven by
// tools/gst_backchannel.py, since gst-launch cannot push samples) sends
// µ-law on the backchannel of a session created with it, over TCP and
// UDP; OnBackChannelData receives it byte-exact.
func TestBackchannelGStreamer(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", `import gi; gi.require_version("Gst", "1.0")`).Run(); err != nil {
		msg := "Debian's python3 with GStreamer bindings is missing: install python3-gi gir1.2-gstreamer-1.0 (make deps does)"
		if requirePlayers() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "g711_ulaw_8k.ulaw"))
	require.NoError(t, err)
	want := raw[:50*160]
	in := filepath.Join(t.TempDir(), "in.ulaw")
	require.NoError(t, os.WriteFile(in, want, 0o644))
	for _, tr := range []string{"tcp", "udp"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			k := int(nextPortBlock.Add(1)) % 250
			udpLo := udpPortBase + k*portsPerCell
			var mu sync.Mutex
			var got []byte
			srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
				UDPPortMin: udpLo, UDPPortMax: udpLo + portsPerCell - 1,
				OnBackChannelData: func(_ string, data []byte, _ uint32) {
					mu.Lock()
					got = append(got, data...)
					mu.Unlock()
				}})
			require.NoError(t, err)
			require.NoError(t, srv.CreateSessionAttr("door", server.SessionAttr{WithVideo: true, VideoType: server.VideoH264,
				WithAudio: true, WithAudioBackchannel: true}))
			require.NoError(t, srv.Start())
			defer srv.Destroy()
			data, err := os.ReadFile(filepath.Join("..", "testdata", "h264_main_720p.h264"))
			require.NoError(t, err)
			aus := splitAccessUnits(splitAnnexB(data), false)
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(40 * time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					var b []byte
					for _, nal := range aus[i%len(aus)] {
						b = append(append(b, 0, 0, 0, 1), nal...)
					}
					if srv.SendVideoData("door", b, uint64(40*i)) != nil ||
						srv.SendAudioData("door", make([]byte, 320), uint64(40*i)) != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/door", srv.Addr().(*net.TCPAddr).Port)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			// The program tears the session down once done exists: after
			// every byte has arrived (or the wait below gives up).
			done := filepath.Join(t.TempDir(), "done")
			type result struct {
				out []byte
				err error
			}
			res := make(chan result, 1)
			go func() {
				out, err := run(ctx, py, filepath.Join("tools", "gst_backchannel.py"), url, in, tr, done)
				res <- result{out, err}
			}()
			defer func() {
				_ = os.WriteFile(done, nil, 0o644)
				r := <-res
				require.NoError(t, r.err)
				require.Equal(t, "50", strings.TrimSpace(string(r.out)), "packets GStreamer pushed")
			}()
			deadline := time.Now().Add(time.Minute)
			for {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n >= len(want) {
					break
				}
				if !time.Now().Before(deadline) {
					mu.Lock()
					i := 0
					for i < len(got) && got[i] == want[i] {
						i++
					}
					mu.Unlock()
					t.Fatalf("%d of %d bytes arrived; the first %d as sent", n, len(want), i)
				}
				time.Sleep(10 * time.Millisecond)
			}
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, want, got, "the backchannel audio is byte-exact")
		})
	}
}

// framecrcCount counts the frames of stream index in ffmpeg's framecrc
// output (lines "index, dts, pts, duration, size, checksum").
func framecrcCount(out []byte, index int) int {
	prefix := strconv.Itoa(index) + ","
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}
