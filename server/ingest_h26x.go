package server

import (
	"bytes"
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
)

// h26xIngest turns Annex-B bytes, chunked however the encoder likes, into
// frames of RTP packets for one H.264 or H.265 track.
//
// Access units are found with the h26x detectors (AUD, parameter sets and
// SEI after a slice, first_mb_in_slice / first_slice_segment_in_pic_flag).
// Waiting for the next access unit to begin before sending one would add a
// whole frame of latency, so a picture is also sent as soon as it holds as
// many slices as the previous picture had (one, for most cameras): its last
// packet carries the marker bit and it goes out at once. Should more slices
// of the same picture follow after all, they go out as a continuation with
// the same RTP timestamp, and the next picture's count is adjusted.
//
// Parameter sets are cached; an IDR/IRAP access unit that arrives without
// them gets the cached ones put in front, so every keyframe is decodable on
// its own.
type h26xIngest struct {
	hevc bool
	d264 h26x.H264AUDetector
	d265 h26x.H265AUDetector
	p    format.Packetizer // the codec's, from the format layer
	unit format.Frame      // what p is handed (NALUs, Marker)
	max  int               // largest access unit in bytes

	vps, sps, pps []byte        // latest parameter sets, owned copies
	frameDur      time.Duration // one picture at the SPS frame rate, 0 unknown
	width, height int           // the SPS's picture size, 0 unknown

	cur          *frame // the part of the current access unit not yet sent
	spans        []span // its NAL units, as offsets into cur.data
	auOpen       bool   // an access unit has begun
	auSkip       bool   // the current access unit is being dropped
	auTS         uint32
	auBytes      int
	auVCL        int  // VCL NAL units of the access unit so far
	auParams     bool // the access unit carries its own parameter sets
	auSentKey    bool // a part of it holding the keyframe was sent
	slicesPerPic int  // VCL NAL units of the previous picture; 0: unknown
	nals         [][]byte
}

type span struct{ off, n int }

// newH26xIngest returns the ingest of an H.264 (or, with hevc, H.265)
// session, packetizing through the format layer.
func newH26xIngest(hevc bool, cfg *Config) *h26xIngest {
	in := &h26xIngest{hevc: hevc, max: cfg.MaxFrameSize}
	f := format.NewH264(h26xPayloadType, nil, nil)
	if hevc {
		f = format.NewH265(h26xPayloadType, nil, nil, nil)
	}
	in.p, _ = f.NewPacketizer(cfg.MaxPacketSize) // cannot fail for H.26x
	return in
}

// h26xPayloadType is the dynamic payload type of H.264 and H.265 video.
const h26xPayloadType = 96

// format is the track's format for the SDP: with the cached parameter
// sets once the stream has sent them (RFC 6184 §8.1, RFC 7798 §7.1).
func (in *h26xIngest) format() (format.Format, error) {
	if in.hevc {
		if !in.haveParams() {
			return format.NewH265(h26xPayloadType, nil, nil, nil), nil
		}
		return format.NewH265(h26xPayloadType, in.vps, in.sps, in.pps), nil
	}
	if !in.haveParams() {
		return format.NewH264(h26xPayloadType, nil, nil), nil
	}
	return format.NewH264(h26xPayloadType, in.sps, in.pps), nil
}

func (in *h26xIngest) startsNewAU(nal []byte) bool {
	if in.hevc {
		return in.d265.StartsNewAU(nal)
	}
	return in.d264.StartsNewAU(nal)
}

func (in *h26xIngest) isVCL(nal []byte) bool {
	if in.hevc {
		return h26x.H265Type(nal).IsVCL()
	}
	return h26x.H264Type(nal).IsVCL()
}

func (in *h26xIngest) isKey(nal []byte) bool {
	if in.hevc {
		return h26x.H265Type(nal).IsIRAP()
	}
	return h26x.H264Type(nal) == h26x.H264NALIDR
}

// paramSlot returns where nal is cached when it is a parameter set.
func (in *h26xIngest) paramSlot(nal []byte) *[]byte {
	if in.hevc {
		switch h26x.H265Type(nal) {
		case h26x.H265NALVPS:
			return &in.vps
		case h26x.H265NALSPS:
			return &in.sps
		case h26x.H265NALPPS:
			return &in.pps
		}
		return nil
	}
	switch h26x.H264Type(nal) {
	case h26x.H264NALSPS:
		return &in.sps
	case h26x.H264NALPPS:
		return &in.pps
	}
	return nil
}

// invalid says why a NAL unit cannot be part of this codec's stream, or "".
// Parameter sets must parse: a cached broken SPS would break every keyframe
// that follows.
func (in *h26xIngest) invalid(nal []byte) string {
	if nal[0]&0x80 != 0 {
		return "forbidden_zero_bit set"
	}
	if in.hevc {
		if len(nal) < 3 {
			return "NAL unit shorter than its header"
		}
		t := h26x.H265Type(nal)
		switch {
		case t > h26x.H265NALSuffixSEI:
			return fmt.Sprintf("H.265 NAL unit type %d is reserved or unspecified", t)
		case nal[1]&0x07 == 0:
			return "nuh_temporal_id_plus1 is 0"
		case h26x.H265LayerID(nal) != 0:
			// Layered (scalable, multiview) streams are not carried;
			// H.264 data read as H.265 usually lands here.
			return "nuh_layer_id is not 0"
		case t == h26x.H265NALVPS:
			if _, err := h26x.ParseH265VPS(nal); err != nil {
				return "bad VPS: " + err.Error()
			}
		case t == h26x.H265NALSPS:
			if _, err := h26x.ParseH265SPS(nal); err != nil {
				return "bad SPS: " + err.Error()
			}
		}
		return ""
	}
	t := h26x.H264Type(nal)
	switch {
	case t == 0 || t >= h26x.H264NALSTAPA:
		return fmt.Sprintf("H.264 NAL unit type %d is unspecified", t)
	case t == h26x.H264NALSPS:
		if _, err := h26x.ParseH264SPS(nal); err != nil {
			return "bad SPS: " + err.Error()
		}
	case t == h26x.H264NALPPS:
		// A PPS is small (scaling lists keep it under 1 KB); it must parse,
		// name a known SPS, and use no slice groups or redundant pictures,
		// which only Baseline/Extended streams may (A.2): anything else is
		// more likely another codec's data than a real PPS.
		if len(nal) > maxH264PPSSize {
			return fmt.Sprintf("PPS of %d bytes", len(nal))
		}
		pps, err := h26x.ParseH264PPS(nal)
		if err != nil {
			return "bad PPS: " + err.Error()
		}
		if pps.NumSliceGroups > 1 || pps.RedundantPicCntPresent {
			return "PPS with slice groups or redundant pictures"
		}
		if in.sps != nil {
			if sps, err := h26x.ParseH264SPS(in.sps); err == nil && sps.ID != pps.SPSID {
				return fmt.Sprintf("PPS refers to SPS %d, not the stream's %d", pps.SPSID, sps.ID)
			}
		}
	}
	return ""
}

// maxH264PPSSize bounds a plausible PPS (8x8 scaling lists included).
const maxH264PPSSize = 1024

// haveParams reports whether every parameter set the SDP needs is cached.
func (in *h26xIngest) haveParams() bool {
	if in.hevc {
		return in.vps != nil && in.sps != nil && in.pps != nil
	}
	return in.sps != nil && in.pps != nil
}

func (in *h26xIngest) params() [][]byte {
	if in.hevc {
		return [][]byte{in.vps, in.sps, in.pps}
	}
	return [][]byte{in.sps, in.pps}
}

// push consumes one call's worth of Annex-B data.
func (in *h26xIngest) push(t *track, data []byte, m *mount) error {
	if !h26x.HasStartCode(data) {
		return fmt.Errorf("%w: no Annex-B start code in %d bytes", ErrBadMedia, len(data))
	}
	var err error
	for nal, rest := h26x.NextNAL(data); nal != nil; nal, rest = h26x.NextNAL(rest) {
		if bad := in.invalid(nal); bad != "" {
			// Not this codec's data (or damaged): leave it out, so that
			// it neither reaches a decoder nor replaces a cached
			// parameter set; the stream goes on with the next good unit.
			err = fmt.Errorf("%w: %s", ErrBadMedia, bad)
			continue
		}
		if in.startsNewAU(nal) {
			in.endAU(t, m)
			in.auOpen, in.auSkip = true, false
			in.auTS = m.videoStamp(t)
			in.auBytes, in.auVCL = 0, 0
			in.auParams, in.auSentKey = false, false
		} else if !in.auOpen {
			continue // cannot happen: the first NAL unit always starts one
		}
		if slot := in.paramSlot(nal); slot != nil {
			if slot == &in.sps && !bytes.Equal(in.sps, nal) {
				in.frameDur, in.width, in.height = in.spsInfo(nal)
			}
			*slot = append((*slot)[:0], nal...)
			in.auParams = true
		}
		if in.auSkip {
			continue
		}
		in.auBytes += len(nal)
		if in.auBytes > in.max {
			in.dropCurrent()
			err = fmt.Errorf("%w: access unit over %d bytes", ErrMediaTooLarge, in.max)
			continue
		}
		if in.cur == nil {
			in.cur = m.frames.get(t.index)
			in.spans = in.spans[:0]
		}
		in.spans = append(in.spans, span{len(in.cur.data), len(nal)})
		in.cur.data = append(in.cur.data, nal...)
		if in.isVCL(nal) {
			in.auVCL++
			if in.isKey(nal) {
				in.cur.key = true
			}
		}
	}
	// Send the picture now if it looks complete (see the type's comment).
	// Until one picture has been seen whole, the count is unknown and the
	// picture waits for the next access unit to begin.
	if in.cur != nil && in.slicesPerPic > 0 && in.auVCL >= in.slicesPerPic {
		in.flush(t, true, m)
	}
	return err
}

// endAU sends what is left of the current access unit, which has just ended.
func (in *h26xIngest) endAU(t *track, m *mount) {
	if !in.auOpen {
		return
	}
	if in.cur != nil {
		if in.auVCL > 0 || in.auSentKey {
			in.flush(t, true, m)
		}
		// A unit with no picture at all (parameter sets alone) is kept
		// only in the cache; the next keyframe carries them.
		if in.cur != nil {
			in.cur.release()
			in.cur = nil
		}
	}
	if in.auVCL > 0 {
		in.slicesPerPic = in.auVCL
	}
}

func (in *h26xIngest) dropCurrent() {
	if in.cur != nil {
		in.cur.release()
		in.cur = nil
	}
	in.auSkip = true
}

// flush packetizes the pending part of the access unit and emits it.
func (in *h26xIngest) flush(t *track, endOfAU bool, m *mount) {
	f := in.cur
	in.cur = nil
	in.nals = in.nals[:0]
	if f.key && !in.auParams && in.haveParams() {
		// An IDR without in-band parameter sets: put the cached ones first.
		base := len(f.data)
		for _, p := range in.params() {
			f.data = append(f.data, p...)
		}
		off := base
		for _, p := range in.params() {
			in.nals = append(in.nals, f.data[off:off+len(p)])
			off += len(p)
		}
	}
	for _, s := range in.spans {
		in.nals = append(in.nals, f.data[s.off:s.off+s.n])
	}
	in.unit.NALUs, in.unit.Marker = in.nals, endOfAU
	err := in.p.Packetize(&f.batch, &t.stream, in.auTS, &in.unit)
	in.unit.NALUs = nil
	if err != nil || f.batch.Len() == 0 {
		f.release()
		return
	}
	if f.key {
		in.auSentKey = true
	}
	f.ts = in.auTS
	f.seal()
	m.publish(f)
}

// spsInfo reads the frame rate an SPS's VUI gives, as a duration (0 when
// it gives none), and the picture size.
func (in *h26xIngest) spsInfo(sps []byte) (dur time.Duration, width, height int) {
	var fps float64
	if in.hevc {
		if s, err := h26x.ParseH265SPS(sps); err == nil {
			fps, width, height = s.FrameRate(), s.Width, s.Height
		}
	} else if s, err := h26x.ParseH264SPS(sps); err == nil {
		fps, width, height = s.FrameRate(), s.Width, s.Height
	}
	if fps >= 1 && fps <= 1000 {
		dur = time.Duration(float64(time.Second) / fps)
	}
	return dur, width, height
}

func (in *h26xIngest) frameDuration() time.Duration { return in.frameDur }

func (in *h26xIngest) size() (width, height int) { return in.width, in.height }

// ready reports whether the parameter sets for the SDP are known.
func (in *h26xIngest) ready() bool { return in.haveParams() }

// close releases the pending access unit.
func (in *h26xIngest) close() {
	if in.cur != nil {
		in.cur.release()
		in.cur = nil
	}
}
