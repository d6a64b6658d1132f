package h26x

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestKeyframes(t *testing.T) {
	aus, _ := splitAUs(t, "h264_main_720p.h264", &H264AUDetector{})
	sps, pps := H264ParameterSets(aus[0])
	require.Equal(t, H264NALSPS, H264Type(sps))
	require.Equal(t, H264NALPPS, H264Type(pps))
	sps2, pps2 := H264ParameterSets(aus[1])
	require.Nil(t, sps2)
	require.Nil(t, pps2)
	require.True(t, H264IsKeyframe(aus[25]))
	require.False(t, H264IsKeyframe(aus[24]))
	require.False(t, H264IsKeyframe(nil))

	haus, _ := splitAUs(t, "h265_main_720p_bframes.h265", &H265AUDetector{})
	vps, hsps, hpps := H265ParameterSets(haus[0])
	require.Equal(t, H265NALVPS, H265Type(vps))
	require.Equal(t, H265NALSPS, H265Type(hsps))
	require.Equal(t, H265NALPPS, H265Type(hpps))
	v, s, p := H265ParameterSets(haus[1])
	require.Nil(t, v)
	require.Nil(t, s)
	require.Nil(t, p)
	// x265's second keyframe is a CRA (open GOP); IRAP all the same.
	var cra bool
	for _, nal := range haus[21] {
		cra = cra || H265Type(nal) == H265NALCRA
	}
	require.True(t, cra)
	require.True(t, H265IsKeyframe(haus[21]))
	require.False(t, H265IsKeyframe(haus[20]))
	// An IRAP in an enhancement layer only is no keyframe.
	require.False(t, H265IsKeyframe([][]byte{h265NAL(H265NALIDRNLP, 1, 0x80)}))
}

func TestPrependParameterSets(t *testing.T) {
	var (
		sps   = []byte{0x67, 1}
		pps   = []byte{0x68, 2}
		aud   = []byte{0x09, 0xf0}
		sei   = []byte{0x06, 5}
		idr   = []byte{0x65, 0x88}
		slice = []byte{0x41, 0x9a}
	)
	for _, tc := range []struct {
		name string
		au   [][]byte
		sps  []byte
		pps  []byte
		want [][]byte
	}{
		{"bare IDR", [][]byte{idr}, sps, pps, [][]byte{sps, pps, idr}},
		{"after AUD, before SEI", [][]byte{aud, sei, idr}, sps, pps, [][]byte{aud, sps, pps, sei, idr}},
		{"has both", [][]byte{sps, pps, idr}, []byte{0x67, 9}, []byte{0x68, 9}, [][]byte{sps, pps, idr}},
		{"has SPS only", [][]byte{aud, sps, sei, idr}, []byte{0x67, 9}, pps, [][]byte{aud, sps, pps, sei, idr}},
		{"has PPS only", [][]byte{pps, idr}, sps, []byte{0x68, 9}, [][]byte{sps, pps, idr}},
		{"not a keyframe", [][]byte{slice}, sps, pps, [][]byte{slice}},
		{"nothing to insert", [][]byte{idr}, nil, nil, [][]byte{idr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := [][]byte{{0xee}}
			got := H264PrependParameterSets(prefix, tc.au, tc.sps, tc.pps)
			require.Equal(t, append([][]byte{{0xee}}, tc.want...), got)
		})
	}

	var (
		hvps = h265NAL(H265NALVPS, 0, 1)
		hsps = h265NAL(H265NALSPS, 0, 1)
		hpps = h265NAL(H265NALPPS, 0, 1)
		haud = h265NAL(H265NALAUD, 0, 0x50)
		hcra = h265NAL(H265NALCRA, 0, 0x80)
		htr  = h265NAL(H265NALTrailR, 0, 0x80)
	)
	require.Equal(t, [][]byte{haud, hvps, hsps, hpps, hcra},
		H265PrependParameterSets(nil, [][]byte{haud, hcra}, hvps, hsps, hpps))
	require.Equal(t, [][]byte{hvps, hsps, hpps, hcra},
		H265PrependParameterSets(nil, [][]byte{hsps, hcra}, hvps, []byte{0x42, 0x01, 9}, hpps))
	require.Equal(t, [][]byte{htr}, H265PrependParameterSets(nil, [][]byte{htr}, hvps, hsps, hpps))
}
