package h26x

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseH265PPS(t *testing.T) {
	p, err := ParseH265PPS(firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALPPS)))
	require.NoError(t, err)
	require.Equal(t, H265PPS{}, p) // x265: IDs 0, no dependent segments, no output flag, no extra bits

	var w bitWriter
	w.ue(63)     // pps_pic_parameter_set_id
	w.ue(15)     // pps_seq_parameter_set_id
	w.flag(true) // dependent_slice_segments_enabled_flag
	w.flag(true) // output_flag_present_flag
	w.u(3, 5)    // num_extra_slice_header_bits
	p, err = ParseH265PPS(w.nal(0x44, 0x01))
	require.NoError(t, err)
	require.Equal(t, H265PPS{ID: 63, SPSID: 15, DependentSliceSegmentsEnabled: true, OutputFlagPresent: true,
		NumExtraSliceHeaderBits: 5}, p)

	for _, tc := range []struct {
		name string
		nal  []byte
		err  error
	}{
		{"not a PPS", []byte{0x42, 0x01, 0xff}, ErrWrongNALType},
		{"truncated", []byte{0x44, 0x01, 0x01}, ErrBitstreamEnd},
		{"ID 64", func() []byte { var w bitWriter; w.ue(64); w.ue(0); w.u(8, 0); return w.nal(0x44, 0x01) }(), ErrParamOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseH265PPS(tc.nal)
			require.ErrorIs(t, err, tc.err)
		})
	}
}

// TestParseH265SliceHeader compares the first slice segment headers of the
// B-frame stream with what ffmpeg's trace_headers prints for them.
func TestParseH265SliceHeader(t *testing.T) {
	sps, err := ParseH265SPS(firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALSPS)))
	require.NoError(t, err)
	pps, err := ParseH265PPS(firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALPPS)))
	require.NoError(t, err)
	aus, _ := splitAUs(t, "h265_main_720p_bframes.h265", &H265AUDetector{})
	type hdr struct {
		nalType H265NALType
		typ     H265SliceType
		lsb     uint32
	}
	var got []hdr
	for _, au := range aus[:6] {
		for _, nal := range au {
			if H265Type(nal).IsVCL() {
				h, err := ParseH265SliceHeader(nal, &sps, &pps)
				require.NoError(t, err)
				require.True(t, h.Full && h.FirstSliceSegmentInPic && h.PicOutput)
				got = append(got, hdr{h.NALType, h.SliceType, h.PicOrderCntLsb})
			}
		}
	}
	I, P, B := H265SliceI, H265SliceP, H265SliceB
	require.Equal(t, []hdr{{H265NALIDRNLP, I, 0}, {H265NALTrailR, P, 5}, {H265NALTrailR, B, 3},
		{H265NALTrailN, B, 1}, {H265NALTrailN, B, 2}, {H265NALTrailN, B, 4}}, got)
}

// h265Segment writes a slice segment of type typ for ParseH265SliceHeader.
func h265Segment(typ H265NALType, first bool, ppsID uint32, rest func(w *bitWriter)) []byte {
	var w bitWriter
	w.flag(first)
	if typ.IsIRAP() {
		w.flag(true) // no_output_of_prior_pics_flag
	}
	w.ue(ppsID)
	if rest != nil {
		rest(&w)
	}
	return w.nal(byte(typ)<<1, 0x02) // TemporalId 1
}

func TestParseH265SliceHeaderFields(t *testing.T) {
	// 1920x1080 with 32x32 blocks: 60x34 = 2040 CTBs, 11-bit addresses.
	sps := H265SPS{ID: 1, PicWidth: 1920, PicHeight: 1080, Log2CtbSize: 5, Log2MaxPicOrderCntLsb: 6,
		SeparateColourPlane: true}
	pps := H265PPS{ID: 2, SPSID: 1, DependentSliceSegmentsEnabled: true, OutputFlagPresent: true,
		NumExtraSliceHeaderBits: 2}
	for _, tc := range []struct {
		name string
		nal  []byte
		want H265SliceHeader
	}{
		{"independent segment with every optional field", h265Segment(H265NALTrailR, false, 2, func(w *bitWriter) {
			w.flag(false) // dependent_slice_segment_flag
			w.u(11, 2039) // slice_segment_address
			w.u(2, 3)     // slice_reserved_flag x2
			w.ue(0)       // B
			w.flag(false) // pic_output_flag
			w.u(2, 2)     // colour_plane_id
			w.u(6, 33)    // slice_pic_order_cnt_lsb
		}), H265SliceHeader{NALType: H265NALTrailR, TemporalID: 1, PPSID: 2, Full: true, SegmentAddress: 2039,
			SliceType: H265SliceB, ColourPlaneID: 2, PicOrderCntLsb: 33}},
		{"dependent segment stops at its address", h265Segment(H265NALTrailN, false, 2, func(w *bitWriter) {
			w.flag(true) // dependent_slice_segment_flag
			w.u(11, 7)
		}), H265SliceHeader{NALType: H265NALTrailN, TemporalID: 1, PPSID: 2, Full: true, Dependent: true,
			SegmentAddress: 7, PicOutput: true}},
		{"IDR has no lsb", h265Segment(H265NALIDRWRADL, true, 2, func(w *bitWriter) {
			w.u(2, 0)
			w.ue(2) // I
			w.flag(true)
			w.u(2, 0)
		}), H265SliceHeader{NALType: H265NALIDRWRADL, TemporalID: 1, FirstSliceSegmentInPic: true,
			NoOutputOfPriorPics: true, PPSID: 2, Full: true, SliceType: H265SliceI, PicOutput: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseH265SliceHeader(tc.nal, &sps, &pps)
			require.NoError(t, err)
			require.Equal(t, tc.want, h)
		})
	}

	cra := h265Segment(H265NALCRA, true, 2, nil)
	h, err := ParseH265SliceHeader(cra, nil, nil)
	require.NoError(t, err)
	require.Equal(t, H265SliceHeader{NALType: H265NALCRA, TemporalID: 1, FirstSliceSegmentInPic: true,
		NoOutputOfPriorPics: true, PPSID: 2}, h)
	require.Equal(t, "B P I H265SliceType(3)",
		H265SliceB.String()+" "+H265SliceP.String()+" "+H265SliceI.String()+" "+H265SliceType(3).String())

	for _, tc := range []struct {
		name string
		nal  []byte
		sps  H265SPS
		err  error
	}{
		{"not a slice", []byte{0x40, 0x01, 0x0c}, sps, ErrWrongNALType},
		{"too short", []byte{0x02}, sps, ErrWrongNALType},
		{"truncated", cra, sps, ErrBitstreamEnd},
		{"other PPS", h265Segment(H265NALTrailR, true, 3, nil), sps, ErrParamOutOfRange},
		{"slice_type 3", h265Segment(H265NALTrailR, true, 2, func(w *bitWriter) { w.u(2, 0); w.ue(3) }), sps,
			ErrParamOutOfRange},
		{"no CTB size for the address", h265Segment(H265NALTrailR, false, 2, func(w *bitWriter) { w.u(16, 0) }),
			H265SPS{ID: 1, PicWidth: 64, PicHeight: 64}, ErrParamOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseH265SliceHeader(tc.nal, &tc.sps, &pps)
			require.ErrorIs(t, err, tc.err)
		})
	}
}

// TestH265SliceParsersTruncated feeds every prefix of the PPS and of the
// first slice segments of the testdata stream, and single-bit changes of
// them, to the parsers: an error or a header, never a panic.
func TestH265SliceParsersTruncated(t *testing.T) {
	sps, err := ParseH265SPS(firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALSPS)))
	require.NoError(t, err)
	pps := firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(H265NALPPS))
	p, err := ParseH265PPS(pps)
	require.NoError(t, err)
	aus, _ := splitAUs(t, "h265_main_720p_bframes.h265", &H265AUDetector{})
	var c H265POC
	for _, au := range aus[:8] {
		for _, nal := range au {
			if !H265Type(nal).IsVCL() {
				continue
			}
			for n := range min(len(nal), 24) {
				if h, err := ParseH265SliceHeader(nal[:n], &sps, &p); err == nil {
					_, _, _ = c.Next(&h, &sps)
				}
				flipped := append([]byte(nil), nal[:24]...)
				flipped[n] ^= 0x10
				if h, err := ParseH265SliceHeader(flipped, &sps, &p); err == nil {
					_, _, _ = c.Next(&h, &sps)
				}
			}
		}
	}
	for n := range len(pps) {
		_, _ = ParseH265PPS(pps[:n])
	}
}
