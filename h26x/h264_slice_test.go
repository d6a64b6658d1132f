package h26x

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseH264PPS(t *testing.T) {
	for _, tc := range []struct {
		name string
		pps  []byte
		want H264PPS
	}{
		{"testdata main", firstNAL(t, "h264_main_720p.h264", h264NALOf(H264NALPPS)),
			H264PPS{EntropyCodingMode: true, NumSliceGroups: 1}},
		{"testdata high", firstNAL(t, "h264_high_slices_720p_bframes.h264", h264NALOf(H264NALPPS)),
			H264PPS{EntropyCodingMode: true, NumSliceGroups: 1}},
		{"x264 baseline (CAVLC)", mustHex(t, "68cb83cb20"), H264PPS{NumSliceGroups: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseH264PPS(tc.pps)
			require.NoError(t, err)
			require.Equal(t, tc.want, p)
		})
	}
}

// h264PPS writes a PPS with slice groups of map type mapType.
func h264PPS(id, spsID uint32, groups uint32, mapType uint32, mapUnits uint32, redundant bool) []byte {
	var w bitWriter
	w.ue(id)
	w.ue(spsID)
	w.flag(false) // entropy_coding_mode_flag
	w.flag(true)  // bottom_field_pic_order_in_frame_present_flag
	w.ue(groups - 1)
	if groups > 1 {
		w.ue(mapType)
		switch mapType {
		case 0:
			for range groups {
				w.ue(10)
			}
		case 2:
			for range groups - 1 {
				w.ue(1)
				w.ue(30)
			}
		case 3, 4, 5:
			w.flag(true)
			w.ue(3)
		case 6:
			w.ue(mapUnits - 1)
			for i := range mapUnits {
				w.u(2, uint64(i%groups)) // Ceil(Log2(3 or 4)) = 2 bits
			}
		}
	}
	w.ue(0)
	w.ue(0)
	w.flag(false)
	w.u(2, 0)
	w.se(0)
	w.se(0)
	w.se(-2)
	w.flag(true)
	w.flag(false)
	w.flag(redundant)
	return w.nal(0x68)
}

func TestParseH264PPSSliceGroups(t *testing.T) {
	for _, mapType := range []uint32{0, 1, 2, 3, 4, 5, 6} {
		p, err := ParseH264PPS(h264PPS(7, 3, 3, mapType, 99, true))
		require.NoError(t, err, "map type %d", mapType)
		require.Equal(t, H264PPS{ID: 7, SPSID: 3, BottomFieldPicOrderInFramePresent: true,
			NumSliceGroups: 3, RedundantPicCntPresent: true}, p, "map type %d", mapType)
	}
	_, err := ParseH264PPS(h264PPS(256, 0, 1, 0, 0, false))
	require.ErrorIs(t, err, ErrParamOutOfRange)
	_, err = ParseH264PPS(h264PPS(0, 0, 9, 0, 0, false))
	require.ErrorIs(t, err, ErrParamOutOfRange)
	// slice_group_id for 2^32-1 map units: checked against the data left.
	var w bitWriter
	w.ue(0)
	w.ue(0)
	w.u(2, 0)
	w.ue(1)         // two groups
	w.ue(6)         // map type 6
	w.ue(1<<32 - 2) // pic_size_in_map_units_minus1
	_, err = ParseH264PPS(w.nal(0x68))
	require.ErrorIs(t, err, ErrBitstreamEnd)
	_, err = ParseH264PPS([]byte{0x67})
	require.ErrorIs(t, err, ErrWrongNALType)
}

// TestParseH264SliceHeader compares slice headers of the 4-slice stream
// with what ffmpeg's trace_headers prints for them.
func TestParseH264SliceHeader(t *testing.T) {
	data, err := os.ReadFile("../testdata/h264_high_slices_720p_bframes.h264")
	require.NoError(t, err)
	nals := SplitNALs(nil, data)
	sps, err := ParseH264SPS(nals[0])
	require.NoError(t, err)
	pps, err := ParseH264PPS(nals[1])
	require.NoError(t, err)

	type hdr struct {
		ref      uint8
		firstMB  uint32
		typ      H264SliceType
		frameNum uint32
		poc      uint32
	}
	var got []hdr
	for _, nal := range nals {
		if !H264Type(nal).IsVCL() {
			continue
		}
		h, err := ParseH264SliceHeader(nal, &sps, &pps)
		require.NoError(t, err)
		require.True(t, h.Full)
		got = append(got, hdr{h.NALRefIDC, h.FirstMB, h.SliceType, h.FrameNum, h.PicOrderCntLsb})
		mb, err := H264SliceFirstMB(nal)
		require.NoError(t, err)
		require.Equal(t, h.FirstMB, mb)
		if len(got) == 20 {
			break
		}
	}
	I, P, B := H264SliceI, H264SliceP, H264SliceB
	require.Equal(t, []hdr{
		{3, 0, I, 0, 0}, {3, 880, I, 0, 0}, {3, 1840, I, 0, 0}, {3, 2720, I, 0, 0},
		{2, 0, P, 1, 4}, {2, 880, P, 1, 4}, {2, 1840, P, 1, 4}, {2, 2720, P, 1, 4},
		{0, 0, B, 2, 2}, {0, 880, B, 2, 2}, {0, 1840, B, 2, 2}, {0, 2720, B, 2, 2},
		{2, 0, P, 2, 6}, {2, 880, P, 2, 6}, {2, 1840, P, 2, 6}, {2, 2720, P, 2, 6},
		{2, 0, P, 3, 12}, {2, 880, P, 3, 12}, {2, 1840, P, 3, 12}, {2, 2720, P, 3, 12},
	}, got)

	// Without parameter sets only the first three fields.
	idr := nals[3]
	require.Equal(t, H264NALIDR, H264Type(idr))
	h, err := ParseH264SliceHeader(idr, nil, nil)
	require.NoError(t, err)
	require.Equal(t, H264SliceHeader{NALRefIDC: 3, IDR: true, SliceType: I}, h)

	// Mismatched parameter sets, wrong types, truncation.
	other := pps
	other.ID = 5
	_, err = ParseH264SliceHeader(idr, &sps, &other)
	require.ErrorIs(t, err, ErrParamOutOfRange)
	_, err = ParseH264SliceHeader(nals[0], nil, nil)
	require.ErrorIs(t, err, ErrWrongNALType)
	_, err = H264SliceFirstMB([]byte{0x23, 0x80}) // data partition B has no header
	require.ErrorIs(t, err, ErrWrongNALType)
	_, err = H264SliceFirstMB([]byte{0x65})
	require.ErrorIs(t, err, ErrBitstreamEnd)
	_, err = ParseH264SliceHeader(idr[:2], &sps, &pps)
	require.ErrorIs(t, err, ErrBitstreamEnd)
}

func TestParseH264SliceHeaderFields(t *testing.T) {
	// Field-coded SPS with POC type 0 and a PPS with the bottom-field delta
	// and redundant_pic_cnt: every optional field is present.
	sps, err := ParseH264SPS(h264SPSSpec{profile: 77, widthMbs: 45, heightMapUnits: 18, frameMbsOnly: false}.nal())
	require.NoError(t, err)
	pps, err := ParseH264PPS(h264PPS(1, 0, 1, 0, 0, true))
	require.NoError(t, err)
	var w bitWriter
	w.ue(45)      // first_mb_in_slice
	w.ue(2)       // I
	w.ue(1)       // pic_parameter_set_id
	w.u(6, 33)    // frame_num: log2_max_frame_num = 6
	w.flag(false) // field_pic_flag: a frame, so the bottom delta follows
	w.ue(9)       // idr_pic_id
	w.u(7, 100)   // pic_order_cnt_lsb: 7 bits
	w.se(-3)      // delta_pic_order_cnt_bottom
	w.ue(2)       // redundant_pic_cnt
	h, err := ParseH264SliceHeader(w.nal(0x65), &sps, &pps)
	require.NoError(t, err)
	require.Equal(t, H264SliceHeader{NALRefIDC: 3, IDR: true, FirstMB: 45, SliceType: H264SliceI, PPSID: 1,
		Full: true, FrameNum: 33, IDRPicID: 9, PicOrderCntLsb: 100, DeltaPicOrderCntBottom: -3,
		RedundantPicCnt: 2}, h)

	// A bottom field: no bottom delta.
	w = bitWriter{}
	w.ue(0)
	w.ue(0) // P
	w.ue(1)
	w.u(6, 34)
	w.flag(true) // field_pic_flag
	w.flag(true) // bottom_field_flag
	w.u(7, 101)
	w.ue(0)
	h, err = ParseH264SliceHeader(w.nal(0x41), &sps, &pps)
	require.NoError(t, err)
	require.True(t, h.FieldPic)
	require.True(t, h.BottomField)
	require.Equal(t, uint32(101), h.PicOrderCntLsb)
	require.Equal(t, "P", h.SliceType.String())
}

func TestH264SliceTypeString(t *testing.T) {
	for typ, s := range map[H264SliceType]string{H264SliceP: "P", H264SliceB: "B", H264SliceI: "I",
		H264SliceSP: "SP", H264SliceSI: "SI", 7: "H264SliceType(7)"} {
		require.Equal(t, s, typ.String())
	}
}
