package h26x

import (
	"errors"
	"fmt"
)

// Errors of the bit reader and of the parsers built on it.
var (
	// ErrBitstreamEnd means a syntax element ran past the end of the RBSP:
	// the NAL unit is truncated or corrupt.
	ErrBitstreamEnd = errors.New("h26x: bitstream ended early")
	// ErrExpGolombOverflow means an ue(v) code had more than 31 leading
	// zero bits, so its value does not fit in 32 bits (H.264 §9.1).
	ErrExpGolombOverflow = errors.New("h26x: exp-Golomb code longer than 32 bits")
	// ErrBitCount means ReadBits was asked for more than 32 bits.
	ErrBitCount = errors.New("h26x: bit count out of range")
	// ErrParamOutOfRange means a syntax element holds a value the
	// specification does not allow (or one this package cannot represent).
	ErrParamOutOfRange = errors.New("h26x: syntax element out of range")
	// ErrWrongNALType means a parser was given a NAL unit of another type,
	// for example a PPS to ParseH264SPS.
	ErrWrongNALType = errors.New("h26x: wrong NAL unit type")
)

// BitReader reads the syntax elements of an RBSP (a NAL unit payload after
// RemoveEmulationPrevention): fixed-length u(n) fields most significant bit
// first and the exp-Golomb codes ue(v) and se(v) of H.264 §9.1 / H.265 §9.2.
//
// Errors are sticky: after the first error every read returns it again with
// a zero value, so a parser may read a run of fields and check Err once.
// The reader never reads outside its buffer and never panics.
type BitReader struct {
	buf []byte
	pos int // bit position from the start of buf
	// The first error is kept as plain values, not as an error: an error
	// value read back from the reader would make the compiler assume the
	// buffer escapes too, and move the parsers' stack scratch buffers to
	// the heap.
	fault readFault
}

// readFault records a BitReader's first error.
type readFault struct {
	kind         faultKind
	elem         syntaxElement
	value, limit int64
}

type faultKind uint8

const (
	faultNone faultKind = iota
	faultEnd
	faultGolomb
	faultBitCount
	faultRange
)

func (f readFault) err() error {
	switch f.kind {
	case faultEnd:
		return ErrBitstreamEnd
	case faultGolomb:
		return ErrExpGolombOverflow
	case faultBitCount:
		return fmt.Errorf("%w: %d", ErrBitCount, f.value)
	case faultRange:
		return fmt.Errorf("%w: %s = %d (limit %d)", ErrParamOutOfRange, f.elem, f.value, f.limit)
	}
	return nil
}

// NewBitReader returns a reader over rbsp, positioned at its first bit.
func NewBitReader(rbsp []byte) *BitReader {
	return &BitReader{buf: rbsp}
}

// Reset makes r read rbsp from its first bit and clears any error.
func (r *BitReader) Reset(rbsp []byte) {
	*r = BitReader{buf: rbsp}
}

// Err returns the first error any read met, or nil.
func (r *BitReader) Err() error { return r.fault.err() }

// failed reports whether a read has failed.
func (r *BitReader) failed() bool { return r.fault.kind != faultNone }

// BitsLeft returns how many bits remain unread.
func (r *BitReader) BitsLeft() int { return len(r.buf)*8 - r.pos }

// BitPos returns how many bits have been read or skipped.
func (r *BitReader) BitPos() int { return r.pos }

// fail records f unless an error is already recorded, and returns the
// recorded error.
func (r *BitReader) fail(f readFault) error {
	if r.fault.kind == faultNone {
		r.fault = f
	}
	return r.fault.err()
}

// failRange records that syntax element e holds value, beyond limit.
func (r *BitReader) failRange(e syntaxElement, value, limit int64) {
	r.fail(readFault{kind: faultRange, elem: e, value: value, limit: limit})
}

// ReadBit reads one bit.
func (r *BitReader) ReadBit() (uint32, error) {
	if r.failed() {
		return 0, r.Err()
	}
	if r.pos >= len(r.buf)*8 {
		return 0, r.fail(readFault{kind: faultEnd})
	}
	b := r.buf[r.pos>>3] >> (7 - uint(r.pos&7)) & 1
	r.pos++
	return uint32(b), nil
}

// ReadFlag reads a one-bit flag.
func (r *BitReader) ReadFlag() (bool, error) {
	b, err := r.ReadBit()
	return b == 1, err
}

// ReadBits reads an n-bit unsigned field u(n), 0 <= n <= 32.
func (r *BitReader) ReadBits(n int) (uint32, error) {
	if r.failed() {
		return 0, r.Err()
	}
	if n < 0 || n > 32 {
		return 0, r.fail(readFault{kind: faultBitCount, value: int64(n)})
	}
	if n > r.BitsLeft() {
		r.pos = len(r.buf) * 8
		return 0, r.fail(readFault{kind: faultEnd})
	}
	var v uint64
	for n > 0 {
		off := r.pos & 7
		avail := 8 - off
		take := min(avail, n)
		b := r.buf[r.pos>>3] >> uint(avail-take) & (1<<uint(take) - 1)
		v = v<<uint(take) | uint64(b)
		n -= take
		r.pos += take
	}
	return uint32(v), nil
}

// Skip skips n bits.
func (r *BitReader) Skip(n int) error {
	if r.failed() {
		return r.Err()
	}
	if n < 0 {
		return r.fail(readFault{kind: faultBitCount, value: int64(n)})
	}
	if n > r.BitsLeft() {
		r.pos = len(r.buf) * 8
		return r.fail(readFault{kind: faultEnd})
	}
	r.pos += n
	return nil
}

// ReadUE reads an unsigned exp-Golomb code ue(v): leadingZeroBits zeros, a
// one, then leadingZeroBits bits; the value is 2^leadingZeroBits - 1 plus
// those bits (H.264 §9.1). More than 31 leading zeros is an error, since the
// value would not fit in 32 bits.
func (r *BitReader) ReadUE() (uint32, error) {
	zeros := 0
	for {
		b, err := r.ReadBit()
		if err != nil {
			return 0, err
		}
		if b == 1 {
			break
		}
		zeros++
		if zeros > 31 {
			return 0, r.fail(readFault{kind: faultGolomb})
		}
	}
	if zeros == 0 {
		return 0, nil
	}
	rest, err := r.ReadBits(zeros)
	if err != nil {
		return 0, err
	}
	return uint32(uint64(1)<<uint(zeros) - 1 + uint64(rest)), nil
}

// ReadSE reads a signed exp-Golomb code se(v): the ue(v) code k maps to
// (-1)^(k+1) * Ceil(k/2), so 1, -1, 2, -2... (H.264 §9.1.1).
func (r *BitReader) ReadSE() (int32, error) {
	k, err := r.ReadUE()
	if err != nil {
		return 0, err
	}
	if k&1 == 1 {
		return int32((uint64(k) + 1) / 2), nil
	}
	return -int32(k / 2), nil
}

// The helpers below drop the error, relying on it being sticky: a parser
// reads a group of fields, then checks r.failed() or r.Err() before acting
// on them.

func (r *BitReader) u(n int) uint32 { v, _ := r.ReadBits(n); return v }
func (r *BitReader) flag() bool     { v, _ := r.ReadFlag(); return v }
func (r *BitReader) ue() uint32     { v, _ := r.ReadUE(); return v }
func (r *BitReader) se() int32      { v, _ := r.ReadSE(); return v }

// ueMax reads an ue(v) and records ErrParamOutOfRange, naming syntax
// element e, when it exceeds limit; it then returns 0.
func (r *BitReader) ueMax(e syntaxElement, limit uint32) uint32 {
	v, err := r.ReadUE()
	if err == nil && v > limit {
		r.failRange(e, int64(v), int64(limit))
		return 0
	}
	return v
}

// syntaxElement names a range-checked syntax element in error messages.
type syntaxElement uint8

// Range-checked syntax elements of H.264 and H.265.
const (
	seUnknown syntaxElement = iota
	seSeqParameterSetId
	seChromaFormatIdc
	seBitDepthLumaMinus8
	seBitDepthChromaMinus8
	seLog2MaxFrameNumMinus4
	sePicOrderCntType
	seLog2MaxPicOrderCntLsbMinus4
	seNumRefFramesInPicOrderCntCycle
	sePicWidthInMbsMinus1
	sePicHeightInMapUnitsMinus1
	seDeltaScale
	sePicParameterSetId
	seNumSliceGroupsMinus1
	seSliceGroupMapType
	seNumRefIdxL0DefaultActiveMinus1
	seNumRefIdxL1DefaultActiveMinus1
	seSliceType
	seIdrPicId
	seRedundantPicCnt
	seSpsMaxSubLayersMinus1
	seSpsSeqParameterSetId
	sePicWidthInLumaSamples
	sePicHeightInLumaSamples
	seNumShortTermRefPicSets
	seNumLongTermRefPicsSps
	seAbsDeltaRpsMinus1
	seNumNegativePics
	seNumPositivePics
	seDeltaPocS0Minus1
	seDeltaPocS1Minus1
	seNumDeltaPocs
	seVpsMaxSubLayersMinus1
	seVpsNumLayerSetsMinus1
	seCpbCntMinus1
	seSlicePicParameterSetId
	seH265SliceType
)

var syntaxElementNames = [...]string{
	seUnknown:                        "syntax element",
	seSeqParameterSetId:              "seq_parameter_set_id",
	seChromaFormatIdc:                "chroma_format_idc",
	seBitDepthLumaMinus8:             "bit_depth_luma_minus8",
	seBitDepthChromaMinus8:           "bit_depth_chroma_minus8",
	seLog2MaxFrameNumMinus4:          "log2_max_frame_num_minus4",
	sePicOrderCntType:                "pic_order_cnt_type",
	seLog2MaxPicOrderCntLsbMinus4:    "log2_max_pic_order_cnt_lsb_minus4",
	seNumRefFramesInPicOrderCntCycle: "num_ref_frames_in_pic_order_cnt_cycle",
	sePicWidthInMbsMinus1:            "pic_width_in_mbs_minus1",
	sePicHeightInMapUnitsMinus1:      "pic_height_in_map_units_minus1",
	seDeltaScale:                     "delta_scale",
	sePicParameterSetId:              "pic_parameter_set_id",
	seNumSliceGroupsMinus1:           "num_slice_groups_minus1",
	seSliceGroupMapType:              "slice_group_map_type",
	seNumRefIdxL0DefaultActiveMinus1: "num_ref_idx_l0_default_active_minus1",
	seNumRefIdxL1DefaultActiveMinus1: "num_ref_idx_l1_default_active_minus1",
	seSliceType:                      "slice_type",
	seIdrPicId:                       "idr_pic_id",
	seRedundantPicCnt:                "redundant_pic_cnt",
	seSpsMaxSubLayersMinus1:          "sps_max_sub_layers_minus1",
	seSpsSeqParameterSetId:           "sps_seq_parameter_set_id",
	sePicWidthInLumaSamples:          "pic_width_in_luma_samples",
	sePicHeightInLumaSamples:         "pic_height_in_luma_samples",
	seNumShortTermRefPicSets:         "num_short_term_ref_pic_sets",
	seNumLongTermRefPicsSps:          "num_long_term_ref_pics_sps",
	seAbsDeltaRpsMinus1:              "abs_delta_rps_minus1",
	seNumNegativePics:                "num_negative_pics",
	seNumPositivePics:                "num_positive_pics",
	seDeltaPocS0Minus1:               "delta_poc_s0_minus1",
	seDeltaPocS1Minus1:               "delta_poc_s1_minus1",
	seNumDeltaPocs:                   "NumDeltaPocs",
	seVpsMaxSubLayersMinus1:          "vps_max_sub_layers_minus1",
	seVpsNumLayerSetsMinus1:          "vps_num_layer_sets_minus1",
	seCpbCntMinus1:                   "cpb_cnt_minus1",
	seSlicePicParameterSetId:         "slice_pic_parameter_set_id",
	seH265SliceType:                  "slice_type",
}

// String returns the element's name in the specification.
func (e syntaxElement) String() string {
	if int(e) < len(syntaxElementNames) {
		return syntaxElementNames[e]
	}
	return syntaxElementNames[seUnknown]
}
