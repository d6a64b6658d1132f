package h26x

import (
	"fmt"
	"math/bits"
)

// H265PPS holds the fields at the start of an H.265 picture parameter set
// (§7.3.2.3.1) that the slice segment header depends on as far as
// slice_pic_order_cnt_lsb.
type H265PPS struct {
	ID                            uint32 // pps_pic_parameter_set_id, 0..63
	SPSID                         uint32 // pps_seq_parameter_set_id, 0..15
	DependentSliceSegmentsEnabled bool
	OutputFlagPresent             bool
	NumExtraSliceHeaderBits       uint8 // 0..7
}

// ParseH265PPS parses an H.265 PPS NAL unit as far as
// num_extra_slice_header_bits. Errors wrap ErrWrongNALType, ErrBitstreamEnd,
// ErrExpGolombOverflow or ErrParamOutOfRange.
func ParseH265PPS(nal []byte) (H265PPS, error) {
	var p H265PPS
	if H265Type(nal) != H265NALPPS {
		return p, fmt.Errorf("%w: %d, want PPS (34)", ErrWrongNALType, H265Type(nal))
	}
	var scratch [16]byte
	src := nal[h265NALHeaderSize:]
	if len(src) > len(scratch) {
		src = src[:len(scratch)] // enough for the fields read, unless an ID is out of range
	}
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], src)}
	p.ID = r.ueMax(sePicParameterSetId, 63)
	p.SPSID = r.ueMax(seSpsSeqParameterSetId, 15)
	p.DependentSliceSegmentsEnabled = r.flag()
	p.OutputFlagPresent = r.flag()
	p.NumExtraSliceHeaderBits = uint8(r.u(3))
	if r.failed() {
		return H265PPS{}, fmt.Errorf("h26x: H.265 PPS: %w", r.Err())
	}
	return p, nil
}

// H265SliceType is slice_type of an H.265 slice segment header (Table 7-7).
type H265SliceType uint8

// H.265 slice types.
const (
	H265SliceB H265SliceType = 0
	H265SliceP H265SliceType = 1
	H265SliceI H265SliceType = 2
)

// String returns the type's name from Table 7-7.
func (t H265SliceType) String() string {
	switch t {
	case H265SliceB:
		return "B"
	case H265SliceP:
		return "P"
	case H265SliceI:
		return "I"
	}
	return fmt.Sprintf("H265SliceType(%d)", uint8(t))
}

// H265SliceHeader holds the leading fields of an H.265 slice segment header
// (§7.3.6.1) up to slice_pic_order_cnt_lsb, with the NAL unit header fields
// the picture order count depends on.
type H265SliceHeader struct {
	NALType    H265NALType
	TemporalID uint8

	FirstSliceSegmentInPic bool
	NoOutputOfPriorPics    bool // IRAP pictures only
	PPSID                  uint32

	// Full reports whether the fields below were parsed, which needs the
	// SPS and PPS the segment refers to.
	Full bool
	// Dependent reports a dependent slice segment, whose slice header
	// fields are those of the slice it continues: the fields after
	// SegmentAddress are then zero.
	Dependent      bool
	SegmentAddress uint32
	SliceType      H265SliceType
	PicOutput      bool // pic_output_flag, true when absent
	ColourPlaneID  uint8
	PicOrderCntLsb uint32 // 0 for IDR pictures, which do not carry it
}

// h265SliceHeaderBytes bounds how much of a slice segment is unescaped to
// parse its header up to slice_pic_order_cnt_lsb: at most 3 exp-Golomb
// codes and about 40 bits of fixed fields.
const h265SliceHeaderBytes = 64

// ParseH265SliceHeader parses the start of the slice segment header of an
// H.265 VCL NAL unit (types 0 to 31). With sps or pps nil it stops after
// slice_pic_parameter_set_id and Full is false; otherwise pps must be the
// PPS the segment names and sps the SPS that pps names. Errors wrap
// ErrWrongNALType, ErrBitstreamEnd, ErrExpGolombOverflow or
// ErrParamOutOfRange.
func ParseH265SliceHeader(nal []byte, sps *H265SPS, pps *H265PPS) (H265SliceHeader, error) {
	var h H265SliceHeader
	t := H265Type(nal)
	if len(nal) < h265NALHeaderSize || !t.IsVCL() {
		return h, fmt.Errorf("%w: %d, want a slice segment (0 to 31)", ErrWrongNALType, t)
	}
	h.NALType, h.TemporalID = t, H265TemporalID(nal)
	var scratch [h265SliceHeaderBytes]byte
	src := nal[h265NALHeaderSize:]
	if len(src) > len(scratch) {
		src = src[:len(scratch)]
	}
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], src)}
	h.FirstSliceSegmentInPic = r.flag()
	if t.IsIRAP() {
		h.NoOutputOfPriorPics = r.flag()
	}
	h.PPSID = r.ueMax(seSlicePicParameterSetId, 63)
	if r.failed() {
		return H265SliceHeader{}, fmt.Errorf("h26x: H.265 slice segment header: %w", r.Err())
	}
	if sps == nil || pps == nil {
		return h, nil
	}
	if pps.ID != h.PPSID || pps.SPSID != sps.ID {
		return h, fmt.Errorf("%w: slice segment names PPS %d, given PPS %d for SPS %d and SPS %d",
			ErrParamOutOfRange, h.PPSID, pps.ID, pps.SPSID, sps.ID)
	}
	if !h.FirstSliceSegmentInPic {
		if pps.DependentSliceSegmentsEnabled {
			h.Dependent = r.flag()
		}
		n, err := h265SegmentAddressBits(sps)
		if err != nil {
			return h, err
		}
		h.SegmentAddress = r.u(n)
	}
	h.PicOutput = true
	if !h.Dependent {
		r.Skip(int(pps.NumExtraSliceHeaderBits)) // slice_reserved_flag[i]
		typ := r.ueMax(seH265SliceType, 2)
		h.SliceType = H265SliceType(typ)
		if pps.OutputFlagPresent {
			h.PicOutput = r.flag()
		}
		if sps.SeparateColourPlane {
			h.ColourPlaneID = uint8(r.u(2))
		}
		if t != H265NALIDRWRADL && t != H265NALIDRNLP {
			h.PicOrderCntLsb = r.u(int(sps.Log2MaxPicOrderCntLsb))
		}
	}
	if r.failed() {
		return H265SliceHeader{}, fmt.Errorf("h26x: H.265 slice segment header: %w", r.Err())
	}
	h.Full = true
	return h, nil
}

// h265SegmentAddressBits is the length of slice_segment_address,
// Ceil(Log2(PicSizeInCtbsY)) (§7.4.7.1).
func h265SegmentAddressBits(sps *H265SPS) (int, error) {
	if sps.Log2CtbSize < 3 || sps.PicWidth == 0 || sps.PicHeight == 0 {
		return 0, fmt.Errorf("%w: H.265 SPS without a valid coding tree block size", ErrParamOutOfRange)
	}
	ctb := uint32(1) << sps.Log2CtbSize
	w := (sps.PicWidth + ctb - 1) / ctb
	h := (sps.PicHeight + ctb - 1) / ctb
	size := w * h
	return bits.Len32(size - 1), nil
}
