//go:build linux

package conformance

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// Players across the wraps: the server starts its RTP timestamps a few
// seconds below 2^32 and its sequence numbers 400 packets below 2^16
// (Config.RTPStart), as 13 h 15 min of a 90 kHz stream would have them,
// and ffmpeg and GStreamer play 150 pictures (6 s) over TCP and UDP across
// both wraps: every picture decoded, each presented 40 ms after the one
// before, no stall and no jump.
func TestWrapPlayers(t *testing.T) {
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	for _, tool := range []string{"ffmpeg", "gstreamer"} {
		for _, tr := range []string{"tcp", "udp"} {
			t.Run(tool+"/"+tr, func(t *testing.T) {
				t.Parallel()
				// The wrap comes 3 s after the session starts; a player
				// that joined later than 2.5 s (a very busy machine)
				// would not cross it: the run is made again.
				for attempt := 0; attempt < 3; attempt++ {
					if playAcrossWraps(t, tool, tr) {
						return
					}
				}
				t.Fatal("the player joined after the wrap three times: the machine is too slow for this test")
			})
		}
	}
}

// playAcrossWraps runs one player on a stream whose timestamps wrap 3 s
// after its start; it reports false when the player joined too late to
// cross the wrap.
func playAcrossWraps(t *testing.T, tool, tr string) bool {
	st, cp := liveServer(t, server.Config{ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		RTPStart: &server.RTPStart{Timestamp: 1<<32 - 3*90000, Sequence: 65535 - 400}})
	url, err := st.URL()
	require.NoError(t, err)
	quit := make(chan struct{})
	defer close(quit)
	// When the player joins: the first moment the session has a
	// reader.
	created := time.Now()
	joined := make(chan time.Duration, 1)
	go func() {
		for {
			if ss, err := st.Stats(); err != nil || len(ss.Readers) > 0 {
				joined <- time.Since(created)
				return
			}
			select {
			case <-quit:
				joined <- time.Hour
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var pts []time.Duration
	if tool == "ffmpeg" {
		out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", tr,
			"-min_port", strconv.Itoa(cp), "-max_port", strconv.Itoa(cp+portsPerCell-1),
			"-i", url, "-frames:v", "150", "-f", "framecrc", "-")
		require.NoError(t, err, "ffmpeg: %s", lastLines(string(out), 3))
		// framecrc: "#tb 0: num/den", then "0, dts, pts,
		// duration, size, crc" in that time base.
		num, den := int64(0), int64(0)
		for _, l := range strings.Split(string(out), "\n") {
			if tb, ok := strings.CutPrefix(l, "#tb 0:"); ok {
				a, b, _ := strings.Cut(strings.TrimSpace(tb), "/")
				num, _ = strconv.ParseInt(a, 10, 64)
				den, _ = strconv.ParseInt(b, 10, 64)
				continue
			}
			f := strings.Split(l, ",")
			if len(f) < 6 || strings.TrimSpace(f[0]) != "0" {
				continue
			}
			v, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
			require.NoError(t, err, l)
			require.Positive(t, den, "no #tb line before the frames")
			pts = append(pts, time.Duration(v*num)*time.Second/time.Duration(den))
		}
	} else {
		// buffer-mode=none: presentation times from the RTP
		// timestamps alone (extended across the wrap by
		// rtpjitterbuffer), not smoothed against arrival.
		out := gstPlayN(ctx, t, "GStreamer across the wraps over "+tr, "-v", "rtspsrc", "location="+url, "protocols="+tr, "buffer-mode=none",
			fmt.Sprintf("port-range=%d-%d", cp, cp+portsPerCell-1), "!",
			"rtph264depay", "!", "avdec_h264", "!", "fakesink", "silent=false", "num-buffers=150")
		for _, m := range gstPTS.FindAllStringSubmatch(out, -1) {
			h, _ := strconv.Atoi(m[1])
			mi, _ := strconv.Atoi(m[2])
			s, _ := strconv.ParseFloat(m[3], 64)
			pts = append(pts, time.Duration(h)*time.Hour+time.Duration(mi)*time.Minute+time.Duration(s*float64(time.Second)))
		}
	}
	if j := <-joined; j > 2500*time.Millisecond {
		t.Logf("the player joined %v after the start: again", j)
		return false
	}
	require.Len(t, pts, 150, "pictures decoded across the wraps")
	// Both keep the RTP timestamps' steps; a wrap mishandled
	// is a jump of hours or a stall of seconds.
	tol := time.Millisecond
	for i := 1; i < len(pts); i++ {
		d := pts[i] - pts[i-1]
		require.InDelta(t, 40*time.Millisecond, d, float64(tol),
			"picture %d is presented %v after the one before (a jump or a stall at a wrap)", i, d)
	}
	require.InDelta(t, 149*40*time.Millisecond, pts[149]-pts[0], float64(10*tol), "span of the 150 pictures")
	return true
}

// gstPTS finds the presentation time in fakesink's last-message lines.
var gstPTS = regexp.MustCompile(`fakesink0: last-message = chain[^\n]*pts: (\d+):(\d+):([\d.]+)`)
