package h26x

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// pocPicture is one picture of a testdata stream as the POC tests see it.
type pocPicture struct {
	typ    string // slice type of its first slice: "I", "P" or "B"
	poc    int64
	newCVS bool
}

// h264Pictures returns the pictures of an H.264 testdata stream in
// decoding order with their picture order counts.
func h264Pictures(t *testing.T, name string) []pocPicture {
	t.Helper()
	aus, _ := splitAUs(t, name, &H264AUDetector{})
	var sps H264SPS
	var pps H264PPS
	var c H264POC
	var pics []pocPicture
	for _, au := range aus {
		for _, nal := range au {
			var err error
			switch H264Type(nal) {
			case H264NALSPS:
				sps, err = ParseH264SPS(nal)
			case H264NALPPS:
				pps, err = ParseH264PPS(nal)
			case H264NALSlice, H264NALIDR:
				h, err := ParseH264SliceHeader(nal, &sps, &pps)
				require.NoError(t, err)
				poc, err := c.Next(&h, &sps)
				require.NoError(t, err)
				pics = append(pics, pocPicture{h.SliceType.String(), poc, h.IDR})
			}
			require.NoError(t, err)
			if H264Type(nal).IsVCL() {
				break // the first slice is the picture's
			}
		}
	}
	return pics
}

// h265Pictures is h264Pictures for H.265.
func h265Pictures(t *testing.T, name string) []pocPicture {
	t.Helper()
	aus, _ := splitAUs(t, name, &H265AUDetector{})
	var sps H265SPS
	var pps H265PPS
	var c H265POC
	var pics []pocPicture
	for _, au := range aus {
		for _, nal := range au {
			var err error
			switch typ := H265Type(nal); {
			case typ == H265NALSPS:
				sps, err = ParseH265SPS(nal)
			case typ == H265NALPPS:
				pps, err = ParseH265PPS(nal)
			case typ.IsVCL():
				h, err := ParseH265SliceHeader(nal, &sps, &pps)
				require.NoError(t, err)
				poc, newCVS, err := c.Next(&h, &sps)
				require.NoError(t, err)
				pics = append(pics, pocPicture{h.SliceType.String(), poc, newCVS})
			}
			require.NoError(t, err)
			if H265Type(nal).IsVCL() {
				break
			}
		}
	}
	return pics
}

// outputOrder sorts pictures by picture order count within each coded
// video sequence, as a decoder outputs them, and returns their types.
func outputOrder(pics []pocPicture) string {
	var out strings.Builder
	for start := 0; start < len(pics); {
		end := start + 1
		for end < len(pics) && !pics[end].newCVS {
			end++
		}
		cvs := append([]pocPicture(nil), pics[start:end]...)
		sort.SliceStable(cvs, func(i, j int) bool { return cvs[i].poc < cvs[j].poc })
		for _, p := range cvs {
			out.WriteString(p.typ)
		}
		start = end
	}
	return out.String()
}

// TestPOCOutputOrder checks the picture order counts of the testdata
// streams against ffprobe: sorted by count, the pictures come in the order
// ffprobe -show_frames -show_entries frame=pict_type lists them.
func TestPOCOutputOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hevc  bool
		order string // ffprobe's pict_type, in output order
		first []int64
	}{
		{"h264_high_slices_720p_bframes.h264", false,
			"IBPPBBPPBPBPBBBPBPBPBBBPPIBPBPBPBBPBBBPBBBPBPBBBPP", []int64{0, 4, 2, 6, 12, 8, 10, 14}},
		{"h264_high_720p_4mbps_bframes.h264", false, "IBBBPPPPPPPPPPPPPPPPPPPPP", nil},
		{"h264_main_720p.h264", false, strings.Repeat("I"+strings.Repeat("P", 24), 2), []int64{0, 2, 4, 6}},
		{"h265_main_720p_bframes.h265", true,
			"IBBBBPBBBBPBBBBPBBBBPBBBBIBBBBPBBBBPBBBBPBBBBPBBBP", []int64{0, 5, 3, 1, 2, 4, 10, 8}},
		{"h265_main_720p_4mbps_bframes.h265", true, "IBBBBPBBBBPBBBBPBBBBPBBBP", nil},
		{"conf_h265_main_720p.h265", true, strings.Repeat("I"+strings.Repeat("P", 24), 2), []int64{0, 1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pics []pocPicture
			if tc.hevc {
				pics = h265Pictures(t, tc.name)
			} else {
				pics = h264Pictures(t, tc.name)
			}
			require.Equal(t, tc.order, outputOrder(pics))
			for i, poc := range tc.first {
				require.Equal(t, poc, pics[i].poc, "picture %d", i)
			}
		})
	}
}

func TestH264POCType0(t *testing.T) {
	sps := H264SPS{Log2MaxPicOrderCntLsb: 4, Log2MaxFrameNum: 4} // lsb wraps at 16
	ref := func(lsb uint32) H264SliceHeader {
		return H264SliceHeader{Full: true, NALRefIDC: 1, PicOrderCntLsb: lsb}
	}
	nonRef := func(lsb uint32) H264SliceHeader {
		return H264SliceHeader{Full: true, PicOrderCntLsb: lsb}
	}
	idr := H264SliceHeader{Full: true, NALRefIDC: 3, IDR: true}
	bottomFirst := ref(6)
	bottomFirst.DeltaPicOrderCntBottom = -1
	field := ref(7)
	field.FieldPic, field.BottomField = true, true
	field.DeltaPicOrderCntBottom = -5 // not present in a field's header: ignored
	for _, tc := range []struct {
		name string
		hdrs []H264SliceHeader
		want []int64
	}{
		{"I P B B across the lsb wrap", []H264SliceHeader{idr, ref(6), nonRef(2), nonRef(4), ref(12), nonRef(8),
			nonRef(10), ref(2), nonRef(14), nonRef(0), ref(8)}, []int64{0, 6, 2, 4, 12, 8, 10, 18, 14, 16, 24}},
		{"non-reference pictures do not move the base", []H264SliceHeader{idr, ref(6), nonRef(2), nonRef(12)},
			[]int64{0, 6, 2, 12}},
		{"backwards wrap", []H264SliceHeader{idr, ref(2), nonRef(14)}, []int64{0, 2, -2}},
		{"IDR restarts", []H264SliceHeader{idr, ref(6), idr, ref(4)}, []int64{0, 6, 0, 4}},
		{"frame with the bottom field first", []H264SliceHeader{idr, bottomFirst}, []int64{0, 5}},
		{"field", []H264SliceHeader{idr, field}, []int64{0, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c H264POC
			var got []int64
			for _, h := range tc.hdrs {
				poc, err := c.Next(&h, &sps)
				require.NoError(t, err)
				got = append(got, poc)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestH264POCType2(t *testing.T) {
	sps := H264SPS{PicOrderCntType: 2, Log2MaxFrameNum: 4} // frame_num wraps at 16
	var c H264POC
	var got []int64
	hdr := func(frameNum uint32, ref bool, idr bool) *H264SliceHeader {
		h := &H264SliceHeader{Full: true, FrameNum: frameNum, IDR: idr}
		if ref {
			h.NALRefIDC = 2
		}
		return h
	}
	for _, h := range []*H264SliceHeader{hdr(0, true, true), hdr(1, true, false), hdr(2, false, false),
		hdr(15, true, false), hdr(0, true, false), hdr(1, true, false), hdr(0, true, true)} {
		poc, err := c.Next(h, &sps)
		require.NoError(t, err)
		got = append(got, poc)
	}
	require.Equal(t, []int64{0, 2, 3, 30, 32, 34, 0}, got)
}

func TestH264POCErrors(t *testing.T) {
	var c H264POC
	_, err := c.Next(&H264SliceHeader{Full: true}, &H264SPS{PicOrderCntType: 1})
	require.ErrorIs(t, err, ErrUnsupported)
	require.ErrorContains(t, err, "pic_order_cnt_type 1")
	_, err = c.Next(&H264SliceHeader{}, &H264SPS{})
	require.ErrorIs(t, err, ErrParamOutOfRange)
}

func TestH264ReorderDepth(t *testing.T) {
	high := firstNAL(t, "h264_high_slices_720p_bframes.h264", h264NALOf(H264NALSPS))
	main := firstNAL(t, "h264_main_720p.h264", h264NALOf(H264NALSPS))
	parse := func(nal []byte) H264SPS {
		s, err := ParseH264SPS(nal)
		require.NoError(t, err)
		return s
	}
	noVUI := func(profile, constraints, level uint8, frameMbsOnly bool) H264SPS {
		return H264SPS{ProfileIDC: profile, ConstraintFlags: constraints, LevelIDC: level,
			PicWidthInMbs: 80, PicHeightInMapUnits: 45, FrameMbsOnly: frameMbsOnly}
	}
	for _, tc := range []struct {
		name string
		sps  H264SPS
		want int
	}{
		{"x264 with B-frames: max_num_reorder_frames", parse(high), 2},
		{"x264 without B-frames: pic_order_cnt_type 2", parse(main), 0},
		{"no VUI, level 3.1 720p: MaxDpbFrames", noVUI(100, 0, 31, true), 18000 / 3600},
		{"no VUI, level 3.1 720p fields", noVUI(100, 0, 31, false), 18000 / 7200},
		{"no VUI, level 5.1: at most 16", noVUI(100, 0, 51, true), 16},
		{"no VUI, unknown level", noVUI(77, 0, 99, true), 16},
		{"no VUI, High 10 Intra", noVUI(110, 0x10, 31, true), 0},
		{"no VUI, level 1b", H264SPS{ProfileIDC: 66, ConstraintFlags: 0x10, LevelIDC: 11,
			PicWidthInMbs: 11, PicHeightInMapUnits: 9, FrameMbsOnly: true}, 4},
		{"restriction above 16", H264SPS{BitstreamRestriction: true, MaxNumReorderFrames: 40}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.sps.ReorderDepth())
		})
	}
}

// TestParseH264SPSBitstreamRestriction writes VUIs with HRD parameters,
// which the parser must skip to reach the bitstream restriction.
func TestParseH264SPSBitstreamRestriction(t *testing.T) {
	hrd := func(w *bitWriter, cpbs int) {
		w.ue(uint32(cpbs - 1)) // cpb_cnt_minus1
		w.u(4, 2)              // bit_rate_scale
		w.u(4, 3)              // cpb_size_scale
		for i := range cpbs {
			w.ue(uint32(1000 + i)) // bit_rate_value_minus1
			w.ue(uint32(2000 + i)) // cpb_size_value_minus1
			w.flag(i%2 == 0)       // cbr_flag
		}
		w.u(20, 0xabcde) // the four lengths
	}
	vui := func(timing, nalHRD, vclHRD, restriction bool) func(w *bitWriter) {
		return func(w *bitWriter) {
			w.flag(false) // aspect_ratio_info_present_flag
			w.flag(false) // overscan_info_present_flag
			w.flag(false) // video_signal_type_present_flag
			w.flag(false) // chroma_loc_info_present_flag
			w.flag(timing)
			if timing {
				w.u(32, 1)
				w.u(32, 50)
				w.flag(true)
			}
			w.flag(nalHRD)
			if nalHRD {
				hrd(w, 3)
			}
			w.flag(vclHRD)
			if vclHRD {
				hrd(w, 1)
			}
			if nalHRD || vclHRD {
				w.flag(false) // low_delay_hrd_flag
			}
			w.flag(true) // pic_struct_present_flag
			w.flag(restriction)
			if restriction {
				w.flag(true) // motion_vectors_over_pic_boundaries_flag
				w.ue(2)
				w.ue(1)
				w.ue(16)
				w.ue(16)
				w.ue(3) // max_num_reorder_frames
				w.ue(5) // max_dec_frame_buffering
			}
		}
	}
	for _, tc := range []struct {
		name                            string
		timing, nalHRD, vclHRD, restric bool
	}{
		{"both HRDs", true, true, true, true},
		{"NAL HRD, no timing", false, true, false, true},
		{"VCL HRD", true, false, true, true},
		{"no restriction", true, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseH264SPS(h264SPSSpec{profile: 100, chroma: 1, widthMbs: 80, heightMapUnits: 45,
				frameMbsOnly: true, vui: vui(tc.timing, tc.nalHRD, tc.vclHRD, tc.restric)}.nal())
			require.NoError(t, err)
			require.Equal(t, tc.timing, s.TimingInfoPresent)
			require.Equal(t, tc.restric, s.BitstreamRestriction)
			if tc.restric {
				require.Equal(t, uint32(3), s.MaxNumReorderFrames)
				require.Equal(t, uint32(5), s.MaxDecFrameBuffering)
				require.Equal(t, 3, s.ReorderDepth())
			}
		})
	}
	// A VUI broken after the timing keeps the timing.
	s, err := ParseH264SPS(h264SPSSpec{profile: 100, chroma: 1, widthMbs: 80, heightMapUnits: 45, frameMbsOnly: true,
		vui: func(w *bitWriter) {
			w.u(4, 0)    // no aspect ratio, overscan, signal type, chroma location
			w.flag(true) // timing_info_present_flag
			w.u(32, 1)
			w.u(32, 50)
			w.flag(true)
			w.flag(true) // nal_hrd_parameters_present_flag
			w.ue(40)     // cpb_cnt_minus1 out of range
		}}.nal())
	require.NoError(t, err)
	require.True(t, s.TimingInfoPresent)
	require.False(t, s.BitstreamRestriction)
}

func TestH265POC(t *testing.T) {
	sps := H265SPS{Log2MaxPicOrderCntLsb: 4} // lsb wraps at 16
	pic := func(typ H265NALType, tid uint8, lsb uint32) H265SliceHeader {
		return H265SliceHeader{NALType: typ, TemporalID: tid, FirstSliceSegmentInPic: true, Full: true,
			PicOrderCntLsb: lsb}
	}
	idr := pic(H265NALIDRWRADL, 0, 0)
	cra := pic(H265NALCRA, 0, 12)
	type want struct {
		poc    int64
		newCVS bool
	}
	for _, tc := range []struct {
		name string
		hdrs []H265SliceHeader
		want []want
	}{
		{"trailing pictures across the lsb wrap", []H265SliceHeader{idr, pic(H265NALTrailR, 0, 8),
			pic(H265NALTrailN, 1, 4), pic(H265NALTrailR, 0, 0), pic(H265NALTrailN, 1, 12), pic(H265NALTrailR, 0, 8)},
			[]want{{0, true}, {8, false}, {4, false}, {16, false}, {12, false}, {24, false}}},
		{"sub-layer non-reference and higher layers do not move the base", []H265SliceHeader{idr,
			pic(H265NALTrailR, 0, 6), pic(H265NALTrailN, 0, 2), pic(H265NALTrailR, 2, 2), pic(H265NALTrailR, 0, 12)},
			[]want{{0, true}, {6, false}, {2, false}, {2, false}, {12, false}}},
		{"a first CRA starts a sequence, a later one does not", []H265SliceHeader{cra, pic(H265NALRASLN, 0, 10),
			pic(H265NALTrailR, 0, 14), pic(H265NALCRA, 0, 4), pic(H265NALRASLN, 0, 2)},
			[]want{{12, true}, {10, false}, {14, false}, {20, false}, {18, false}}},
		{"RADL pictures do not move the base", []H265SliceHeader{idr, pic(H265NALTrailR, 0, 7),
			pic(H265NALRADLR, 0, 2), pic(H265NALTrailR, 0, 12)},
			[]want{{0, true}, {7, false}, {2, false}, {12, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c H265POC
			var got []want
			for _, h := range tc.hdrs {
				poc, newCVS, err := c.Next(&h, &sps)
				require.NoError(t, err)
				got = append(got, want{poc, newCVS})
			}
			require.Equal(t, tc.want, got)
		})
	}
	var c H265POC
	_, _, err := c.Next(&H265SliceHeader{FirstSliceSegmentInPic: true}, &sps)
	require.ErrorIs(t, err, ErrParamOutOfRange)
	c.Reset()
	_, newCVS, err := c.Next(&cra, &sps)
	require.NoError(t, err)
	require.True(t, newCVS)
}
