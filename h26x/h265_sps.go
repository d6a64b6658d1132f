package h26x

import "fmt"

// H265ProfileTierLevel holds the general part of profile_tier_level()
// (ITU-T H.265 §7.3.3), the values RFC 7798 §7.1 puts in SDP.
type H265ProfileTierLevel struct {
	ProfileSpace uint8 // general_profile_space, 0..3
	Tier         bool  // general_tier_flag: false Main tier, true High tier
	ProfileIDC   uint8 // general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 RExt...
	// CompatibilityFlags holds general_profile_compatibility_flag[0] in the
	// most significant bit through [31] in the least.
	CompatibilityFlags uint32
	// ConstraintFlags holds the 48 bits from general_progressive_source_flag
	// (bit 47) to general_inbld_flag (bit 0), RFC 7798's interop-constraints.
	ConstraintFlags uint64
	LevelIDC        uint8 // general_level_idc: 30 times the level (93 = level 3.1)
}

// Progressive reports general_progressive_source_flag.
func (p H265ProfileTierLevel) Progressive() bool { return p.ConstraintFlags>>47&1 == 1 }

// Interlaced reports general_interlaced_source_flag.
func (p H265ProfileTierLevel) Interlaced() bool { return p.ConstraintFlags>>46&1 == 1 }

// parseH265PTL reads profile_tier_level(1, maxSubLayersMinus1) and skips
// its sub-layer part, whose size depends on per-sub-layer presence flags.
func parseH265PTL(r *BitReader, maxSubLayersMinus1 int) H265ProfileTierLevel {
	var p H265ProfileTierLevel
	p.ProfileSpace = uint8(r.u(2))
	p.Tier = r.flag()
	p.ProfileIDC = uint8(r.u(5))
	p.CompatibilityFlags = r.u(32)
	hi := r.u(16)
	p.ConstraintFlags = uint64(hi)<<32 | uint64(r.u(32))
	p.LevelIDC = uint8(r.u(8))
	var profilePresent, levelPresent [8]bool
	for i := 0; i < maxSubLayersMinus1; i++ {
		profilePresent[i] = r.flag()
		levelPresent[i] = r.flag()
	}
	if maxSubLayersMinus1 > 0 {
		r.Skip(2 * (8 - maxSubLayersMinus1)) // reserved_zero_2bits
	}
	for i := 0; i < maxSubLayersMinus1; i++ {
		if profilePresent[i] {
			// sub_layer_profile_space .. sub_layer_inbld_flag: 2+1+5+32+48 bits
			r.Skip(88)
		}
		if levelPresent[i] {
			r.Skip(8) // sub_layer_level_idc
		}
	}
	return p
}

// H265SPS holds the fields of an H.265 sequence parameter set (§7.3.2.2.1)
// that a streaming server needs.
type H265SPS struct {
	VPSID              uint8 // sps_video_parameter_set_id
	MaxSubLayersMinus1 uint8 // sps_max_sub_layers_minus1, 0..6
	TemporalIDNesting  bool
	PTL                H265ProfileTierLevel
	ID                 uint32 // sps_seq_parameter_set_id, 0..15

	ChromaFormatIDC     uint32 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	SeparateColourPlane bool
	// PicWidth and PicHeight are pic_width/height_in_luma_samples: the
	// coded size before the conformance window.
	PicWidth, PicHeight uint32
	// Conformance window offsets as coded, in chroma sample units.
	ConfWinLeft, ConfWinRight, ConfWinTop, ConfWinBottom uint32
	// Width and Height are the output picture size in luma samples after
	// the conformance window (§7.4.3.2.1).
	Width, Height int

	BitDepthLuma          uint32 // 8..16
	BitDepthChroma        uint32 // 8..16
	Log2MaxPicOrderCntLsb uint32 // 4..16
	// MaxNumReorderPics is sps_max_num_reorder_pics of the highest
	// sub-layer: the most pictures that may precede any picture in
	// decoding order and follow it in output order.
	MaxNumReorderPics uint32
	// Log2CtbSize is CtbLog2SizeY, the coding tree block size (4..6 in a
	// conforming stream), which sizes slice_segment_address.
	Log2CtbSize uint32

	NumShortTermRefPicSets uint32
	LongTermRefPicsPresent bool

	VUIPresent bool
	// TimingInfoPresent reports whether the VUI carries vui_timing_info;
	// the fields after it are zero otherwise. A VUI that cannot be read as
	// far as the timing is treated as having none (see ParseH265SPS). When
	// the SPS has no timing, the VPS may (H265VPS).
	TimingInfoPresent bool
	NumUnitsInTick    uint32
	TimeScale         uint32
}

// FrameRate returns time_scale / num_units_in_tick from the VUI timing
// (H.265 counts one tick per picture, §E.3.1), or 0 when unknown.
func (s H265SPS) FrameRate() float64 {
	if !s.TimingInfoPresent || s.NumUnitsInTick == 0 {
		return 0
	}
	return float64(s.TimeScale) / float64(s.NumUnitsInTick)
}

// maxH265LumaSize bounds pic_width/height_in_luma_samples: level 6.2 allows
// 8444 samples on a side (sqrt(8 * MaxLumaPs)); this leaves ample room
// while keeping arithmetic small.
const maxH265LumaSize = 1 << 16

// ParseH265SPS parses an H.265 SPS NAL unit (with its 2-byte header and
// emulation prevention bytes). It reads through the short- and long-term
// reference picture sets to reach the VUI timing. Errors wrap
// ErrWrongNALType, ErrBitstreamEnd, ErrExpGolombOverflow or
// ErrParamOutOfRange; as in ParseH264SPS a VUI that breaks off before its
// timing fields leaves TimingInfoPresent false rather than failing.
func ParseH265SPS(nal []byte) (H265SPS, error) {
	var s H265SPS
	if H265Type(nal) != H265NALSPS {
		return s, fmt.Errorf("%w: %d, want SPS (33)", ErrWrongNALType, H265Type(nal))
	}
	var scratch [rbspScratch]byte
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], nal[h265NALHeaderSize:])}

	s.VPSID = uint8(r.u(4))
	s.MaxSubLayersMinus1 = uint8(r.u(3))
	if s.MaxSubLayersMinus1 > 6 && !r.failed() {
		r.failRange(seSpsMaxSubLayersMinus1, 7, 6)
	}
	s.TemporalIDNesting = r.flag()
	s.PTL = parseH265PTL(&r, int(s.MaxSubLayersMinus1))
	s.ID = r.ueMax(seSpsSeqParameterSetId, 15)
	s.ChromaFormatIDC = r.ueMax(seChromaFormatIdc, 3)
	if s.ChromaFormatIDC == 3 {
		s.SeparateColourPlane = r.flag()
	}
	s.PicWidth = r.ueMax(sePicWidthInLumaSamples, maxH265LumaSize)
	s.PicHeight = r.ueMax(sePicHeightInLumaSamples, maxH265LumaSize)
	if r.flag() { // conformance_window_flag
		s.ConfWinLeft, s.ConfWinRight = r.ue(), r.ue()
		s.ConfWinTop, s.ConfWinBottom = r.ue(), r.ue()
	}
	s.BitDepthLuma = 8 + r.ueMax(seBitDepthLumaMinus8, 8)
	s.BitDepthChroma = 8 + r.ueMax(seBitDepthChromaMinus8, 8)
	s.Log2MaxPicOrderCntLsb = 4 + r.ueMax(seLog2MaxPicOrderCntLsbMinus4, 12)
	if r.failed() {
		return H265SPS{}, fmt.Errorf("h26x: H.265 SPS: %w", r.Err())
	}
	if err := s.setSize(); err != nil {
		return H265SPS{}, err
	}

	first := int(s.MaxSubLayersMinus1)
	if r.flag() { // sps_sub_layer_ordering_info_present_flag
		first = 0
	}
	for i := first; i <= int(s.MaxSubLayersMinus1); i++ {
		r.ue()                       // sps_max_dec_pic_buffering_minus1[i]
		s.MaxNumReorderPics = r.ue() // sps_max_num_reorder_pics[i]
		r.ue()                       // sps_max_latency_increase_plus1[i]
	}
	minCb := 3 + uint64(r.ue())   // log2_min_luma_coding_block_size_minus3 + 3
	ctb := minCb + uint64(r.ue()) // + log2_diff_max_min_luma_coding_block_size
	if ctb <= 6 {
		s.Log2CtbSize = uint32(ctb) // else left 0: slice segment addresses cannot be read
	}
	r.ue()        // log2_min_luma_transform_block_size_minus2
	r.ue()        // log2_diff_max_min_luma_transform_block_size
	r.ue()        // max_transform_hierarchy_depth_inter
	r.ue()        // max_transform_hierarchy_depth_intra
	if r.flag() { // scaling_list_enabled_flag
		if r.flag() { // sps_scaling_list_data_present_flag
			skipH265ScalingListData(&r)
		}
	}
	r.flag()      // amp_enabled_flag
	r.flag()      // sample_adaptive_offset_enabled_flag
	if r.flag() { // pcm_enabled_flag
		r.u(4)   // pcm_sample_bit_depth_luma_minus1
		r.u(4)   // pcm_sample_bit_depth_chroma_minus1
		r.ue()   // log2_min_pcm_luma_coding_block_size_minus3
		r.ue()   // log2_diff_max_min_pcm_luma_coding_block_size
		r.flag() // pcm_loop_filter_disabled_flag
	}
	s.NumShortTermRefPicSets = r.ueMax(seNumShortTermRefPicSets, 64)
	skipH265ShortTermRefPicSets(&r, int(s.NumShortTermRefPicSets))
	s.LongTermRefPicsPresent = r.flag()
	if s.LongTermRefPicsPresent {
		n := r.ueMax(seNumLongTermRefPicsSps, 32)
		for i := uint32(0); i < n && !r.failed(); i++ {
			r.u(int(s.Log2MaxPicOrderCntLsb)) // lt_ref_pic_poc_lsb_sps[i]
			r.flag()                          // used_by_curr_pic_lt_sps_flag[i]
		}
	}
	r.flag() // sps_temporal_mvp_enabled_flag
	r.flag() // strong_intra_smoothing_enabled_flag
	if r.failed() {
		return H265SPS{}, fmt.Errorf("h26x: H.265 SPS: %w", r.Err())
	}
	s.VUIPresent = r.flag()
	if s.VUIPresent {
		s.parseVUITiming(&r)
	}
	return s, nil
}

// setSize applies the conformance window (§7.4.3.2.1, equations 6-1/6-2:
// SubWidthC and SubHeightC are 2 for 4:2:0, 2 and 1 for 4:2:2, else 1).
func (s *H265SPS) setSize() error {
	subW, subH := uint64(1), uint64(1)
	if !s.SeparateColourPlane {
		switch s.ChromaFormatIDC {
		case 1:
			subW, subH = 2, 2
		case 2:
			subW = 2
		}
	}
	w, h := uint64(s.PicWidth), uint64(s.PicHeight)
	cropW := subW * (uint64(s.ConfWinLeft) + uint64(s.ConfWinRight))
	cropH := subH * (uint64(s.ConfWinTop) + uint64(s.ConfWinBottom))
	if cropW >= w || cropH >= h {
		return fmt.Errorf("%w: H.265 SPS conformance window %dx%d leaves no picture of %dx%d",
			ErrParamOutOfRange, cropW, cropH, w, h)
	}
	s.Width, s.Height = int(w-cropW), int(h-cropH)
	return nil
}

// parseVUITiming reads vui_parameters() (§E.2.1) up to vui_time_scale. On
// any error it leaves the timing fields unset.
func (s *H265SPS) parseVUITiming(r *BitReader) {
	if r.flag() { // aspect_ratio_info_present_flag
		if r.u(8) == 255 { // aspect_ratio_idc == EXTENDED_SAR
			r.u(32) // sar_width, sar_height
		}
	}
	if r.flag() { // overscan_info_present_flag
		r.flag() // overscan_appropriate_flag
	}
	if r.flag() { // video_signal_type_present_flag
		r.u(3)        // video_format
		r.flag()      // video_full_range_flag
		if r.flag() { // colour_description_present_flag
			r.u(24) // colour_primaries, transfer_characteristics, matrix_coeffs
		}
	}
	if r.flag() { // chroma_loc_info_present_flag
		r.ue() // chroma_sample_loc_type_top_field
		r.ue() // chroma_sample_loc_type_bottom_field
	}
	r.flag()      // neutral_chroma_indication_flag
	r.flag()      // field_seq_flag
	r.flag()      // frame_field_info_present_flag
	if r.flag() { // default_display_window_flag
		r.ue() // def_disp_win_left_offset
		r.ue() // def_disp_win_right_offset
		r.ue() // def_disp_win_top_offset
		r.ue() // def_disp_win_bottom_offset
	}
	if !r.flag() || r.failed() { // vui_timing_info_present_flag
		return
	}
	units, scale := r.u(32), r.u(32)
	if r.failed() {
		return
	}
	s.TimingInfoPresent = true
	s.NumUnitsInTick, s.TimeScale = units, scale
}

// skipH265ScalingListData reads past scaling_list_data() (§7.3.4).
func skipH265ScalingListData(r *BitReader) {
	for sizeID := 0; sizeID < 4; sizeID++ {
		step := 1
		if sizeID == 3 {
			step = 3
		}
		for matrixID := 0; matrixID < 6 && !r.failed(); matrixID += step {
			if !r.flag() { // scaling_list_pred_mode_flag
				r.ue() // scaling_list_pred_matrix_id_delta
				continue
			}
			coefs := min(64, 1<<(4+2*sizeID))
			if sizeID > 1 {
				r.se() // scaling_list_dc_coef_minus8
			}
			for i := 0; i < coefs && !r.failed(); i++ {
				r.se() // scaling_list_delta_coef
			}
		}
	}
}

// maxH265DeltaPocs bounds the negative and the positive pictures of one
// short-term reference picture set: each count is at most
// sps_max_dec_pic_buffering_minus1, itself below MaxDpbSize (16).
const maxH265DeltaPocs = 16

// h265RPS is the part of a short-term reference picture set that later sets
// predicted from it depend on: the POC deltas (§7.4.8, DeltaPocS0/S1).
type h265RPS struct {
	neg, pos   [maxH265DeltaPocs]int32
	nNeg, nPos int
}

// skipH265ShortTermRefPicSets reads past the SPS's st_ref_pic_set(i) for i
// in 0..n-1 (§7.3.7). A set may be predicted from the one before it; it then
// carries one or two flags per picture of that set, plus one, so the sets
// are rebuilt with equations 7-61 and 7-62 to know how many pictures each
// has (pictures whose predicted delta is 0 are dropped, so a plain count of
// flags would be wrong).
func skipH265ShortTermRefPicSets(r *BitReader, n int) {
	var sets [64]h265RPS
	for i := 0; i < n && !r.failed(); i++ {
		cur := &sets[i]
		if i != 0 && r.flag() { // inter_ref_pic_set_prediction_flag
			// delta_idx_minus1 is only present in slice headers
			// (i == num_short_term_ref_pic_sets), so RefRpsIdx = i-1.
			ref := &sets[i-1]
			sign := r.flag() // delta_rps_sign
			deltaRps := int32(r.ueMax(seAbsDeltaRpsMinus1, 1<<15-1)) + 1
			if sign {
				deltaRps = -deltaRps
			}
			var used, useDelta [2*maxH265DeltaPocs + 1]bool
			for j := 0; j <= ref.nNeg+ref.nPos && !r.failed(); j++ {
				used[j] = r.flag() // used_by_curr_pic_flag[j]
				useDelta[j] = true
				if !used[j] {
					useDelta[j] = r.flag() // use_delta_flag[j]
				}
			}
			if !r.failed() {
				predictH265RPS(r, cur, ref, deltaRps, &useDelta)
			}
			continue
		}
		neg := r.ueMax(seNumNegativePics, maxH265DeltaPocs)
		pos := r.ueMax(seNumPositivePics, maxH265DeltaPocs)
		poc := int32(0)
		for j := range int(neg) {
			poc -= int32(r.ueMax(seDeltaPocS0Minus1, 1<<15-1)) + 1
			r.flag() // used_by_curr_pic_s0_flag[j]
			cur.neg[j] = poc
		}
		poc = 0
		for j := range int(pos) {
			poc += int32(r.ueMax(seDeltaPocS1Minus1, 1<<15-1)) + 1
			r.flag() // used_by_curr_pic_s1_flag[j]
			cur.pos[j] = poc
		}
		cur.nNeg, cur.nPos = int(neg), int(pos)
	}
}

// predictH265RPS derives set cur from ref and deltaRps (§7.4.8, equations
// 7-61 and 7-62). Flag index j covers ref's negative pictures, then its
// positive ones, then deltaRps itself.
func predictH265RPS(r *BitReader, cur, ref *h265RPS, deltaRps int32, useDelta *[2*maxH265DeltaPocs + 1]bool) {
	add := func(dPoc int32) {
		switch {
		case dPoc < 0 && cur.nNeg < maxH265DeltaPocs:
			cur.neg[cur.nNeg] = dPoc
			cur.nNeg++
		case dPoc > 0 && cur.nPos < maxH265DeltaPocs:
			cur.pos[cur.nPos] = dPoc
			cur.nPos++
		default:
			r.failRange(seNumDeltaPocs, maxH265DeltaPocs+1, maxH265DeltaPocs)
		}
	}
	self := ref.nNeg + ref.nPos // flag index of deltaRps itself
	// Negative pictures, closest first (7-61).
	for j := ref.nPos - 1; j >= 0; j-- {
		if d := ref.pos[j] + deltaRps; d < 0 && useDelta[ref.nNeg+j] {
			add(d)
		}
	}
	if deltaRps < 0 && useDelta[self] {
		add(deltaRps)
	}
	for j := 0; j < ref.nNeg; j++ {
		if d := ref.neg[j] + deltaRps; d < 0 && useDelta[j] {
			add(d)
		}
	}
	// Positive pictures (7-62).
	for j := ref.nNeg - 1; j >= 0; j-- {
		if d := ref.neg[j] + deltaRps; d > 0 && useDelta[j] {
			add(d)
		}
	}
	if deltaRps > 0 && useDelta[self] {
		add(deltaRps)
	}
	for j := 0; j < ref.nPos; j++ {
		if d := ref.pos[j] + deltaRps; d > 0 && useDelta[ref.nNeg+j] {
			add(d)
		}
	}
}
