// Package media loads the benchmark input: an Annex-B H.264 or H.265 file,
// split into access units once, before any timing starts.
package media

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/rtspkit/rtspkit/h26x"
)

// AU is one access unit of the input.
type AU struct {
	// NALs are the NAL units without start codes (aliasing the file).
	NALs [][]byte
	// AnnexB is the same access unit with 4-byte start codes, as an
	// encoder hands it to a server.
	AnnexB []byte
	// Key is true for an IDR (H.264) or IRAP (H.265) access unit.
	Key bool
}

// Stream is a whole input file.
type Stream struct {
	HEVC bool
	AUs  []AU
	// NALBytes is the sum of the NAL unit sizes: the throughput unit of
	// the micro benchmarks (SetBytes).
	NALBytes int64
	// VPS, SPS and PPS are the first parameter sets of the stream (VPS
	// only for H.265), for the peers that want them in their SDP.
	VPS, SPS, PPS []byte
}

// IsHEVC guesses the codec from the file name: .h265/.hevc/.265 is H.265,
// anything else H.264.
func IsHEVC(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".h265") || strings.HasSuffix(p, ".hevc") || strings.HasSuffix(p, ".265")
}

// Load reads and splits path.
func Load(path string, hevc bool) (*Stream, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Split(data, hevc)
}

// Split splits Annex-B data into access units.
func Split(data []byte, hevc bool) (*Stream, error) {
	var det h26x.AUDetector = new(h26x.H264AUDetector)
	if hevc {
		det = new(h26x.H265AUDetector)
	}
	sp := h26x.AccessUnitSplitter{Detector: det}
	st := &Stream{HEVC: hevc}
	add := func(nals [][]byte) {
		au := AU{NALs: append([][]byte(nil), nals...)}
		au.AnnexB = h26x.AppendAnnexB(nil, au.NALs...)
		for _, n := range au.NALs {
			st.NALBytes += int64(len(n))
			st.param(n)
			if hevc {
				au.Key = au.Key || h26x.H265Type(n).IsIRAP()
			} else {
				au.Key = au.Key || h26x.H264Type(n) == h26x.H264NALIDR
			}
		}
		st.AUs = append(st.AUs, au)
	}
	var buf [][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		var ok bool
		buf, ok = sp.Push(buf[:0], nal)
		if ok {
			add(buf)
		}
	}
	if au, ok := sp.Flush(buf[:0]); ok {
		add(au)
	}
	if len(st.AUs) == 0 {
		return nil, errors.New("media: no access unit in the input")
	}
	if !st.AUs[0].Key {
		return nil, fmt.Errorf("media: the input does not start with a keyframe")
	}
	if st.SPS == nil || st.PPS == nil || (hevc && st.VPS == nil) {
		return nil, fmt.Errorf("media: parameter sets missing")
	}
	return st, nil
}

func (st *Stream) param(n []byte) {
	keep := func(dst *[]byte) {
		if *dst == nil {
			*dst = append([]byte(nil), n...)
		}
	}
	if st.HEVC {
		switch h26x.H265Type(n) {
		case h26x.H265NALVPS:
			keep(&st.VPS)
		case h26x.H265NALSPS:
			keep(&st.SPS)
		case h26x.H265NALPPS:
			keep(&st.PPS)
		}
		return
	}
	switch h26x.H264Type(n) {
	case h26x.H264NALSPS:
		keep(&st.SPS)
	case h26x.H264NALPPS:
		keep(&st.PPS)
	}
}
