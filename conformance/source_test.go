//go:build linux

package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// The sample streams of ../testdata, cut into the units the suite sends
// and identifies. The cutting here is deliberately independent of the
// server's own parsers (h26x, aac, mjpeg): the suite is their oracle.

// videoSource is a looped video file cut into access units.
type videoSource struct {
	name    string // row label: "h264-main"
	file    string
	codec   server.VideoType
	fps     int
	width   int
	height  int
	profile string // as ffprobe spells it: "Main", "High"; "" for MJPEG
	ffCodec string // ffprobe codec_name: h264, hevc, mjpeg
	gstCaps string // encoding-name in rtspsrc caps: H264, H265, JPEG
	gop     int    // frames per group of pictures (1 for MJPEG)

	units [][]byte   // whole access units (Annex-B) or JPEG pictures
	nals  [][][]byte // per unit, its NAL units with start codes (H.26x)
	key   []bool     // unit is a keyframe (IDR/IRAP, or every JPEG)
}

// audioSource is a looped audio file cut into the units sent one per call:
// ADTS frames for AAC, 20 ms (160 byte) chunks for G.711.
type audioSource struct {
	name     string // "aac-mono48"
	file     string
	typ      server.AudioType
	rate     int
	channels int
	samples  int    // samples per unit
	ffCodec  string // ffprobe codec_name: aac, pcm_mulaw, pcm_alaw
	profile  string // "LC" for AAC
	gstCaps  string // encoding-name: MPEG4-GENERIC, PCMU, PCMA

	units [][]byte
}

func (v *videoSource) frameDur() time.Duration { return time.Second / time.Duration(v.fps) }

func (a *audioSource) unitDur() time.Duration {
	return time.Duration(a.samples) * time.Second / time.Duration(a.rate)
}

var (
	sourcesOnce sync.Once
	sourcesErr  error
	videos      map[string]*videoSource
	audios      map[string]*audioSource
)

// loadSources reads and cuts every sample once.
func loadSources() error {
	sourcesOnce.Do(func() { sourcesErr = doLoadSources() })
	return sourcesErr
}

func doLoadSources() error {
	vs := []*videoSource{
		{name: "h264-main", file: "h264_main_720p.h264", codec: server.VideoH264, fps: 25, width: 1280, height: 720,
			profile: "Main", ffCodec: "h264", gstCaps: "H264", gop: 25},
		{name: "h264-high", file: "conf_h264_high_720p.h264", codec: server.VideoH264, fps: 25, width: 1280, height: 720,
			profile: "High", ffCodec: "h264", gstCaps: "H264", gop: 25},
		{name: "h264-high-4slices", file: "conf_h264_high_slices_720p.h264", codec: server.VideoH264, fps: 25, width: 1280, height: 720,
			profile: "High", ffCodec: "h264", gstCaps: "H264", gop: 25},
		{name: "h265-main", file: "conf_h265_main_720p.h265", codec: server.VideoH265, fps: 25, width: 1280, height: 720,
			profile: "Main", ffCodec: "hevc", gstCaps: "H265", gop: 25},
		{name: "mjpeg", file: "mjpeg_420_320x240.mjpeg", codec: server.VideoMJPEG, fps: 10, width: 320, height: 240,
			ffCodec: "mjpeg", gstCaps: "JPEG", gop: 1},
	}
	as := []*audioSource{
		{name: "aac-mono48", file: "conf_aac_lc_mono_48k.aac", typ: server.AudioAAC, rate: 48000, channels: 1, samples: 1024,
			ffCodec: "aac", profile: "LC", gstCaps: "MPEG4-GENERIC"},
		{name: "aac-stereo44", file: "conf_aac_lc_stereo_44k.aac", typ: server.AudioAAC, rate: 44100, channels: 2, samples: 1024,
			ffCodec: "aac", profile: "LC", gstCaps: "MPEG4-GENERIC"},
		{name: "pcmu", file: "conf_g711_ulaw_8k.ulaw", typ: server.AudioPCMU, rate: 8000, channels: 1, samples: 160,
			ffCodec: "pcm_mulaw", gstCaps: "PCMU"},
		{name: "pcma", file: "conf_g711_alaw_8k.alaw", typ: server.AudioPCMA, rate: 8000, channels: 1, samples: 160,
			ffCodec: "pcm_alaw", gstCaps: "PCMA"},
	}
	videos = map[string]*videoSource{}
	audios = map[string]*audioSource{}
	for _, v := range vs {
		b, err := os.ReadFile(filepath.Join("..", "testdata", v.file))
		if err != nil {
			return err
		}
		switch v.codec {
		case server.VideoMJPEG:
			v.units = splitJPEG(b)
			for range v.units {
				v.key = append(v.key, true)
			}
		default:
			hevc := v.codec == server.VideoH265
			v.nals = splitAccessUnits(splitAnnexB(b), hevc)
			for _, au := range v.nals {
				v.units = append(v.units, bytes.Join(au, nil))
				k := false
				for _, n := range au {
					k = k || isKeyNAL(n, hevc)
				}
				v.key = append(v.key, k)
			}
		}
		if len(v.units) == 0 || !v.key[0] {
			return fmt.Errorf("%s: no units, or the first is not a keyframe", v.file)
		}
		videos[v.name] = v
	}
	for _, a := range as {
		b, err := os.ReadFile(filepath.Join("..", "testdata", a.file))
		if err != nil {
			return err
		}
		if a.typ == server.AudioAAC {
			a.units, err = splitADTS(b)
			if err != nil {
				return fmt.Errorf("%s: %w", a.file, err)
			}
		} else {
			for len(b) >= a.samples {
				a.units = append(a.units, b[:a.samples])
				b = b[a.samples:]
			}
		}
		audios[a.name] = a
	}
	return nil
}

// splitAnnexB cuts an Annex-B stream into NAL units, each keeping its start
// code (3 or 4 bytes), as an encoder hands them out one pack at a time.
func splitAnnexB(b []byte) [][]byte {
	var starts []int
	for i := 0; i+3 <= len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			s := i
			if i > 0 && b[i-1] == 0 {
				s = i - 1
			}
			starts = append(starts, s)
			i += 2
		}
	}
	var nals [][]byte
	for k, s := range starts {
		e := len(b)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		nals = append(nals, b[s:e])
	}
	return nals
}

// nalHeader returns the first bytes after the start code.
func nalHeader(n []byte) []byte {
	i := bytes.Index(n, []byte{0, 0, 1})
	if i < 0 {
		return nil
	}
	return n[i+3:]
}

func nalType(n []byte, hevc bool) int {
	h := nalHeader(n)
	if len(h) == 0 {
		return -1
	}
	if hevc {
		return int(h[0]>>1) & 0x3f
	}
	return int(h[0] & 0x1f)
}

func isVCL(t int, hevc bool) bool {
	if hevc {
		return t >= 0 && t <= 31
	}
	return t >= 1 && t <= 5
}

func isKeyNAL(n []byte, hevc bool) bool {
	t := nalType(n, hevc)
	if hevc {
		return t >= 16 && t <= 21 // IRAP (H.265 Table 7-1)
	}
	return t == 5
}

// firstSliceOfPicture reads the first bit of the slice header: for H.264
// first_mb_in_slice is ue(v), and ue(v) 0 is the single bit 1 (H.264
// §7.3.3); for H.265 it is first_slice_segment_in_pic_flag (§7.3.6.1).
func firstSliceOfPicture(n []byte, hevc bool) bool {
	h := nalHeader(n)
	if hevc {
		return len(h) > 2 && h[2]&0x80 != 0
	}
	return len(h) > 1 && h[1]&0x80 != 0
}

// splitAccessUnits groups NAL units into access units: a new one begins at
// a parameter set, AUD or prefix SEI that follows a slice, or at the first
// slice of a picture that follows a slice (H.264 §7.4.1.2.3, H.265
// §7.4.2.4.4). Enough for encoder output without data partitioning.
func splitAccessUnits(nals [][]byte, hevc bool) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	prevVCL := false // the last NAL unit that was not a suffix was a slice
	for _, n := range nals {
		t := nalType(n, hevc)
		startsAU := false
		switch {
		case isVCL(t, hevc):
			startsAU = prevVCL && firstSliceOfPicture(n, hevc)
			prevVCL = true
		case hevc && (t >= 32 && t <= 35 || t == 39), !hevc && (t >= 6 && t <= 9 || t >= 14 && t <= 18):
			startsAU = prevVCL
			prevVCL = false
		}
		if startsAU && len(cur) > 0 {
			aus = append(aus, cur)
			cur = nil
		}
		cur = append(cur, n)
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
}

// splitADTS cuts ADTS frames (ISO/IEC 13818-7 §6.2: 12-bit syncword,
// 13-bit aac_frame_length counting the header).
func splitADTS(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 7 || b[0] != 0xff || b[1]&0xf0 != 0xf0 {
			return nil, fmt.Errorf("no ADTS syncword at frame %d", len(out))
		}
		n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5])>>5
		if n < 7 || n > len(b) {
			return nil, fmt.Errorf("bad ADTS frame length %d at frame %d", n, len(out))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out, nil
}

// splitJPEG cuts concatenated JPEG files at their EOI markers. The entropy
// coded data cannot hold 0xFFD9 (T.81 §B.1.1.5 byte stuffing).
func splitJPEG(b []byte) [][]byte {
	var out [][]byte
	for {
		s := bytes.Index(b, []byte{0xff, 0xd8})
		if s < 0 {
			return out
		}
		e := bytes.Index(b[s:], []byte{0xff, 0xd9})
		if e < 0 {
			return out
		}
		out = append(out, b[s:s+e+2])
		b = b[s+e+2:]
	}
}
