//go:build linux

package conformance

import (
	"fmt"
	"hash/adler32"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Tests of the suite's own machinery: they run without any player.

func TestSourcesCut(t *testing.T) {
	require.NoError(t, loadSources())
	tests := []struct {
		name       string
		units      int
		keys       []int // loop positions of the keyframes
		nalsFirst  int   // NAL units in the first access unit (board packs)
		slicesEach int   // slices per picture
	}{
		{name: "h264-main", units: 50, keys: []int{0, 25}, nalsFirst: 4, slicesEach: 1},         // SPS PPS SEI IDR
		{name: "h264-high", units: 50, keys: []int{0, 25}, nalsFirst: 4, slicesEach: 1},         // SPS PPS SEI IDR
		{name: "h264-high-4slices", units: 50, keys: []int{0, 25}, nalsFirst: 7, slicesEach: 4}, // SPS PPS SEI 4 IDR slices
		{name: "h265-main", units: 50, keys: []int{0, 25}, nalsFirst: 5, slicesEach: 1},         // VPS SPS PPS SEI IDR
		{name: "mjpeg", units: 10, keys: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nalsFirst: 0, slicesEach: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := videos[tc.name]
			require.NotNil(t, v)
			require.Len(t, v.units, tc.units)
			var keys []int
			for i, k := range v.key {
				if k {
					keys = append(keys, i)
				}
			}
			require.Equal(t, tc.keys, keys)
			if tc.nalsFirst > 0 {
				require.Len(t, v.nals[0], tc.nalsFirst)
				hevc := v.ffCodec == "hevc"
				for i, au := range v.nals[1:] {
					slices := 0
					for _, n := range au {
						if isVCL(nalType(n, hevc), hevc) {
							slices++
						}
					}
					require.Equal(t, tc.slicesEach, slices, "unit %d", i+1)
				}
			}
		})
	}
	for name, n := range map[string]int{"aac-mono48": 95, "aac-stereo44": 88, "pcmu": 100, "pcma": 100} {
		require.Len(t, audios[name].units, n, name)
	}
}

func TestAdler32Zero(t *testing.T) {
	// Seeded with 1, Adler-32 is hash/adler32's; check the arithmetic
	// against it through the relation of the two seeds: with seed 0 the
	// first sum lacks the 1 and the second sum lacks len(b).
	for _, b := range [][]byte{nil, []byte("a"), []byte("Wikipedia"), make([]byte, 70000)} {
		std := adler32.Checksum(b)
		s1 := (std&0xffff + 65521 - 1) % 65521
		s2 := (std>>16 + 65521 - uint32(len(b)%65521)) % 65521
		require.Equal(t, fmt.Sprintf("0x%08x", s2<<16|s1), adler32Zero(b))
	}
}

func TestParseFramecrc(t *testing.T) {
	out := []string{
		"#software: Lavf59.27.100",
		"#tb 0: 1/90000", "#media_type 0: video", "#codec_id 0: rawvideo", "#dimensions 0: 1280x720", "#sar 0: 1/1",
		"#tb 1: 1/8000", "#media_type 1: audio", "#codec_id 1: pcm_s16le", "#sample_rate 1: 8000", "#channel_layout_name 1: mono",
		"0,          0,          0,     3600,  1382400, 0x5adf8376",
		"1,          0,          0,      160,      320, 0xc847a193",
		"0,       3600,       3600,     3600,  1382400, 0x90d89d49",
	}
	var ls []line
	for _, l := range out {
		ls = append(ls, line{text: l})
	}
	obs := parseFramecrc(ls)
	require.NotNil(t, obs.video)
	require.NotNil(t, obs.audio)
	require.Equal(t, 1280, obs.video.width)
	require.Equal(t, 720, obs.video.height)
	require.Equal(t, 8000, obs.audio.rate)
	require.Equal(t, 1, obs.audio.channels)
	require.Len(t, obs.video.units, 2)
	require.Equal(t, 40*time.Millisecond, obs.video.units[1].pts)
	require.Equal(t, "0x90d89d49", obs.video.units[1].hash)
	require.Equal(t, 20*time.Millisecond, obs.audio.units[0].dur)
}

func TestParseGst(t *testing.T) {
	out := []string{
		"/GstPipeline:pipeline0/GstRtpH264Depay:rtph264depay0.GstPad:sink: caps = application/x-rtp, media=(string)video, payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264",
		"/GstPipeline:pipeline0/GstH264Parse:h264parse0.GstPad:src: caps = video/x-h264, stream-format=(string)avc, alignment=(string)au, level=(string)3.1, profile=(string)main, width=(int)1280, height=(int)720",
		"/GstPipeline:pipeline0/GstChecksumSink:vsink.GstPad:sink: caps = video/x-raw, format=(string)I420, width=(int)1280, height=(int)720, framerate=(fraction)25/1",
		"/GstPipeline:pipeline0/GstRtpMP4GDepay:rtpmp4gdepay0.GstPad:sink: caps = application/x-rtp, media=(string)audio, payload=(int)97, clock-rate=(int)48000, encoding-name=(string)MPEG4-GENERIC",
		"/GstPipeline:pipeline0/GstAacParse:aacparse0.GstPad:src: caps = audio/mpeg, mpegversion=(int)4, profile=(string)lc, rate=(int)48000, channels=(int)1",
		"/GstPipeline:pipeline0/GstChecksumSink:asink.GstPad:sink: caps = audio/x-raw, format=(string)F32LE, rate=(int)48000, channels=(int)1",
		"0:00:00.000829559 0416bb9869a3bdcaab1a06a9f333ac71fea1e73b",
		"0:00:00.022094077 d926fcb2f882b47615fe0709fe599184",
		"0:00:00.040816258 071b909e42f185e2aba43c476634659ca2ecd99e",
	}
	var ls []line
	for _, l := range out {
		ls = append(ls, line{text: l})
	}
	obs := parseGst(ls, "WARNING: from element /GstPipeline:pipeline0/GstRTSPSrc:src: Could not read from resource.\nsome info\n")
	require.Equal(t, "H264", obs.video.codec)
	require.Equal(t, "main", obs.video.profile)
	require.Equal(t, 1280, obs.video.width)
	require.Equal(t, 25.0, obs.video.fps)
	require.Equal(t, "MPEG4-GENERIC", obs.audio.codec)
	require.Equal(t, "lc", obs.audio.profile)
	require.Equal(t, 48000, obs.audio.rate)
	require.Len(t, obs.video.units, 2)
	require.Len(t, obs.audio.units, 1)
	require.Equal(t, 40816258*time.Nanosecond, obs.video.units[1].pts)
	require.Len(t, obs.complaints, 1)
}

func TestMakeRefDropsAmbiguous(t *testing.T) {
	r := makeRef([]string{"a", "b", "c", "a", "b", "x"}, 3)
	require.Equal(t, map[string]int{"a": 0, "b": 1, "c": 2, "x": 2}, r.idx)
	r = makeRef([]string{"a", "b", "a", "a", "b", "c"}, 3) // "a" at 0 and 2
	require.Equal(t, map[string]int{"b": 1, "c": 2}, r.idx)
	r = makeRef([]string{"a", "b", "a", "b", "a", "b"}, 3)
	require.Empty(t, r.idx)
	// A decoder that lost the first unit: aligned on the end.
	r = makeRef([]string{"b", "c", "a", "b", "c"}, 3)
	require.Equal(t, 1, r.idx["b"])
	require.Equal(t, 0, r.idx["a"])
}

// TestAnalyzeStream runs the analysis on synthetic decodes: a perfect one,
// one with a lost unit, one with a duplicate and one shifted in time.
func TestAnalyzeStream(t *testing.T) {
	const loop = 50
	dur := 40 * time.Millisecond
	ref := makeRef(func() []string {
		var h []string
		for l := 0; l < 2; l++ {
			for i := 0; i < loop; i++ {
				h = append(h, fmt.Sprint("h", i))
			}
		}
		return h
	}(), loop)
	t0 := time.Now()
	var sent []time.Time
	for n := 0; n < 400; n++ {
		sent = append(sent, t0.Add(time.Duration(n)*dur))
	}
	var jitter time.Duration
	// decode builds a player output of units first..first+count-1 with pts
	// shifted by shift, arriving 30 ms after they were sent.
	decode := func(first, count int, shift time.Duration, drop, dup int) *streamObs {
		so := &streamObs{}
		for n := first; n < first+count; n++ {
			if n == drop {
				continue
			}
			u := unit{pts: time.Duration(n)*dur + shift, hash: fmt.Sprint("h", n%loop), wall: sent[n].Add(30 * time.Millisecond)}
			if n == 120 {
				u.pts += jitter
			}
			so.units = append(so.units, u)
			if n == dup {
				so.units = append(so.units, u)
			}
		}
		return so
	}
	tests := []struct {
		so                        *streamObs
		name                      string
		jitter                    time.Duration // added to the pts of unit 120
		decoded, sent, miss, reps int
		offset                    time.Duration
		shift                     time.Duration
		drop, dup                 int
	}{
		{name: "perfect", decoded: 125, sent: 125, drop: -1, dup: -1},
		{name: "lost one", decoded: 124, sent: 125, miss: 1, drop: 110, dup: -1},
		{name: "repeated one", decoded: 126, sent: 125, reps: 1, drop: -1, dup: 110},
		{name: "late by 300 ms", decoded: 125, sent: 125, offset: 300 * time.Millisecond, shift: 300 * time.Millisecond, drop: -1, dup: -1},
		{name: "one pts 70 ms off", decoded: 125, sent: 125, jitter: 70 * time.Millisecond, drop: -1, dup: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jitter = tc.jitter
			tc.so = decode(100, 150, tc.shift, tc.drop, tc.dup)
			r := analyzeStream(tc.so, ref, dur, sent, 0, 5*time.Second)
			require.True(t, r.resolved)
			require.Equal(t, tc.decoded, r.decoded)
			require.Equal(t, tc.sent, r.sent)
			require.Equal(t, tc.miss, r.missing)
			require.Equal(t, tc.reps, r.repeated)
			require.Equal(t, tc.offset, r.offset)
			require.Equal(t, tc.jitter, r.jitter)
			require.Equal(t, 125, r.expected)
		})
	}
}

func TestWithinCount(t *testing.T) {
	for _, tc := range []struct {
		got, want int
		ok        bool
	}{{125, 125, true}, {121, 125, true}, {120, 125, false}, {48, 50, true}, {47, 50, false}, {262, 250, false}, {258, 250, true}} {
		require.Equal(t, tc.ok, withinCount(tc.got, tc.want), "%d of %d", tc.got, tc.want)
	}
}

func TestAnalyzeJoin(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	schedule := func(n int, every time.Duration) []time.Time {
		s := make([]time.Time, n)
		for i := range s {
			s[i] = t0.Add(time.Duration(i) * every)
		}
		return s
	}
	h264 := schedule(200, 40*time.Millisecond) // 25 fps, loop 50, keyframes every 25
	h264Key := func(n int) bool { return n%25 == 0 }
	mjpeg := schedule(100, 100*time.Millisecond) // 10 fps, loop 10, all keyframes
	allKey := func(int) bool { return true }
	slack := 100 * time.Millisecond
	tests := []struct {
		name      string
		sent      []time.Time
		key       func(int) bool
		loop, pos int
		printed   int // ms after t0
		play      int
		first     int
		allowed   []int
		fromCache bool
	}{
		{"cached keyframe", h264, h264Key, 50, 25, 1500, 1240, 25, []int{25}, true},
		{"next live keyframe", h264, h264Key, 50, 0, 2100, 1240, 50, []int{25}, false},
		{"keyframe within the slack: either", h264, h264Key, 50, 0, 1300, 1050, 0, []int{0, 25}, true},
		{"keyframe within the slack: the new one", h264, h264Key, 50, 25, 1300, 1050, 25, []int{0, 25}, true},
		{"slow player, a loop later", h264, h264Key, 50, 25, 3200, 1240, 25, []int{25}, true},
		{"older than the cache", h264, h264Key, 50, 0, 1500, 1240, 0, []int{25}, false},
		{"mjpeg cached picture", mjpeg, allKey, 10, 5, 700, 550, 5, []int{4, 5}, true},
		{"mjpeg next live picture", mjpeg, allKey, 10, 6, 700, 550, 6, []int{4, 5}, false},
		{"unknown content", h264, h264Key, 50, -1, 1500, 1240, -1, []int{25}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := analyzeJoin(tc.sent, tc.key, tc.loop, tc.pos, at(tc.printed), at(tc.play), slack)
			require.Equal(t, tc.first, j.first)
			require.Equal(t, tc.allowed, j.allowed)
			require.Equal(t, tc.fromCache, j.fromCache())
		})
	}
}

// gst-launch -q's error output in the failing run of TestPublishFFmpeg
// that showed rtspsrc's shutdown race (gstlaunch_test.go), as printed.
const gstRaceOutput = `ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not write to resource.
Additional debug info:
../gst/rtsp/gstrtspsrc.c(6766): gst_rtspsrc_try_send (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:
Could not send message. (Received end-of-file)
ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not write to resource.
Additional debug info:
../gst/rtsp/gstrtspsrc.c(9240): gst_rtspsrc_pause (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:
Could not send message. (Received end-of-file)
`

func TestGstShutdownRace(t *testing.T) {
	blocks := gstErrorBlocks("Setting pipeline to PLAYING ...\n" + gstRaceOutput + "Execution ended after 0:00:02.0\nSetting pipeline to NULL ...\n")
	require.Len(t, blocks, 2)
	require.True(t, strings.HasSuffix(blocks[1], "Could not send message. (Received end-of-file)"), blocks[1])
	require.True(t, gstShutdownRace(blocks))

	// The send alone is any request's, not the PAUSE's.
	require.False(t, gstShutdownRace(blocks[:1]))
	require.False(t, gstShutdownRace(nil))
	// A server that drops the connection mid-stream is an error of the
	// receive loop; a warning is not the race either.
	for _, other := range []string{
		"ERROR: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not read from resource.\nAdditional debug info:\n../gst/rtsp/gstrtspsrc.c(5917): gst_rtspsrc_loop_interleaved (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:\nCould not receive message. (Received end-of-file)",
		"WARNING: from element /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0: Could not write to resource.\nAdditional debug info:\n../gst/rtsp/gstrtspsrc.c(9240): gst_rtspsrc_pause (): /GstPipeline:pipeline0/GstRTSPSrc:rtspsrc0:\nCould not send message. (Received end-of-file)",
		"ERROR: from element /GstPipeline:pipeline0/GstAudioSink:sink: Could not write to resource.\nAdditional debug info:\n../gst/rtsp/gstrtspsrc.c(9240): gst_rtspsrc_pause (): Could not send message.",
	} {
		require.False(t, gstShutdownRace(append(blocks, other)), other)
	}
}
