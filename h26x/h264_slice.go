package h26x

import "fmt"

// H264PPS holds the fields of an H.264 picture parameter set (§7.3.2.2) that
// slice headers depend on.
type H264PPS struct {
	ID                                uint32 // pic_parameter_set_id, 0..255
	SPSID                             uint32 // seq_parameter_set_id, 0..31
	EntropyCodingMode                 bool   // true: CABAC
	BottomFieldPicOrderInFramePresent bool
	NumSliceGroups                    uint32 // 1..8; more than one only in Baseline/Extended
	RedundantPicCntPresent            bool
}

// ParseH264PPS parses an H.264 PPS NAL unit as far as
// redundant_pic_cnt_present_flag. Errors wrap ErrWrongNALType,
// ErrBitstreamEnd, ErrExpGolombOverflow or ErrParamOutOfRange.
func ParseH264PPS(nal []byte) (H264PPS, error) {
	var p H264PPS
	if H264Type(nal) != H264NALPPS {
		return p, fmt.Errorf("%w: %d, want PPS (8)", ErrWrongNALType, H264Type(nal))
	}
	var scratch [rbspScratch]byte
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], nal[1:])}
	p.ID = r.ueMax(sePicParameterSetId, 255)
	p.SPSID = r.ueMax(seSeqParameterSetId, 31)
	p.EntropyCodingMode = r.flag()
	p.BottomFieldPicOrderInFramePresent = r.flag()
	p.NumSliceGroups = r.ueMax(seNumSliceGroupsMinus1, 7) + 1
	if p.NumSliceGroups > 1 && !r.failed() {
		skipH264SliceGroups(&r, p.NumSliceGroups)
	}
	r.ueMax(seNumRefIdxL0DefaultActiveMinus1, 31)
	r.ueMax(seNumRefIdxL1DefaultActiveMinus1, 31)
	r.flag() // weighted_pred_flag
	r.u(2)   // weighted_bipred_idc
	r.se()   // pic_init_qp_minus26
	r.se()   // pic_init_qs_minus26
	r.se()   // chroma_qp_index_offset
	r.flag() // deblocking_filter_control_present_flag
	r.flag() // constrained_intra_pred_flag
	p.RedundantPicCntPresent = r.flag()
	if r.failed() {
		return H264PPS{}, fmt.Errorf("h26x: H.264 PPS: %w", r.Err())
	}
	return p, nil
}

// skipH264SliceGroups reads past the slice group map fields of a PPS with
// more than one slice group (§7.3.2.2).
func skipH264SliceGroups(r *BitReader, groups uint32) {
	mapType := r.ueMax(seSliceGroupMapType, 6)
	switch mapType {
	case 0:
		for i := uint32(0); i < groups && !r.failed(); i++ {
			r.ue() // run_length_minus1[i]
		}
	case 2:
		for i := uint32(0); i+1 < groups && !r.failed(); i++ {
			r.ue() // top_left[i]
			r.ue() // bottom_right[i]
		}
	case 3, 4, 5:
		r.flag() // slice_group_change_direction_flag
		r.ue()   // slice_group_change_rate_minus1
	case 6:
		units := uint64(r.ue()) + 1 // pic_size_in_map_units_minus1 + 1
		bits := uint64(0)           // Ceil(Log2(num_slice_groups_minus1 + 1))
		for 1<<bits < groups {
			bits++
		}
		// Check against the data present before skipping, so that a huge
		// count fails at once instead of looping.
		if units*bits > uint64(r.BitsLeft()) {
			r.fail(readFault{kind: faultEnd})
			return
		}
		r.Skip(int(units * bits))
	}
}

// H264SliceType is slice_type modulo 5 (§7.4.3, Table 7-6); values 5 to 9
// in the bitstream mean the same types and promise that every slice of the
// picture has that type.
type H264SliceType uint8

// H.264 slice types.
const (
	H264SliceP  H264SliceType = 0
	H264SliceB  H264SliceType = 1
	H264SliceI  H264SliceType = 2
	H264SliceSP H264SliceType = 3
	H264SliceSI H264SliceType = 4
)

// String returns the type's name from Table 7-6.
func (t H264SliceType) String() string {
	switch t {
	case H264SliceP:
		return "P"
	case H264SliceB:
		return "B"
	case H264SliceI:
		return "I"
	case H264SliceSP:
		return "SP"
	case H264SliceSI:
		return "SI"
	}
	return fmt.Sprintf("H264SliceType(%d)", uint8(t))
}

// H264SliceHeader holds the leading slice header fields (§7.3.3) up to
// redundant_pic_cnt: the ones §7.4.1.2.4 compares to find the first slice
// of a new primary coded picture.
type H264SliceHeader struct {
	NALRefIDC uint8 // nal_ref_idc from the NAL unit header
	IDR       bool  // nal_unit_type 5

	FirstMB   uint32        // first_mb_in_slice
	SliceType H264SliceType // slice_type % 5
	PPSID     uint32        // pic_parameter_set_id

	// Full reports whether the fields below were parsed, which needs the
	// SPS and PPS the slice refers to.
	Full                   bool
	ColourPlaneID          uint8
	FrameNum               uint32
	FieldPic, BottomField  bool
	IDRPicID               uint32
	PicOrderCntLsb         uint32
	DeltaPicOrderCntBottom int32
	DeltaPicOrderCnt       [2]int32
	RedundantPicCnt        uint32
}

// h264SliceHeaderBytes bounds how much of a slice is unescaped to parse its
// header: the fields up to redundant_pic_cnt take at most 9 exp-Golomb
// codes of up to 63 bits and 3 fixed fields of up to 16 bits.
const h264SliceHeaderBytes = 96

// ParseH264SliceHeader parses the start of the slice header of an H.264
// coded slice NAL unit (types 1, 2 and 5). With sps or pps nil it stops
// after pic_parameter_set_id and Full is false; otherwise pps must be the
// PPS the slice names and sps the SPS that pps names. Errors wrap
// ErrWrongNALType, ErrBitstreamEnd, ErrExpGolombOverflow or
// ErrParamOutOfRange.
func ParseH264SliceHeader(nal []byte, sps *H264SPS, pps *H264PPS) (H264SliceHeader, error) {
	var h H264SliceHeader
	t := H264Type(nal)
	if t != H264NALSlice && t != H264NALSliceDPA && t != H264NALIDR {
		return h, fmt.Errorf("%w: %d, want a slice (1, 2 or 5)", ErrWrongNALType, t)
	}
	h.NALRefIDC = nal[0] >> 5 & 3
	h.IDR = t == H264NALIDR
	var scratch [h264SliceHeaderBytes]byte
	src := nal[1:]
	if len(src) > len(scratch) {
		src = src[:len(scratch)]
	}
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], src)}
	h.FirstMB = r.ue()
	h.SliceType = H264SliceType(r.ueMax(seSliceType, 9) % 5)
	h.PPSID = r.ueMax(sePicParameterSetId, 255)
	if r.failed() || sps == nil || pps == nil {
		if r.failed() {
			return H264SliceHeader{}, fmt.Errorf("h26x: H.264 slice header: %w", r.Err())
		}
		return h, nil
	}
	if pps.ID != h.PPSID || pps.SPSID != sps.ID {
		return h, fmt.Errorf("%w: slice names PPS %d, given PPS %d for SPS %d and SPS %d",
			ErrParamOutOfRange, h.PPSID, pps.ID, pps.SPSID, sps.ID)
	}
	if sps.SeparateColourPlane {
		h.ColourPlaneID = uint8(r.u(2))
	}
	h.FrameNum = r.u(int(sps.Log2MaxFrameNum))
	if !sps.FrameMbsOnly {
		h.FieldPic = r.flag()
		if h.FieldPic {
			h.BottomField = r.flag()
		}
	}
	if h.IDR {
		h.IDRPicID = r.ueMax(seIdrPicId, 65535)
	}
	bottomDelta := pps.BottomFieldPicOrderInFramePresent && !h.FieldPic
	switch {
	case sps.PicOrderCntType == 0:
		h.PicOrderCntLsb = r.u(int(sps.Log2MaxPicOrderCntLsb))
		if bottomDelta {
			h.DeltaPicOrderCntBottom = r.se()
		}
	case sps.PicOrderCntType == 1 && !sps.DeltaPicOrderAlwaysZero:
		h.DeltaPicOrderCnt[0] = r.se()
		if bottomDelta {
			h.DeltaPicOrderCnt[1] = r.se()
		}
	}
	if pps.RedundantPicCntPresent {
		h.RedundantPicCnt = r.ueMax(seRedundantPicCnt, 127)
	}
	if r.failed() {
		return H264SliceHeader{}, fmt.Errorf("h26x: H.264 slice header: %w", r.Err())
	}
	h.Full = true
	return h, nil
}

// H264SliceFirstMB returns first_mb_in_slice of an H.264 coded slice NAL
// unit (types 1, 2 and 5): 0 for the first slice of a picture when slices
// come in order.
func H264SliceFirstMB(nal []byte) (uint32, error) {
	h, err := ParseH264SliceHeader(nal, nil, nil)
	return h.FirstMB, err
}

// newPicture reports whether slice h, following slice prev in decoding
// order, is the first VCL NAL unit of a new primary coded picture
// (§7.4.1.2.4). Fields that need the parameter sets are compared only when
// both headers have them. A slice with first_mb_in_slice 0 is taken to
// start a picture too, which handles streams whose parameter sets are
// unknown but does not support arbitrary slice order (ASO, Baseline only).
func (h *H264SliceHeader) newPicture(prev *H264SliceHeader) bool {
	if h.Full && h.RedundantPicCnt > 0 {
		return false // a redundant coded picture belongs to the primary's access unit
	}
	if h.FirstMB == 0 || h.PPSID != prev.PPSID || h.IDR != prev.IDR ||
		(h.NALRefIDC == 0) != (prev.NALRefIDC == 0) {
		return true
	}
	if !h.Full || !prev.Full {
		return false
	}
	return h.FrameNum != prev.FrameNum ||
		h.FieldPic != prev.FieldPic ||
		(h.FieldPic && h.BottomField != prev.BottomField) ||
		h.PicOrderCntLsb != prev.PicOrderCntLsb ||
		h.DeltaPicOrderCntBottom != prev.DeltaPicOrderCntBottom ||
		h.DeltaPicOrderCnt != prev.DeltaPicOrderCnt ||
		(h.IDR && h.IDRPicID != prev.IDRPicID)
}
