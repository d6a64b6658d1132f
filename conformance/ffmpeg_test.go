//go:build linux

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ffmpeg and ffprobe (Debian package ffmpeg).
//
// ffprobe reports the stream parameters from the SDP and the first packets
// (-show_streams). ffmpeg decodes the session for a window of output time
// (-t) into the framecrc muxer, which writes one line per decoded frame:
// stream, dts, pts, duration, size and an Adler-32 of the decoded pixels or
// samples. Timestamps pass through unchanged (-fps_mode passthrough, and
// -enc_time_base -1 keeps the input time base: 1/90000 for video, 1/rate
// for audio), -flush_packets 1 makes every line reach us as the frame is
// decoded. -v error makes ffmpeg print only errors, and any line it prints
// fails the cell.
//
// Two properties of ffmpeg 5.1 (Debian 12) shape the decode cells:
//
//   - Before it outputs anything, avformat_find_stream_info reads 20 frames
//     to guess the frame rate (fps_probe_size), which holds the first frame
//     back by up to 800 ms whatever the server does. The decode cells pass
//     -fpsprobesize 0, so the first-frame time measures the server (and
//     the GOP cache); ffprobe keeps the default and reports r_frame_rate.
//   - The first access unit comes out of the demuxer without a pts: the
//     RTP demuxer hands packets to the H.264/H.265 parser with byte
//     position -1, and av_parser_parse2's first timestamp lookup
//     (ff_fetch_timestamp) matches no packet then ("first_dts ... not
//     matching first dts NOPTS" at -v debug). The decoder guesses the same
//     pts as the second frame. The analysis leaves that one frame out of
//     the timestamp checks (ffmpegFirstFrameNoPTS), and only it.

// rtspTransportFlag is ffmpeg's -rtsp_transport for a suite transport.
func rtspTransportFlag(transport string) string {
	if transport == "multicast" {
		return "udp_multicast"
	}
	return transport
}

// ffprobeStream is the part of ffprobe's -show_streams JSON we check.
type ffprobeStream struct {
	CodecType    string `json:"codec_type"`
	CodecName    string `json:"codec_name"`
	Profile      string `json:"profile"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	PixFmt       string `json:"pix_fmt"`
	RFrameRate   string `json:"r_frame_rate"`
	AvgFrameRate string `json:"avg_frame_rate"`
	SampleRate   string `json:"sample_rate"`
	Channels     int    `json:"channels"`
	TimeBase     string `json:"time_base"`
	Extradata    int    `json:"extradata_size"`
}

// ffprobeLimit bounds one probe: it reads a few seconds of the stream.
const ffprobeLimit = 40 * time.Second

// runFFprobe probes url and returns what it reports. extra goes before the
// input (-min_port, -max_port...).
func runFFprobe(ctx context.Context, url, transport string, extra ...string) (*playerObs, error) {
	args := []string{"-hide_banner", "-v", "error"}
	if url != "" && strings.HasPrefix(url, "rtsp://") {
		args = append(args, "-rtsp_transport", rtspTransportFlag(transport))
	}
	args = append(args, extra...)
	args = append(args, "-show_streams", "-of", "json", url)
	ctx, cancel := context.WithTimeout(ctx, ffprobeLimit)
	defer cancel()
	cmd := playerCommand(ctx, "ffprobe", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	obs := &playerObs{start: time.Now()}
	out, err := cmd.Output()
	obs.complaints = nonEmptyLines(stderr.String())
	if ctx.Err() != nil {
		obs.killed = fmt.Sprintf("ffprobe killed after %v while the suite waited for it to probe %s (limit %v); last stderr: %q",
			time.Since(obs.start).Round(time.Millisecond), url, ffprobeLimit, lastLines(stderr.String(), 5))
		return obs, nil
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			obs.exitCode = ee.ExitCode()
			obs.exited = true
			return obs, nil
		}
		return nil, err
	}
	obs.exited = true
	var doc struct {
		Streams []ffprobeStream `json:"streams"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("ffprobe JSON: %w", err)
	}
	for _, s := range doc.Streams {
		so := &streamObs{codec: s.CodecName, profile: s.Profile, width: s.Width, height: s.Height,
			channels: s.Channels}
		so.rate, _ = strconv.Atoi(s.SampleRate)
		so.fps = parseRate(s.RFrameRate)
		switch s.CodecType {
		case "video":
			obs.video = so
		case "audio":
			obs.audio = so
		}
	}
	return obs, nil
}

// parseRate reads "25/1" (0 for "0/0" or garbage).
func parseRate(s string) float64 {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		f, _ := strconv.ParseFloat(s, 64)
		return f
	}
	a, err1 := strconv.ParseFloat(n, 64)
	b, err2 := strconv.ParseFloat(d, 64)
	if err1 != nil || err2 != nil || b == 0 {
		return 0
	}
	return a / b
}

// ffmpegDecodeArgs builds the decode command line: window is the output
// duration.
func ffmpegDecodeArgs(input []string, window time.Duration) []string {
	args := []string{"-nostdin", "-hide_banner", "-v", "error"}
	args = append(args, input...)
	args = append(args, "-map", "0", "-t", fmt.Sprintf("%.3f", window.Seconds()),
		"-fps_mode", "passthrough", "-enc_time_base", "-1", "-flush_packets", "1", "-f", "framecrc", "-")
	return args
}

// runFFmpeg decodes the session at url for window of output time.
func runFFmpeg(ctx context.Context, env *cellEnv, transport string, window time.Duration) (*playerObs, error) {
	playCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	playCh := env.watchPlay(playCtx)
	lo, hi := env.clientPorts()
	in := []string{"-fpsprobesize", "0", "-rtsp_transport", rtspTransportFlag(transport),
		"-min_port", fmt.Sprint(lo), "-max_port", fmt.Sprint(hi), "-i", env.url}
	p, err := startProc(ctx, "ffmpeg", ffmpegDecodeArgs(in, window)...)
	if err != nil {
		return nil, err
	}
	// Generous: startup, probing, the window, and a slow 2-core machine.
	limit := window + 25*time.Second
	code, exited := p.wait(limit)
	cancel()
	obs := parseFramecrc(p.snapshot())
	if !exited {
		obs.killed = p.killedReport(fmt.Sprintf("ffmpeg to decode a %v window and exit (limit %v)", window, limit))
	}
	obs.start = p.start
	obs.play = <-playCh
	p.dump(env.name+"-"+transport+"-"+p.name, obs.play)
	obs.exitCode, obs.exited = code, exited
	obs.complaints = nonEmptyLines(p.stderrText())
	return obs, nil
}

// parseFramecrc reads framecrc output:
//
//	#tb 0: 1/90000
//	#media_type 0: video
//	#dimensions 0: 1280x720
//	#sample_rate 1: 48000
//	#channel_layout_name 1: mono
//	0,       1800,       1800,     3600,  1382400, 0x90d89d49
func parseFramecrc(lines []line) *playerObs {
	obs := &playerObs{}
	type st struct {
		tbNum, tbDen int64
		so           *streamObs
	}
	streams := map[int]*st{}
	get := func(i int) *st {
		if streams[i] == nil {
			streams[i] = &st{so: &streamObs{}}
		}
		return streams[i]
	}
	for _, l := range lines {
		t := l.text
		if strings.HasPrefix(t, "#") {
			key, val, ok := strings.Cut(t[1:], ":")
			if !ok {
				continue
			}
			f := strings.Fields(key)
			if len(f) != 2 {
				continue
			}
			idx, err := strconv.Atoi(f[1])
			if err != nil {
				continue
			}
			s := get(idx)
			val = strings.TrimSpace(val)
			switch f[0] {
			case "tb":
				n, d, _ := strings.Cut(val, "/")
				s.tbNum, _ = strconv.ParseInt(n, 10, 64)
				s.tbDen, _ = strconv.ParseInt(d, 10, 64)
			case "media_type":
				switch val {
				case "video":
					obs.video = s.so
				case "audio":
					obs.audio = s.so
				}
			case "codec_id":
				s.so.codec = val
			case "dimensions":
				w, h, _ := strings.Cut(val, "x")
				s.so.width, _ = strconv.Atoi(w)
				s.so.height, _ = strconv.Atoi(h)
			case "sample_rate":
				s.so.rate, _ = strconv.Atoi(val)
			case "channel_layout_name":
				switch val {
				case "mono":
					s.so.channels = 1
				case "stereo":
					s.so.channels = 2
				}
			}
			continue
		}
		f := strings.Split(t, ",")
		if len(f) != 6 {
			continue
		}
		idx, err := strconv.Atoi(strings.TrimSpace(f[0]))
		if err != nil {
			continue
		}
		s := get(idx)
		pts, err1 := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		dur, err2 := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64)
		if err1 != nil || err2 != nil || s.tbDen == 0 {
			continue
		}
		conv := func(v int64) time.Duration {
			return time.Duration(math.Round(float64(v) * float64(s.tbNum) * 1e9 / float64(s.tbDen)))
		}
		s.so.units = append(s.so.units, unit{pts: conv(pts), dur: conv(dur), hash: strings.TrimSpace(f[5]), wall: l.wall})
	}
	return obs
}

// ffmpegFirstFrameNoPTS drops the first decoded video frame from the
// timestamp analysis when it carries the pts ffmpeg guessed for a first
// access unit that came without one (see the file comment): the same pts as
// the next frame. It returns whether it did.
func ffmpegFirstFrameNoPTS(so *streamObs) bool {
	if so == nil || len(so.units) < 2 || so.units[0].pts != so.units[1].pts {
		return false
	}
	so.units = so.units[1:]
	return true
}
