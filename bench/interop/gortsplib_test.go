package interop

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/bench/internal/gortsplibrelay"
	"github.com/rtspkit/rtspkit/client"
	rformat "github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
)

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// freeUDPPair returns an even UDP port that is free with the next one, for
// gortsplib's RTP/RTCP pair (the kernel hands out odd ports to bind(0)).
func freeUDPPair(t *testing.T) int {
	for p := 46000; p < 48000; p += 2 {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
	t.Fatal("no free UDP port pair in 46000-47999")
	return 0
}

// Our client's Publisher pushes H.264 into gortsplib's server over TCP and
// over UDP; ffprobe reads the codec and size back from gortsplib, and
// ffmpeg decodes 50 pictures with no error.
func TestPublisherIntoGortsplib(t *testing.T) {
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("RTSPKIT_REQUIRE_PLAYERS") == "1" {
				t.Fatalf("%s not found: install the Debian package ffmpeg", tool)
			}
			t.Skipf("%s not found: install the Debian package ffmpeg", tool)
		}
	}
	data, err := os.ReadFile("../../testdata/h264_main_720p.h264")
	require.NoError(t, err)
	var d h26x.H264AUDetector
	var aus [][][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		if d.StartsNewAU(nal) || len(aus) == 0 {
			aus = append(aus, nil)
		}
		aus[len(aus)-1] = append(aus[len(aus)-1], nal)
	}
	sps, pps := h26x.H264ParameterSets(aus[0])

	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			port, udp := freePort(t), freeUDPPair(t)
			r := &gortsplibrelay.Relay{}
			r.Server = &gortsplib.Server{Handler: r, RTSPAddress: "127.0.0.1:" + strconv.Itoa(port),
				UDPRTPAddress: "127.0.0.1:" + strconv.Itoa(udp), UDPRTCPAddress: "127.0.0.1:" + strconv.Itoa(udp+1)}
			require.NoError(t, r.Server.Start())
			defer r.Server.Close()
			url := "rtsp://127.0.0.1:" + strconv.Itoa(port) + "/cam"

			p, err := client.NewPublisher(url, []rformat.Format{rformat.NewH264(96, sps, pps)}, client.Options{Transport: tr})
			require.NoError(t, err)
			defer p.Close()
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				tick := time.NewTicker(40 * time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					if p.WriteFrame(0, time.Duration(i)*40*time.Millisecond, rformat.Frame{NALUs: aus[i%len(aus)], Marker: true}) != nil {
						return
					}
					select {
					case <-stop:
						return
					case <-tick.C:
					}
				}
			}()
			deadline := time.Now().Add(time.Minute)
			for !p.Stats().Connected || !r.Publishing() {
				require.True(t, time.Now().Before(deadline), "never published: %+v", p.Stats())
				time.Sleep(10 * time.Millisecond)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
				"-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url).CombinedOutput()
			require.NoError(t, err, "%s", out)
			require.Equal(t, "h264,1280,720", strings.TrimSpace(string(out)))
			out, err = exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "tcp",
				"-i", url, "-frames:v", "50", "-f", "framecrc", "-").Output()
			require.NoError(t, err)
			frames := 0
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, "0,") {
					frames++
				}
			}
			require.Equal(t, 50, frames)
		})
	}
}
