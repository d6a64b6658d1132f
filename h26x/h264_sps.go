package h26x

import "fmt"

// H264SPS holds the fields of an H.264 sequence parameter set (ITU-T H.264
// §7.3.2.1.1) that a streaming server needs: profile and level for SDP, the
// picture size, the fields that slice headers depend on, and the frame rate
// hint from the VUI.
type H264SPS struct {
	ProfileIDC uint8 // profile_idc: 66 Baseline, 77 Main, 100 High...
	// ConstraintFlags is the byte after profile_idc: constraint_set0_flag
	// in the most significant bit through constraint_set5_flag, then
	// reserved_zero_2bits (RFC 6184 calls it profile-iop).
	ConstraintFlags uint8
	LevelIDC        uint8  // level_idc: ten times the level (31 = level 3.1)
	ID              uint32 // seq_parameter_set_id, 0..31

	ChromaFormatIDC     uint32 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 when absent)
	SeparateColourPlane bool   // 4:4:4 coded as three monochrome planes
	BitDepthLuma        uint32 // 8..14
	BitDepthChroma      uint32 // 8..14

	Log2MaxFrameNum         uint32 // bits of frame_num in slice headers
	PicOrderCntType         uint32 // 0, 1 or 2
	Log2MaxPicOrderCntLsb   uint32 // bits of pic_order_cnt_lsb (type 0)
	DeltaPicOrderAlwaysZero bool   // type 1: no delta_pic_order_cnt in slices
	MaxNumRefFrames         uint32

	PicWidthInMbs        uint32 // width in 16x16 macroblocks
	PicHeightInMapUnits  uint32 // height in slice group map units
	FrameMbsOnly         bool   // false: fields or MBAFF may occur
	MbAdaptiveFrameField bool
	// Frame cropping offsets as coded, in crop units (see Width).
	CropLeft, CropRight, CropTop, CropBottom uint32

	// Width and Height are the picture size in luma samples after frame
	// cropping (§7.4.2.1.1): 1920x1080 for a 1920x1088 coded frame.
	Width, Height int

	VUIPresent bool
	// TimingInfoPresent reports whether the VUI carries timing_info; the
	// three fields after it are zero otherwise. A VUI that cannot be read
	// as far as timing_info is treated as having none (see ParseH264SPS).
	TimingInfoPresent bool
	NumUnitsInTick    uint32
	TimeScale         uint32
	FixedFrameRate    bool
	// BitstreamRestriction reports whether the VUI carries
	// bitstream_restriction, the end of the VUI, with the two fields below
	// (zero otherwise). A VUI that cannot be read that far is treated as
	// having none. ReorderDepth infers the reorder depth without them.
	BitstreamRestriction bool
	MaxNumReorderFrames  uint32 // max_num_reorder_frames
	MaxDecFrameBuffering uint32 // max_dec_frame_buffering
}

// FrameRate returns the frame rate the VUI timing suggests,
// time_scale / (2 * num_units_in_tick): H.264 counts field ticks, two per
// frame (§E.2.1). It is a hint, exact only with FixedFrameRate; 0 means
// unknown.
func (s H264SPS) FrameRate() float64 {
	if !s.TimingInfoPresent || s.NumUnitsInTick == 0 {
		return 0
	}
	return float64(s.TimeScale) / (2 * float64(s.NumUnitsInTick))
}

// h264HighProfile reports whether profile_idc brings the chroma format, bit
// depth and scaling matrix fields into the SPS (the list in §7.3.2.1.1).
func h264HighProfile(profile uint8) bool {
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		return true
	}
	return false
}

// maxMbs bounds pic_width_in_mbs and pic_height_in_map_units: far above any
// level's limit (8.7K is 543 macroblocks wide), low enough that pixel
// arithmetic cannot overflow.
const maxMbs = 1 << 14

// ParseH264SPS parses an H.264 SPS NAL unit (with its 1-byte header and
// emulation prevention bytes, as it comes from Annex B or RTP). It returns
// an error wrapping ErrWrongNALType, ErrBitstreamEnd, ErrExpGolombOverflow
// or ErrParamOutOfRange when the fields up to frame cropping are missing or
// invalid. In the VUI it reads timing_info and bitstream_restriction; a VUI
// that is cut short or malformed before either leaves TimingInfoPresent or
// BitstreamRestriction false instead of failing the SPS, since some encoders
// write broken VUIs and the picture size matters more than these hints.
func ParseH264SPS(nal []byte) (H264SPS, error) {
	var s H264SPS
	if H264Type(nal) != H264NALSPS {
		return s, fmt.Errorf("%w: %d, want SPS (7)", ErrWrongNALType, H264Type(nal))
	}
	var scratch [rbspScratch]byte
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], nal[1:])}

	s.ProfileIDC = uint8(r.u(8))
	s.ConstraintFlags = uint8(r.u(8))
	s.LevelIDC = uint8(r.u(8))
	s.ID = r.ueMax(seSeqParameterSetId, 31)
	s.ChromaFormatIDC = 1
	s.BitDepthLuma, s.BitDepthChroma = 8, 8
	if h264HighProfile(s.ProfileIDC) {
		s.ChromaFormatIDC = r.ueMax(seChromaFormatIdc, 3)
		if s.ChromaFormatIDC == 3 {
			s.SeparateColourPlane = r.flag()
		}
		s.BitDepthLuma = 8 + r.ueMax(seBitDepthLumaMinus8, 6)
		s.BitDepthChroma = 8 + r.ueMax(seBitDepthChromaMinus8, 6)
		r.flag()      // qpprime_y_zero_transform_bypass_flag
		if r.flag() { // seq_scaling_matrix_present_flag
			n := 8
			if s.ChromaFormatIDC == 3 {
				n = 12
			}
			for i := 0; i < n && !r.failed(); i++ {
				if r.flag() { // seq_scaling_list_present_flag[i]
					size := 16
					if i >= 6 {
						size = 64
					}
					skipH264ScalingList(&r, size)
				}
			}
		}
	}
	s.Log2MaxFrameNum = 4 + r.ueMax(seLog2MaxFrameNumMinus4, 12)
	s.PicOrderCntType = r.ueMax(sePicOrderCntType, 2)
	switch s.PicOrderCntType {
	case 0:
		s.Log2MaxPicOrderCntLsb = 4 + r.ueMax(seLog2MaxPicOrderCntLsbMinus4, 12)
	case 1:
		s.DeltaPicOrderAlwaysZero = r.flag()
		r.se() // offset_for_non_ref_pic
		r.se() // offset_for_top_to_bottom_field
		n := r.ueMax(seNumRefFramesInPicOrderCntCycle, 255)
		for i := uint32(0); i < n && !r.failed(); i++ {
			r.se() // offset_for_ref_frame[i]
		}
	}
	s.MaxNumRefFrames = r.ue()
	r.flag() // gaps_in_frame_num_value_allowed_flag
	s.PicWidthInMbs = r.ueMax(sePicWidthInMbsMinus1, maxMbs-1) + 1
	s.PicHeightInMapUnits = r.ueMax(sePicHeightInMapUnitsMinus1, maxMbs-1) + 1
	s.FrameMbsOnly = r.flag()
	if !s.FrameMbsOnly {
		s.MbAdaptiveFrameField = r.flag()
	}
	r.flag()      // direct_8x8_inference_flag
	if r.flag() { // frame_cropping_flag
		s.CropLeft, s.CropRight = r.ue(), r.ue()
		s.CropTop, s.CropBottom = r.ue(), r.ue()
	}
	if r.failed() {
		return H264SPS{}, fmt.Errorf("h26x: H.264 SPS: %w", r.Err())
	}
	if err := s.setSize(); err != nil {
		return H264SPS{}, err
	}

	s.VUIPresent = r.flag()
	if s.VUIPresent {
		s.parseVUI(&r)
	}
	return s, nil
}

// setSize derives Width and Height from the macroblock counts and the
// cropping window (§7.4.2.1.1, equations 7-18 to 7-21).
func (s *H264SPS) setSize() error {
	frameMbsFactor := uint64(2)
	if s.FrameMbsOnly {
		frameMbsFactor = 1
	}
	w := uint64(s.PicWidthInMbs) * 16
	h := frameMbsFactor * uint64(s.PicHeightInMapUnits) * 16
	// CropUnitX/Y: one sample for monochrome or separate planes
	// (ChromaArrayType 0), else the chroma subsampling factors, doubled
	// vertically when the frame may consist of two fields.
	unitX, unitY := uint64(1), frameMbsFactor
	if !s.SeparateColourPlane {
		switch s.ChromaFormatIDC {
		case 1:
			unitX, unitY = 2, 2*frameMbsFactor
		case 2:
			unitX, unitY = 2, frameMbsFactor
		}
	}
	cropW := unitX * (uint64(s.CropLeft) + uint64(s.CropRight))
	cropH := unitY * (uint64(s.CropTop) + uint64(s.CropBottom))
	if cropW >= w || cropH >= h {
		return fmt.Errorf("%w: H.264 SPS cropping %dx%d leaves no picture of %dx%d",
			ErrParamOutOfRange, cropW, cropH, w, h)
	}
	s.Width, s.Height = int(w-cropW), int(h-cropH)
	return nil
}

// parseVUI reads vui_parameters() (§E.1.1): the timing, then, past the HRD
// parameters, the bitstream restriction. Fields it cannot read stay unset;
// the timing is kept when only the part after it is broken.
func (s *H264SPS) parseVUI(r *BitReader) {
	if r.flag() { // aspect_ratio_info_present_flag
		if r.u(8) == 255 { // aspect_ratio_idc == Extended_SAR
			r.u(16) // sar_width
			r.u(16) // sar_height
		}
	}
	if r.flag() { // overscan_info_present_flag
		r.flag() // overscan_appropriate_flag
	}
	if r.flag() { // video_signal_type_present_flag
		r.u(3)        // video_format
		r.flag()      // video_full_range_flag
		if r.flag() { // colour_description_present_flag
			r.u(24) // colour_primaries, transfer_characteristics, matrix_coefficients
		}
	}
	if r.flag() { // chroma_loc_info_present_flag
		r.ue() // chroma_sample_loc_type_top_field
		r.ue() // chroma_sample_loc_type_bottom_field
	}
	if r.flag() { // timing_info_present_flag
		units, scale, fixed := r.u(32), r.u(32), r.flag()
		if r.failed() {
			return
		}
		s.TimingInfoPresent = true
		s.NumUnitsInTick, s.TimeScale, s.FixedFrameRate = units, scale, fixed
	}
	nalHRD := r.flag() // nal_hrd_parameters_present_flag
	if nalHRD {
		skipH264HRD(r)
	}
	vclHRD := r.flag() // vcl_hrd_parameters_present_flag
	if vclHRD {
		skipH264HRD(r)
	}
	if nalHRD || vclHRD {
		r.flag() // low_delay_hrd_flag
	}
	r.flag()                     // pic_struct_present_flag
	if !r.flag() || r.failed() { // bitstream_restriction_flag
		return
	}
	r.flag() // motion_vectors_over_pic_boundaries_flag
	r.ue()   // max_bytes_per_pic_denom
	r.ue()   // max_bits_per_mb_denom
	r.ue()   // log2_max_mv_length_horizontal
	r.ue()   // log2_max_mv_length_vertical
	reorder, dpb := r.ue(), r.ue()
	if r.failed() {
		return
	}
	s.BitstreamRestriction = true
	s.MaxNumReorderFrames, s.MaxDecFrameBuffering = reorder, dpb
}

// skipH264HRD reads past hrd_parameters() (§E.1.2).
func skipH264HRD(r *BitReader) {
	n := r.ue() + 1 // cpb_cnt_minus1 + 1
	if n > 32 {
		r.failRange(seCpbCntMinus1, int64(n)-1, 31)
		return
	}
	r.u(4) // bit_rate_scale
	r.u(4) // cpb_size_scale
	for i := uint32(0); i < n && !r.failed(); i++ {
		r.ue()   // bit_rate_value_minus1[i]
		r.ue()   // cpb_size_value_minus1[i]
		r.flag() // cbr_flag[i]
	}
	r.u(20) // four delay and offset lengths of 5 bits
}

// skipH264ScalingList reads past scaling_list(sizeOfScalingList)
// (§7.3.2.1.1.1). Its delta_scale codes stop early once nextScale becomes
// zero (the rest of the list repeats the last scale), so the number of
// codes to skip depends on their values.
func skipH264ScalingList(r *BitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && !r.failed(); j++ {
		if next != 0 {
			delta := r.se()
			if delta < -128 || delta > 127 {
				r.failRange(seDeltaScale, int64(delta), 127)
				return
			}
			next = (last + delta + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}
