package h26x

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func h265NALOf(typ H265NALType) func([]byte) bool {
	return func(n []byte) bool { return H265Type(n) == typ }
}

// mainPTL is the general profile_tier_level x265 writes for Main at level
// 3.1: compatible with Main and Main 10, progressive and frame-only.
var mainPTL = H265ProfileTierLevel{ProfileIDC: 1, CompatibilityFlags: 0x60000000,
	ConstraintFlags: 0x900000000000, LevelIDC: 93}

// TestParseH265SPSEncoders parses SPSs written by x265 (through ffmpeg) in
// the testdata stream and in small streams made for this test; the expected
// values are what ffprobe and ffmpeg's trace_headers report.
func TestParseH265SPSEncoders(t *testing.T) {
	rext := func(constraints uint64, level uint8) H265ProfileTierLevel {
		return H265ProfileTierLevel{ProfileIDC: 4, CompatibilityFlags: 0x08000000,
			ConstraintFlags: constraints, LevelIDC: level}
	}
	for _, tc := range []struct {
		name string
		sps  []byte
		want H265SPS
		fps  float64
	}{
		{
			name: "testdata main 720p25",
			sps:  firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALSPS)),
			want: H265SPS{TemporalIDNesting: true, PTL: mainPTL, ChromaFormatIDC: 1,
				PicWidth: 1280, PicHeight: 720, Width: 1280, Height: 720, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxPicOrderCntLsb: 8, MaxNumReorderPics: 2, Log2CtbSize: 6, VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 25},
			fps: 25,
		},
		{
			// -s 1918x1078 -r 30000/1001: coded 1920x1080, window of one chroma sample.
			name: "odd size 29.97",
			sps:  mustHex(t, "420101016000000300900000030000030078a003c08010e75596566924caf01680800001f480003a9804"),
			want: H265SPS{TemporalIDNesting: true, PTL: H265ProfileTierLevel{ProfileIDC: 1, CompatibilityFlags: 0x60000000,
				ConstraintFlags: 0x900000000000, LevelIDC: 120}, ChromaFormatIDC: 1,
				PicWidth: 1920, PicHeight: 1080, ConfWinRight: 1, ConfWinBottom: 1, Width: 1918, Height: 1078,
				BitDepthLuma: 8, BitDepthChroma: 8, Log2MaxPicOrderCntLsb: 8, MaxNumReorderPics: 2, Log2CtbSize: 6,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1001, TimeScale: 30000},
			fps: 29.97002997002997,
		},
		{
			// -s 642x362 -pix_fmt yuv422p10le -x265-params scaling-list=default:
			// Main 4:2:2 10 (RExt), SubWidthC 2 and SubHeightC 1.
			name: "4:2:2 10-bit",
			sps:  mustHex(t, "4201010408000003009d0800000300005ab005120171c93b65959a49395e02d0100000030010000003032080"),
			want: H265SPS{TemporalIDNesting: true, PTL: rext(0x9d0800000000, 90), ChromaFormatIDC: 2,
				PicWidth: 648, PicHeight: 368, ConfWinRight: 3, ConfWinBottom: 6, Width: 642, Height: 362,
				BitDepthLuma: 10, BitDepthChroma: 10, Log2MaxPicOrderCntLsb: 8, MaxNumReorderPics: 2, Log2CtbSize: 6,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 50},
			fps: 50,
		},
		{
			// -s 322x242 -pix_fmt yuv444p: SubWidthC = SubHeightC = 1.
			name: "4:4:4",
			sps:  mustHex(t, "4201010408000003009e0800000300003c90014901f39e7cb2b349265780b4040000030004000003006020"),
			want: H265SPS{TemporalIDNesting: true, PTL: rext(0x9e0800000000, 60), ChromaFormatIDC: 3,
				PicWidth: 328, PicHeight: 248, ConfWinRight: 6, ConfWinBottom: 6, Width: 322, Height: 242,
				BitDepthLuma: 8, BitDepthChroma: 8, Log2MaxPicOrderCntLsb: 8, MaxNumReorderPics: 2, Log2CtbSize: 6,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 24},
			fps: 24,
		},
		{
			// -s 322x242 -pix_fmt gray: monochrome, window in luma samples.
			name: "monochrome",
			sps:  mustHex(t, "4201010408000003009fc800000300003cc029203e73cf96566924caf016c080000003008000000c04"),
			want: H265SPS{TemporalIDNesting: true, PTL: rext(0x9fc800000000, 60), ChromaFormatIDC: 0,
				PicWidth: 328, PicHeight: 248, ConfWinRight: 6, ConfWinBottom: 6, Width: 322, Height: 242,
				BitDepthLuma: 8, BitDepthChroma: 8, Log2MaxPicOrderCntLsb: 8, MaxNumReorderPics: 2, Log2CtbSize: 6,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 24},
			fps: 24,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseH265SPS(tc.sps)
			require.NoError(t, err)
			require.Equal(t, tc.want, s)
			require.InDelta(t, tc.fps, s.FrameRate(), 1e-9)
		})
	}
}

// h265SPSSpec describes an SPS for nal to write, to reach syntax that x265
// does not produce: sub-layers, scaling list data, PCM, reference picture
// sets with inter prediction, long-term pictures.
type h265SPSSpec struct {
	maxSubLayersMinus1 int
	subProfile         []bool // sub_layer_profile_present_flag per sub-layer
	subLevel           []bool // sub_layer_level_present_flag per sub-layer
	chroma             uint32
	width, height      uint32
	confWin            []uint32
	orderingAll        bool // sps_sub_layer_ordering_info_present_flag
	scalingData        bool
	pcm                bool
	rps                func(w *bitWriter) // num_short_term_ref_pic_sets and the sets
	longTerm           int                // num_long_term_ref_pics_sps, -1 for none
	vui                func(w *bitWriter)
}

func writeH265PTL(w *bitWriter, p H265ProfileTierLevel, maxSub int, subProfile, subLevel []bool) {
	w.u(2, uint64(p.ProfileSpace))
	w.flag(p.Tier)
	w.u(5, uint64(p.ProfileIDC))
	w.u(32, uint64(p.CompatibilityFlags))
	w.u(48, p.ConstraintFlags)
	w.u(8, uint64(p.LevelIDC))
	for i := 0; i < maxSub; i++ {
		w.flag(subProfile[i])
		w.flag(subLevel[i])
	}
	if maxSub > 0 {
		w.u(2*(8-maxSub), 0)
	}
	for i := 0; i < maxSub; i++ {
		if subProfile[i] {
			// A sub-layer profile unlike the general one, to show it is not read as such.
			w.u(8, 0x3f) // space 0, high tier, profile 31
			w.u(32, 0xffffffff)
			w.u(48, 0xf00000000001)
		}
		if subLevel[i] {
			w.u(8, 0xff)
		}
	}
}

var highTierPTL = H265ProfileTierLevel{Tier: true, ProfileIDC: 2, CompatibilityFlags: 0x20000000,
	ConstraintFlags: 0x800000000001, LevelIDC: 153}

func (s h265SPSSpec) nal() []byte {
	var w bitWriter
	w.u(4, 0)                            // sps_video_parameter_set_id
	w.u(3, uint64(s.maxSubLayersMinus1)) // sps_max_sub_layers_minus1
	w.flag(true)                         // sps_temporal_id_nesting_flag
	writeH265PTL(&w, highTierPTL, s.maxSubLayersMinus1, s.subProfile, s.subLevel)
	w.ue(3) // sps_seq_parameter_set_id
	w.ue(s.chroma)
	if s.chroma == 3 {
		w.flag(false)
	}
	w.ue(s.width)
	w.ue(s.height)
	w.flag(s.confWin != nil)
	for _, c := range s.confWin {
		w.ue(c)
	}
	w.ue(2) // bit_depth_luma_minus8
	w.ue(2) // bit_depth_chroma_minus8
	w.ue(4) // log2_max_pic_order_cnt_lsb_minus4
	w.flag(s.orderingAll)
	first := s.maxSubLayersMinus1
	if s.orderingAll {
		first = 0
	}
	for i := first; i <= s.maxSubLayersMinus1; i++ {
		w.ue(4)
		w.ue(2)
		w.ue(5)
	}
	for _, v := range []uint32{0, 3, 0, 3, 1, 2} { // block sizes and depths
		w.ue(v)
	}
	w.flag(s.scalingData) // scaling_list_enabled_flag
	if s.scalingData {
		w.flag(true) // sps_scaling_list_data_present_flag
		for sizeID := 0; sizeID < 4; sizeID++ {
			step := 1
			if sizeID == 3 {
				step = 3
			}
			for matrixID := 0; matrixID < 6; matrixID += step {
				if matrixID%2 == 1 {
					w.flag(false) // predicted from another matrix
					w.ue(1)
					continue
				}
				w.flag(true)
				coefs := min(64, 1<<(4+2*sizeID))
				if sizeID > 1 {
					w.se(-3) // scaling_list_dc_coef_minus8
				}
				for i := 0; i < coefs; i++ {
					w.se(int32(i%5 - 2))
				}
			}
		}
	}
	w.flag(true)  // amp_enabled_flag
	w.flag(false) // sample_adaptive_offset_enabled_flag
	w.flag(s.pcm)
	if s.pcm {
		w.u(4, 7)
		w.u(4, 7)
		w.ue(0)
		w.ue(1)
		w.flag(true)
	}
	if s.rps != nil {
		s.rps(&w)
	} else {
		w.ue(0)
	}
	w.flag(s.longTerm >= 0)
	if s.longTerm >= 0 {
		w.ue(uint32(s.longTerm))
		for i := 0; i < s.longTerm; i++ {
			w.u(8, uint64(i*3)) // lt_ref_pic_poc_lsb_sps: log2_max_pic_order_cnt_lsb bits
			w.flag(i%2 == 0)
		}
	}
	w.flag(true) // sps_temporal_mvp_enabled_flag
	w.flag(true) // strong_intra_smoothing_enabled_flag
	w.flag(s.vui != nil)
	if s.vui != nil {
		s.vui(&w)
	}
	return w.nal(0x42, 0x01)
}

// fullH265VUI writes every optional VUI part before the timing, ending with
// 50 Hz timing.
func fullH265VUI(w *bitWriter) {
	w.flag(true) // aspect_ratio_info_present_flag
	w.u(8, 255)
	w.u(16, 4)
	w.u(16, 3)
	w.flag(true) // overscan_info_present_flag
	w.flag(false)
	w.flag(true) // video_signal_type_present_flag
	w.u(3, 5)
	w.flag(true)
	w.flag(true) // colour_description_present_flag
	w.u(24, 0x091009)
	w.flag(true) // chroma_loc_info_present_flag
	w.ue(2)
	w.ue(2)
	w.flag(false) // neutral_chroma_indication_flag
	w.flag(true)  // field_seq_flag
	w.flag(true)  // frame_field_info_present_flag
	w.flag(true)  // default_display_window_flag
	w.ue(8)
	w.ue(8)
	w.ue(0)
	w.ue(4)
	w.flag(true) // vui_timing_info_present_flag
	w.u(32, 1)
	w.u(32, 50)
	w.flag(false) // vui_poc_proportional_to_timing_flag
	w.flag(false) // vui_hrd_parameters_present_flag
	w.flag(false) // bitstream_restriction_flag
	w.flag(false) // sps_extension_present_flag
}

// rpsWithPrediction writes four short-term sets: explicit, predicted from
// it with some pictures dropped, predicted from that, and explicit again.
// The flag count of a predicted set is one more than the number of
// pictures in the set before, which must be derived with equations 7-61
// and 7-62: a picture whose predicted delta is 0 drops out even when its
// flag says to keep it, so a count of flags would be one too many here and
// shift every later field. ffmpeg's trace_headers reads this SPS the same
// way.
func rpsWithPrediction(w *bitWriter) {
	w.ue(4) // num_short_term_ref_pic_sets
	// Set 0: POC deltas -1, -2, -3 and +1.
	w.ue(3)
	w.ue(1)
	for range 4 {
		w.ue(0) // delta_poc_s0/s1_minus1
		w.flag(true)
	}
	// Set 1: set 0 moved by deltaRps = +1, giving 0, -1, -2, +2 and +1
	// itself; 5 flags.
	w.flag(true)  // inter_ref_pic_set_prediction_flag
	w.flag(false) // delta_rps_sign
	w.ue(0)       // abs_delta_rps_minus1
	w.flag(true)  // used_by_curr_pic_flag[0]: delta 0, dropped all the same
	w.flag(false) // used_by_curr_pic_flag[1]
	w.flag(false) //   use_delta_flag[1]: -1 dropped
	w.flag(false) // used_by_curr_pic_flag[2]
	w.flag(true)  //   use_delta_flag[2]: -2 kept
	w.flag(true)  // used_by_curr_pic_flag[3]: +2 kept
	w.flag(false) // used_by_curr_pic_flag[4]
	w.flag(false) //   use_delta_flag[4]: +1 dropped
	// Set 1 is {-2, +2}. Set 2: moved by deltaRps = -2; 3 flags.
	w.flag(true) // inter_ref_pic_set_prediction_flag
	w.flag(true) // delta_rps_sign
	w.ue(1)      // abs_delta_rps_minus1
	for range 3 {
		w.flag(true)
	}
	// Set 3: explicit, 2 negative.
	w.flag(false) // inter_ref_pic_set_prediction_flag
	w.ue(2)
	w.ue(0)
	w.ue(0)
	w.flag(true)
	w.ue(1)
	w.flag(false)
}

func TestParseH265SPSSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec h265SPSSpec
		want func(s *H265SPS)
		err  error
	}{
		{
			name: "three sub-layers with sub-layer profile and level",
			spec: h265SPSSpec{maxSubLayersMinus1: 2, subProfile: []bool{true, false}, subLevel: []bool{true, true},
				chroma: 1, width: 1920, height: 1088, confWin: []uint32{0, 0, 0, 4}, orderingAll: true,
				longTerm: -1, vui: fullH265VUI},
			want: func(s *H265SPS) {
				require.Equal(t, uint8(2), s.MaxSubLayersMinus1)
				require.Equal(t, highTierPTL, s.PTL)
				require.Equal(t, uint32(3), s.ID)
				require.Equal(t, 1920, s.Width)
				require.Equal(t, 1080, s.Height)
				require.Equal(t, uint32(10), s.BitDepthLuma)
				require.Equal(t, 50.0, s.FrameRate())
			},
		},
		{
			name: "six sub-layers, ordering info for the last only",
			spec: h265SPSSpec{maxSubLayersMinus1: 6, subProfile: []bool{false, true, false, true, false, true},
				subLevel: []bool{true, false, true, false, true, false}, chroma: 1, width: 64, height: 64,
				longTerm: -1, vui: fullH265VUI},
			want: func(s *H265SPS) {
				require.Equal(t, highTierPTL, s.PTL)
				require.Equal(t, 64, s.Width)
				require.Equal(t, 50.0, s.FrameRate())
			},
		},
		{
			name: "scaling list data, PCM, predicted RPS, long-term pictures",
			spec: h265SPSSpec{chroma: 2, width: 1280, height: 720, confWin: []uint32{1, 1, 2, 2},
				scalingData: true, pcm: true, rps: rpsWithPrediction, longTerm: 5, vui: fullH265VUI},
			want: func(s *H265SPS) {
				require.Equal(t, uint32(4), s.NumShortTermRefPicSets)
				require.True(t, s.LongTermRefPicsPresent)
				require.Equal(t, 1280-4, s.Width) // SubWidthC 2
				require.Equal(t, 720-4, s.Height) // SubHeightC 1
				require.True(t, s.TimingInfoPresent)
				require.Equal(t, uint32(50), s.TimeScale)
			},
		},
		{
			name: "no VUI",
			spec: h265SPSSpec{chroma: 0, width: 100, height: 50, confWin: []uint32{1, 2, 3, 4}, longTerm: 0},
			want: func(s *H265SPS) {
				require.False(t, s.VUIPresent)
				require.Zero(t, s.FrameRate())
				require.Equal(t, 97, s.Width) // monochrome: SubWidthC 1
				require.Equal(t, 43, s.Height)
			},
		},
		{
			name: "VUI cut short keeps the SPS without timing",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, longTerm: -1, vui: func(w *bitWriter) {
				w.flag(true) // aspect_ratio_info_present_flag
				w.u(8, 255)  // EXTENDED_SAR, then nothing
			}},
			want: func(s *H265SPS) {
				require.True(t, s.VUIPresent)
				require.False(t, s.TimingInfoPresent)
				require.Equal(t, 64, s.Width)
			},
		},
		{
			name: "window wider than picture",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, confWin: []uint32{16, 16, 0, 0}, longTerm: -1},
			err:  ErrParamOutOfRange,
		},
		{
			name: "zero height",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 0, longTerm: -1},
			err:  ErrParamOutOfRange,
		},
		{
			name: "chroma_format_idc 5",
			spec: h265SPSSpec{chroma: 5, width: 64, height: 64, longTerm: -1},
			err:  ErrParamOutOfRange,
		},
		{
			name: "too many reference picture sets",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, longTerm: -1,
				rps: func(w *bitWriter) { w.ue(65) }},
			err: ErrParamOutOfRange,
		},
		{
			name: "too many negative pictures",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, longTerm: -1,
				rps: func(w *bitWriter) { w.ue(1); w.ue(17); w.ue(0) }},
			err: ErrParamOutOfRange,
		},
		{
			name: "predicted set grows past 16 pictures",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, longTerm: -1,
				rps: func(w *bitWriter) {
					w.ue(2)
					w.ue(16) // set 0: 16 negative pictures
					w.ue(0)
					for range 16 {
						w.ue(0)
						w.flag(true)
					}
					w.flag(true) // set 1 predicted with deltaRps -1: 17 negatives
					w.flag(true)
					w.ue(0)
					for range 17 {
						w.flag(true)
					}
				}},
			err: ErrParamOutOfRange,
		},
		{
			name: "too many long-term pictures",
			spec: h265SPSSpec{chroma: 1, width: 64, height: 64, longTerm: 33},
			err:  ErrParamOutOfRange,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseH265SPS(tc.spec.nal())
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Equal(t, H265SPS{}, s)
				return
			}
			require.NoError(t, err)
			tc.want(&s)
		})
	}
}

func TestParseH265SPSErrors(t *testing.T) {
	sps := firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALSPS))
	for _, nal := range [][]byte{nil, {0x42}, {0x40, 0x01, 0x0c}} {
		_, err := ParseH265SPS(nal)
		require.ErrorIs(t, err, ErrWrongNALType)
	}
	// Truncated before the VUI flag: an error.
	for n := 2; n < 20; n++ {
		_, err := ParseH265SPS(sps[:n])
		require.ErrorIs(t, err, ErrBitstreamEnd, "length %d", n)
	}
	// sps_max_sub_layers_minus1 = 7 is reserved.
	bad := append([]byte{}, sps...)
	bad[2] |= 0x0e
	_, err := ParseH265SPS(bad)
	require.ErrorIs(t, err, ErrParamOutOfRange)
}

func TestParseH265VPS(t *testing.T) {
	vps := firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALVPS))
	v, err := ParseH265VPS(vps)
	require.NoError(t, err)
	require.Equal(t, H265VPS{TemporalIDNesting: true, PTL: mainPTL}, v)
	require.Zero(t, v.FrameRate()) // x265 puts the timing in the SPS VUI only

	// A VPS with two sub-layers, layer sets and timing.
	var w bitWriter
	w.u(4, 2)     // vps_video_parameter_set_id
	w.u(2, 3)     // base layer internal and available
	w.u(6, 0)     // vps_max_layers_minus1
	w.u(3, 1)     // vps_max_sub_layers_minus1
	w.flag(false) // vps_temporal_id_nesting_flag
	w.u(16, 0xffff)
	writeH265PTL(&w, highTierPTL, 1, []bool{true}, []bool{true})
	w.flag(false) // vps_sub_layer_ordering_info_present_flag: one set
	w.ue(3)
	w.ue(1)
	w.ue(0)
	w.u(6, 5)    // vps_max_layer_id
	w.ue(2)      // vps_num_layer_sets_minus1: 2 sets of 6 flags
	w.u(12, 0)   // layer_id_included_flag
	w.flag(true) // vps_timing_info_present_flag
	w.u(32, 1001)
	w.u(32, 60000)
	w.flag(false)
	w.ue(0) // vps_num_hrd_parameters
	w.flag(false)
	v, err = ParseH265VPS(w.nal(0x40, 0x01))
	require.NoError(t, err)
	require.Equal(t, uint8(2), v.ID)
	require.Equal(t, uint8(1), v.MaxSubLayersMinus1)
	require.Equal(t, highTierPTL, v.PTL)
	require.True(t, v.TimingInfoPresent)
	require.InDelta(t, 59.94, v.FrameRate(), 0.01)

	_, err = ParseH265VPS(firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALSPS)))
	require.ErrorIs(t, err, ErrWrongNALType)
	_, err = ParseH265VPS(vps[:10])
	require.ErrorIs(t, err, ErrBitstreamEnd)
	// A huge layer set count fails at once.
	var w2 bitWriter
	w2.u(32, 0x0c01ffff) // id 0, 0 layers, 0 sub-layers (all 4 header fields), reserved
	writeH265PTL(&w2, mainPTL, 0, nil, nil)
	w2.flag(true)
	w2.ue(0)
	w2.ue(0)
	w2.ue(0)
	w2.u(6, 63)
	w2.ue(1023)
	_, err = ParseH265VPS(w2.nal(0x40, 0x01))
	require.ErrorIs(t, err, ErrBitstreamEnd)
}

func BenchmarkParseH265SPS(b *testing.B) {
	sps := firstNAL(b, "h265_main_720p_4mbps_bframes.h265", h265NALOf(H265NALSPS))
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseH265SPS(sps)
		if err != nil || s.Width != 1280 {
			b.Fatal(err)
		}
	}
}
