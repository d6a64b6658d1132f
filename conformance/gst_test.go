//go:build linux

package conformance

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// GStreamer (gst-launch-1.0, Debian packages gstreamer1.0-tools,
// -plugins-good, -plugins-bad, -libav).
//
// The pipeline is rtspsrc, then for each stream the matching depayloader,
// parser and decoder, ending in a checksumsink (plugins-bad) that prints
// "pts checksum" for every decoded buffer and flushes; the video sink uses
// SHA-1 and the audio sink MD5, so the length of the checksum tells the two
// apart on one standard output. sync=false renders as soon as decoded (we
// measure decoding, not display). -v prints the negotiated caps of every
// pad: codec, profile, width, height, frame rate, rate and channels come
// from there. -e turns our SIGINT at the end of the window into an EOS, so
// a healthy pipeline exits 0 after "Got EOS".
//
// Each depayloader is linked straight to rtspsrc (not through a queue, which
// accepts any caps) so that gst-launch links every rtspsrc pad to the
// depayloader whose caps match its encoding-name.

// gstLatencyMS is rtspsrc's jitter buffer latency. The default (2000 ms)
// is a buffering choice of the player; packets arrive on loopback in order,
// so a small value shows what the server delivers. The join latency is
// measured with it.
const gstLatencyMS = 200

// rtspsrc's buffer-mode decides what GStreamer's pts mean. Its default
// for a live source ("auto", which picks "slave") maps RTP time onto the
// arrival time of the packets, so the pts measure the machine's scheduling
// of the player as much as the server: on a loaded 2-core machine they
// strayed hundreds of milliseconds from a perfect stream. Most cells use
// "none": pts from the RTP timestamps the server sent, with rtpbin's lip
// sync from the RTCP sender reports, which is what the suite asserts on.
// The rows that test the server's delivery timing itself (a caller that
// hands over audio in chunks, whose packets the server paces; a caller
// that stalls) keep the default, as real GStreamer players run it.
func gstBufferMode(r row) string {
	if m := os.Getenv("RTSPKIT_GST_BUFFER_MODE"); m != "" {
		return m // experiments
	}
	if r.arrivalTimed() {
		return "auto"
	}
	return "none"
}

// gstSettle is where the measured window starts, after the first frame.
// rtspsrc's jitter buffer, in its default "slave" mode, maps RTP time onto
// arrival time; the GOP cache arrives in a burst, so its frames get
// timestamps closer together than 40 ms (they play out fast, catching up
// with live) until the skew estimate converges, within about a second.
// Counting and frame-rate checks start after that; the join latency is
// measured from the very first frame.
const gstSettle = 2 * time.Second

func gstVideoChain(v *videoSource) (chain string, elems []string) {
	switch v.codec {
	case server.VideoH264:
		return "rtph264depay ! h264parse ! avdec_h264", []string{"rtph264depay", "h264parse", "avdec_h264"}
	case server.VideoH265:
		return "rtph265depay ! h265parse ! avdec_h265", []string{"rtph265depay", "h265parse", "avdec_h265"}
	default:
		return "rtpjpegdepay ! jpegdec", []string{"rtpjpegdepay", "jpegdec"}
	}
}

func gstAudioChain(a *audioSource) (chain string, elems []string) {
	switch a.typ {
	case server.AudioAAC:
		return "rtpmp4gdepay ! aacparse ! avdec_aac", []string{"rtpmp4gdepay", "aacparse", "avdec_aac"}
	case server.AudioPCMU:
		return "rtppcmudepay ! mulawdec", []string{"rtppcmudepay", "mulawdec"}
	default:
		return "rtppcmadepay ! alawdec", []string{"rtppcmadepay", "alawdec"}
	}
}

// gstElements lists every element a cell's pipeline needs.
func gstElements(v *videoSource, a *audioSource) []string {
	el := []string{"rtspsrc", "queue", "checksumsink"}
	_, e := gstVideoChain(v)
	el = append(el, e...)
	if a != nil {
		_, e = gstAudioChain(a)
		el = append(el, e...)
	}
	return el
}

func gstProtocols(transport string) string {
	switch transport {
	case "multicast":
		return "udp-mcast"
	default:
		return transport
	}
}

// gstPipeline is the gst-launch argument list for a cell.
func gstPipeline(url, transport string, r row, v *videoSource, a *audioSource) []string {
	vc, _ := gstVideoChain(v)
	p := fmt.Sprintf("rtspsrc name=src location=%s protocols=%s latency=%d buffer-mode=%s src. ! %s ! queue ! checksumsink name=vsink hash=sha1 sync=false",
		url, gstProtocols(transport), gstLatencyMS, gstBufferMode(r), vc)
	if a != nil {
		ac, _ := gstAudioChain(a)
		p += fmt.Sprintf(" src. ! %s ! queue ! checksumsink name=asink hash=md5 sync=false", ac)
	}
	return append([]string{"-e", "-v"}, strings.Fields(p)...)
}

// runGst plays the session until window of media time has been decoded
// (judged from the video pts), then sends SIGINT and waits for the EOS.
func runGst(ctx context.Context, env *cellEnv, transport string, window time.Duration) (*playerObs, error) {
	playCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	playCh := env.watchPlay(playCtx)
	p, err := startProc(ctx, "gst-launch-1.0", gstPipeline(env.url, transport, env.row, env.v, env.a)...)
	if err != nil {
		return nil, err
	}
	// Wait until the video pts cover window plus a margin, or give up.
	need := gstSettle + window + 400*time.Millisecond
	limit := gstSettle + window + 20*time.Second
	var first, last time.Duration
	seen := false
	covered := p.until(limit, func(ls []line) bool {
		for _, l := range ls {
			if pts, video, ok := parseGstSum(l.text); ok && video {
				if !seen {
					first, seen = pts, true
				}
				last = pts
			}
		}
		return seen && last-first >= need
	})
	p.signal(syscall.SIGINT)
	code, exited := p.wait(10 * time.Second)
	cancel()
	all := p.snapshot()
	stderr := p.stderrText()
	eos := false
	for _, l := range all {
		if strings.Contains(l.text, "Got EOS from element") {
			eos = true
		}
	}
	// Errors can only follow "Got EOS": an error before it ends
	// gst-launch's loop without that line.
	race := eos && exited && code == 1 && gstShutdownRace(gstErrorBlocks(stderr))
	if race {
		stderr = "" // every complaint in it is the race's
	}
	obs := parseGst(all, stderr)
	if race {
		obs.exitNote = "exit status 1 after the EOS from rtspsrc's own shutdown race (its CLOSE flushed its PAUSE before it was sent), not counted"
	}
	if !covered {
		obs.complaints = append(obs.complaints, fmt.Sprintf("decoded video never covered %v of pts within %v; %s", need, limit, p.tail(5)))
	}
	if !exited {
		obs.killed = p.killedReport("the pipeline to end after SIGINT (EOS) within 10s")
	}
	obs.start = p.start
	obs.play = <-playCh
	p.dump(env.name+"-"+transport+"-"+p.name, obs.play)
	obs.exitCode, obs.exited = code, exited
	if !eos {
		obs.complaints = append(obs.complaints, "no \"Got EOS\": the pipeline did not end cleanly on SIGINT")
	}
	return obs, nil
}

var (
	gstSumLine  = regexp.MustCompile(`^(\d+):(\d\d):(\d\d)\.(\d{9}) ([0-9a-f]{32}|[0-9a-f]{40})$`)
	gstCapsLine = regexp.MustCompile(`^/GstPipeline:pipeline0/(.+)\.GstPad:(\w+): caps = (.*)$`)
	gstIntField = regexp.MustCompile(`\b(width|height|rate|channels)=\(int\)(\d+)`)
	gstStrField = regexp.MustCompile(`\b(encoding-name|profile|format|media)=\(string\)([\w.-]+)`)
	gstFraction = regexp.MustCompile(`\bframerate=\(fraction\)(\d+)/(\d+)`)
)

// parseGstSum reads a checksumsink line, "H:MM:SS.NNNNNNNNN checksum": the
// pts, and whether the checksum is a video one (SHA-1; audio is MD5).
func parseGstSum(t string) (pts time.Duration, video, ok bool) {
	// Most lines are not checksums: a cheap look before the expression.
	if len(t) < 45 || t[0] < '0' || t[0] > '9' {
		return 0, false, false
	}
	m := gstSumLine.FindStringSubmatch(t)
	if m == nil {
		return 0, false, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	ns, _ := strconv.Atoi(m[4])
	pts = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + time.Duration(ns)
	return pts, len(m[5]) == 40, true
}

// parseGst reads gst-launch -v output with checksumsink lines. stderr holds
// the error output: every "ERROR" and "WARNING" line is a complaint.
func parseGst(lines []line, stderr string) *playerObs {
	obs := &playerObs{}
	v, a := &streamObs{}, &streamObs{}
	rawAudio := false
	for _, l := range lines {
		t := l.text
		if pts, video, ok := parseGstSum(t); ok {
			u := unit{pts: pts, hash: t[strings.IndexByte(t, ' ')+1:], wall: l.wall}
			if video {
				v.units = append(v.units, u)
			} else {
				a.units = append(a.units, u)
			}
			continue
		}
		if strings.HasPrefix(t, "ERROR") || strings.HasPrefix(t, "WARNING") {
			obs.complaints = append(obs.complaints, t)
			continue
		}
		m := gstCapsLine.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		elem, pad, caps := m[1], m[2], strings.TrimSpace(m[3])
		if strings.HasPrefix(caps, "audio/") {
			obs.audioCapsLines++
		}
		strs := map[string]string{}
		for _, f := range gstStrField.FindAllStringSubmatch(caps, -1) {
			strs[f[1]] = f[2]
		}
		ints := map[string]int{}
		for _, f := range gstIntField.FindAllStringSubmatch(caps, -1) {
			ints[f[1]], _ = strconv.Atoi(f[2])
		}
		switch {
		case strings.HasPrefix(caps, "video/x-raw"):
			// The decoder's, queue's or sink's caps: -v prints them
			// through deep-notify, which can miss one, so take any.
			v.width, v.height = ints["width"], ints["height"]
			if f := gstFraction.FindStringSubmatch(caps); f != nil {
				n, _ := strconv.ParseFloat(f[1], 64)
				d, _ := strconv.ParseFloat(f[2], 64)
				if d > 0 {
					v.fps = n / d
				}
			}
		case strings.HasPrefix(caps, "audio/x-raw"):
			a.rate, a.channels = ints["rate"], ints["channels"]
			rawAudio = true
		case strings.HasPrefix(caps, "audio/") && !rawAudio && ints["rate"] > 0:
			// The depayloader's or parser's caps, in case deep-notify
			// missed every decoded-audio caps line.
			a.rate, a.channels = ints["rate"], ints["channels"]
		case strings.HasPrefix(caps, "application/x-rtp,") && strs["encoding-name"] != "":
			// Any pad of rtspsrc's or the depayloader's: deep-notify can
			// miss the depayloader's.
			switch strs["media"] {
			case "video":
				v.codec = strs["encoding-name"]
			case "audio":
				a.codec = strs["encoding-name"]
			}
		}
		// The parser's output caps carry the profile.
		if strings.Contains(elem, "Parse") && pad == "src" {
			switch {
			case strings.HasPrefix(caps, "video/"):
				v.profile = strs["profile"]
			case strings.HasPrefix(caps, "audio/"):
				a.profile = strs["profile"]
			}
		}
	}
	for _, l := range nonEmptyLines(stderr) {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "WARNING") || strings.Contains(l, "CRITICAL") {
			obs.complaints = append(obs.complaints, l)
		}
	}
	if v.codec != "" || len(v.units) > 0 {
		obs.video = v
	}
	if a.codec != "" || len(a.units) > 0 {
		obs.audio = a
	}
	return obs
}
