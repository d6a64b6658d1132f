package h26x

import (
	"encoding/hex"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// firstNAL returns the first NAL unit of the testdata stream name for which
// keep returns true.
func firstNAL(t testing.TB, name string, keep func([]byte) bool) []byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	require.NoError(t, err)
	for _, nal := range SplitNALs(nil, data) {
		if keep(nal) {
			return nal
		}
	}
	t.Fatalf("%s: no such NAL unit", name)
	return nil
}

func h264NALOf(typ H264NALType) func([]byte) bool {
	return func(n []byte) bool { return H264Type(n) == typ }
}

// TestParseH264SPSEncoders parses SPSs written by x264 (through ffmpeg) in
// the testdata streams and in small streams made for this test (the
// commands are in the comments); the expected values are what ffprobe and
// ffmpeg's trace_headers report for them.
func TestParseH264SPSEncoders(t *testing.T) {
	for _, tc := range []struct {
		name string
		sps  []byte
		want H264SPS
		fps  float64
	}{
		{
			name: "testdata main 720p25",
			sps:  firstNAL(t, "h264_main_720p.h264", h264NALOf(H264NALSPS)),
			want: H264SPS{ProfileIDC: 77, ConstraintFlags: 0x40, LevelIDC: 31, ChromaFormatIDC: 1,
				BitDepthLuma: 8, BitDepthChroma: 8, Log2MaxFrameNum: 4, PicOrderCntType: 2, MaxNumRefFrames: 1,
				PicWidthInMbs: 80, PicHeightInMapUnits: 45, FrameMbsOnly: true, Width: 1280, Height: 720,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 50,
				BitstreamRestriction: true, MaxNumReorderFrames: 0, MaxDecFrameBuffering: 1},
			fps: 25,
		},
		{
			name: "testdata high slices 720p25",
			sps:  firstNAL(t, "h264_high_slices_720p_bframes.h264", h264NALOf(H264NALSPS)),
			want: H264SPS{ProfileIDC: 100, LevelIDC: 31, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 80, PicHeightInMapUnits: 45, FrameMbsOnly: true, Width: 1280, Height: 720,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 50,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 25,
		},
		{
			// -s 1920x1080 -r 30000/1001 -profile:v high: 1088 rows cropped by 4 chroma rows.
			name: "1080p29.97 cropped",
			sps:  mustHex(t, "67640028acd940780227e5c04400000fa40003a9803c60c658"),
			want: H264SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 120, PicHeightInMapUnits: 68, FrameMbsOnly: true, CropBottom: 4,
				Width: 1920, Height: 1080, VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1001, TimeScale: 60000,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 29.97002997002997,
		},
		{
			// -s 720x576 -flags +ildct+ilme -x264-params tff=1: 18 map units of field pairs.
			name: "576i MBAFF",
			sps:  mustHex(t, "6764001eacd940b424d8088000000300800000190f8a14cb"),
			want: H264SPS{ProfileIDC: 100, LevelIDC: 30, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 45, PicHeightInMapUnits: 18, MbAdaptiveFrameField: true, Width: 720, Height: 576,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 50,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 25,
		},
		{
			// -s 642x362 -profile:v high422 -pix_fmt yuv422p10le: crop units 2x1.
			name: "4:2:2 10-bit odd size",
			sps:  mustHex(t, "677a001fb6cd940a42fe227c0440000003004000001903c60c6580"),
			want: H264SPS{ProfileIDC: 122, LevelIDC: 31, ChromaFormatIDC: 2, BitDepthLuma: 10, BitDepthChroma: 10,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 41, PicHeightInMapUnits: 23, FrameMbsOnly: true, CropRight: 7, CropBottom: 6,
				Width: 642, Height: 362, VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 100,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 50,
		},
		{
			// -s 322x242 -profile:v high444 -pix_fmt yuv444p: crop units 1x1.
			name: "4:4:4 odd size",
			sps:  mustHex(t, "67f4000d919b282a10f1f1f808800000030080000018078a14cb"),
			want: H264SPS{ProfileIDC: 244, LevelIDC: 13, ChromaFormatIDC: 3, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 21, PicHeightInMapUnits: 16, FrameMbsOnly: true, CropRight: 14, CropBottom: 14,
				Width: 322, Height: 242, VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 48,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 24,
		},
		{
			// -s 322x242 -pix_fmt gray: monochrome, crop units 1x1.
			name: "monochrome odd size",
			sps:  mustHex(t, "6764000df36505421e3e3f016c800000030080000018078a14cb"),
			want: H264SPS{ProfileIDC: 100, LevelIDC: 13, ChromaFormatIDC: 0, BitDepthLuma: 8, BitDepthChroma: 8,
				Log2MaxFrameNum: 4, Log2MaxPicOrderCntLsb: 6, MaxNumRefFrames: 4,
				PicWidthInMbs: 21, PicHeightInMapUnits: 16, FrameMbsOnly: true, CropRight: 14, CropBottom: 14,
				Width: 322, Height: 242, VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 48,
				BitstreamRestriction: true, MaxNumReorderFrames: 2, MaxDecFrameBuffering: 4},
			fps: 24,
		},
		{
			// -s 320x240 -r 15 -profile:v baseline.
			name: "constrained baseline",
			sps:  mustHex(t, "6742c00cd90141fb0110000003001000000301e0f142a480"),
			want: H264SPS{ProfileIDC: 66, ConstraintFlags: 0xc0, LevelIDC: 12, ChromaFormatIDC: 1,
				BitDepthLuma: 8, BitDepthChroma: 8, Log2MaxFrameNum: 4, PicOrderCntType: 2, MaxNumRefFrames: 3,
				PicWidthInMbs: 20, PicHeightInMapUnits: 15, FrameMbsOnly: true, Width: 320, Height: 240,
				VUIPresent: true, TimingInfoPresent: true, NumUnitsInTick: 1, TimeScale: 30,
				BitstreamRestriction: true, MaxNumReorderFrames: 0, MaxDecFrameBuffering: 3},
			fps: 15,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseH264SPS(tc.sps)
			require.NoError(t, err)
			require.Equal(t, tc.want, s)
			require.InDelta(t, tc.fps, s.FrameRate(), 1e-9)
		})
	}
}

// h264SPSSpec describes an SPS for h264SPS to write, to reach syntax that
// x264 does not produce (scaling lists, picture order count type 1,
// separate colour planes, field cropping).
type h264SPSSpec struct {
	profile, constraints, level uint8
	id                          uint32
	chroma                      uint32
	separate                    bool
	depthMinus8                 uint32
	scaling                     [][]int32 // per list: nil absent, else its delta_scale codes
	pocType                     uint32
	pocCycle                    []int32
	widthMbs, heightMapUnits    uint32
	frameMbsOnly                bool
	crop                        []uint32 // left, right, top, bottom
	vui                         func(w *bitWriter)
}

func (s h264SPSSpec) nal() []byte {
	var w bitWriter
	w.u(8, uint64(s.profile))
	w.u(8, uint64(s.constraints))
	w.u(8, uint64(s.level))
	w.ue(s.id)
	if h264HighProfile(s.profile) {
		w.ue(s.chroma)
		if s.chroma == 3 {
			w.flag(s.separate)
		}
		w.ue(s.depthMinus8)
		w.ue(s.depthMinus8)
		w.flag(false) // qpprime_y_zero_transform_bypass_flag
		w.flag(s.scaling != nil)
		for _, list := range s.scaling {
			w.flag(list != nil)
			for _, d := range list {
				w.se(d)
			}
		}
	}
	w.ue(2) // log2_max_frame_num_minus4
	w.ue(s.pocType)
	switch s.pocType {
	case 0:
		w.ue(3)
	case 1:
		w.flag(true) // delta_pic_order_always_zero_flag
		w.se(-5)     // offset_for_non_ref_pic
		w.se(7)      // offset_for_top_to_bottom_field
		w.ue(uint32(len(s.pocCycle)))
		for _, o := range s.pocCycle {
			w.se(o)
		}
	}
	w.ue(2)       // max_num_ref_frames
	w.flag(false) // gaps_in_frame_num_value_allowed_flag
	w.ue(s.widthMbs - 1)
	w.ue(s.heightMapUnits - 1)
	w.flag(s.frameMbsOnly)
	if !s.frameMbsOnly {
		w.flag(false) // mb_adaptive_frame_field_flag
	}
	w.flag(true) // direct_8x8_inference_flag
	w.flag(s.crop != nil)
	for _, c := range s.crop {
		w.ue(c)
	}
	w.flag(s.vui != nil)
	if s.vui != nil {
		s.vui(&w)
	}
	return w.nal(0x67)
}

// fullVUI writes a VUI with every optional part before the timing present,
// so that the parser must skip each of them correctly.
func fullVUI(w *bitWriter) {
	w.flag(true)      // aspect_ratio_info_present_flag
	w.u(8, 255)       // Extended_SAR
	w.u(16, 64)       // sar_width
	w.u(16, 45)       // sar_height
	w.flag(true)      // overscan_info_present_flag
	w.flag(true)      // overscan_appropriate_flag
	w.flag(true)      // video_signal_type_present_flag
	w.u(3, 5)         // video_format
	w.flag(false)     // video_full_range_flag
	w.flag(true)      // colour_description_present_flag
	w.u(24, 0x010101) // BT.709 x3
	w.flag(true)      // chroma_loc_info_present_flag
	w.ue(1)
	w.ue(1)
	w.flag(true) // timing_info_present_flag
	w.u(32, 1001)
	w.u(32, 120000)
	w.flag(true) // fixed_frame_rate_flag
	w.flag(false)
}

func TestParseH264SPSSynthetic(t *testing.T) {
	list16 := func(deltas ...int32) []int32 { return deltas }
	full16 := make([]int32, 16) // 16 codes of 0: every scale stays 8
	full64 := make([]int32, 64)
	full64[0] = 3 // then 63 zeros
	for _, tc := range []struct {
		name string
		spec h264SPSSpec
		want func(s *H264SPS)
		err  error
	}{
		{
			name: "scaling lists, early stop and full",
			spec: h264SPSSpec{profile: 100, level: 40, chroma: 1, scaling: [][]int32{
				list16(-8),        // nextScale 0 at j=0: default list, one code
				nil,               // not present
				full16,            // all 16 codes
				list16(4, 1, -13), // 8+4=12, 13, 0 at j=2: three codes
				nil, nil,
				full64, // 8x8 intra
				list16(-8),
			}, widthMbs: 120, heightMapUnits: 68, frameMbsOnly: true, crop: []uint32{0, 0, 0, 4}, vui: fullVUI},
			want: func(s *H264SPS) {
				require.Equal(t, 1920, s.Width)
				require.Equal(t, 1080, s.Height)
				require.True(t, s.TimingInfoPresent)
				require.True(t, s.FixedFrameRate)
				require.InDelta(t, 59.94005994, s.FrameRate(), 1e-6)
			},
		},
		{
			name: "4:4:4 with 12 scaling lists and separate planes",
			spec: h264SPSSpec{profile: 244, chroma: 3, separate: true, depthMinus8: 4,
				scaling:  [][]int32{nil, nil, nil, nil, nil, nil, full64, nil, full64, nil, list16(-8), full64},
				widthMbs: 10, heightMapUnits: 10, frameMbsOnly: true, crop: []uint32{1, 2, 3, 4}, vui: fullVUI},
			want: func(s *H264SPS) {
				require.True(t, s.SeparateColourPlane)
				require.Equal(t, uint32(12), s.BitDepthLuma)
				// ChromaArrayType 0: crop units of one sample.
				require.Equal(t, 160-3, s.Width)
				require.Equal(t, 160-7, s.Height)
				require.Equal(t, uint32(120000), s.TimeScale)
			},
		},
		{
			name: "field coding crops in units of two chroma rows",
			spec: h264SPSSpec{profile: 77, level: 40, widthMbs: 120, heightMapUnits: 34, frameMbsOnly: false,
				crop: []uint32{0, 0, 0, 2}},
			want: func(s *H264SPS) {
				require.False(t, s.FrameMbsOnly)
				require.Equal(t, 1920, s.Width)
				require.Equal(t, 1088-2*2*2, s.Height)
				require.False(t, s.VUIPresent)
				require.Zero(t, s.FrameRate())
			},
		},
		{
			name: "pic order count type 1 cycle",
			spec: h264SPSSpec{profile: 66, pocType: 1, pocCycle: []int32{2, -2, 1000, -70000},
				widthMbs: 22, heightMapUnits: 18, frameMbsOnly: true, vui: fullVUI},
			want: func(s *H264SPS) {
				require.Equal(t, uint32(1), s.PicOrderCntType)
				require.True(t, s.DeltaPicOrderAlwaysZero)
				require.Equal(t, 352, s.Width)
				require.Equal(t, 288, s.Height)
				require.Equal(t, uint32(1001), s.NumUnitsInTick)
			},
		},
		{
			name: "VUI cut short keeps the SPS without timing",
			spec: h264SPSSpec{profile: 66, widthMbs: 22, heightMapUnits: 18, frameMbsOnly: true,
				vui: func(w *bitWriter) {
					w.flag(true) // aspect_ratio_info_present_flag
					w.u(8, 255)  // Extended_SAR, then nothing
				}},
			want: func(s *H264SPS) {
				require.True(t, s.VUIPresent)
				require.False(t, s.TimingInfoPresent)
				require.Equal(t, 352, s.Width)
			},
		},
		{
			name: "cropping everything",
			spec: h264SPSSpec{profile: 66, widthMbs: 1, heightMapUnits: 1, frameMbsOnly: true, crop: []uint32{4, 4, 0, 0}},
			err:  ErrParamOutOfRange,
		},
		{
			name: "chroma_format_idc 4",
			spec: h264SPSSpec{profile: 100, chroma: 4, widthMbs: 1, heightMapUnits: 1, frameMbsOnly: true},
			err:  ErrParamOutOfRange,
		},
		{
			name: "seq_parameter_set_id 32",
			spec: h264SPSSpec{profile: 66, id: 32, widthMbs: 1, heightMapUnits: 1, frameMbsOnly: true},
			err:  ErrParamOutOfRange,
		},
		{
			name: "delta_scale out of range",
			spec: h264SPSSpec{profile: 100, chroma: 1, scaling: [][]int32{list16(200)}, widthMbs: 1, heightMapUnits: 1},
			err:  ErrParamOutOfRange,
		},
		{
			name: "huge width",
			spec: h264SPSSpec{profile: 66, widthMbs: maxMbs + 1, heightMapUnits: 1, frameMbsOnly: true},
			err:  ErrParamOutOfRange,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseH264SPS(tc.spec.nal())
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Equal(t, H264SPS{}, s)
				return
			}
			require.NoError(t, err)
			tc.want(&s)
		})
	}
}

func TestParseH264SPSErrors(t *testing.T) {
	sps := firstNAL(t, "h264_main_720p.h264", h264NALOf(H264NALSPS))
	_, err := ParseH264SPS(nil)
	require.ErrorIs(t, err, ErrWrongNALType)
	_, err = ParseH264SPS([]byte{0x68, 0xee})
	require.ErrorIs(t, err, ErrWrongNALType)
	// Every truncation before the VUI fails; the VUI starts in byte 9.
	for n := 1; n < 9; n++ {
		_, err := ParseH264SPS(sps[:n])
		require.ErrorIs(t, err, ErrBitstreamEnd, "length %d", n)
	}
	// A truncated VUI loses the timing only.
	s, err := ParseH264SPS(sps[:12])
	require.NoError(t, err)
	require.Equal(t, 1280, s.Width)
	require.False(t, s.TimingInfoPresent)
	// Emulation prevention is removed before parsing: the SPS of
	// h264_main_720p has two 00 00 03 sequences in its VUI.
	require.Contains(t, hex.EncodeToString(sps), "00000300")
}

func BenchmarkParseH264SPS(b *testing.B) {
	sps := firstNAL(b, "h264_high_720p_4mbps_bframes.h264", h264NALOf(H264NALSPS))
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseH264SPS(sps)
		if err != nil || s.Width != 1280 {
			b.Fatal(err)
		}
	}
}
