package h26x

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// rfcSprop is the sprop-parameter-sets value of the SDP example in RFC 3984
// (carried over to RFC 6184): a Baseline QCIF SPS and its PPS.
const rfcSprop = "Z0IACpZTBYmI,aMljiA=="

func TestH264Sprop(t *testing.T) {
	nals, err := ParseH264SpropParameterSets(rfcSprop)
	require.NoError(t, err)
	require.Equal(t, [][]byte{
		{0x67, 0x42, 0x00, 0x0a, 0x96, 0x53, 0x05, 0x89, 0x88},
		{0x68, 0xc9, 0x63, 0x88},
	}, nals)
	require.Equal(t, rfcSprop, H264SpropParameterSets(nals...))
	require.Equal(t, "42000a", H264ProfileLevelID(nals[0]))
	sps, err := ParseH264SPS(nals[0])
	require.NoError(t, err)
	require.Equal(t, 176, sps.Width)
	require.Equal(t, 144, sps.Height)

	// The testdata stream: Main profile (77 = 0x4d), constraint_set1_flag
	// (0x40), level 3.1 (31 = 0x1f), as ffprobe reports.
	data := firstNAL(t, "h264_main_720p.h264", h264NALOf(H264NALSPS))
	require.Equal(t, "4d401f", H264ProfileLevelID(data))
	require.Equal(t, "64001f", H264ProfileLevelID(firstNAL(t, "h264_high_slices_720p_bframes.h264", h264NALOf(H264NALSPS))))
	require.Equal(t, "", H264ProfileLevelID(data[:3]))
	require.Equal(t, "", H264ProfileLevelID([]byte{0x68, 1, 2, 3}))

	p, c, l, err := ParseH264ProfileLevelID("4D401F")
	require.NoError(t, err)
	require.Equal(t, [3]uint8{77, 0x40, 31}, [3]uint8{p, c, l})
	for _, bad := range []string{"", "4d401", "4d401f0", "4d40zz"} {
		_, _, _, err := ParseH264ProfileLevelID(bad)
		require.ErrorIs(t, err, ErrInvalidSprop, bad)
	}
}

func TestParseSpropLenient(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want [][]byte
		err  bool
	}{
		{"missing padding", "Z0IACpZTBYmI,aMljiA", [][]byte{{0x67, 0x42, 0x00, 0x0a, 0x96, 0x53, 0x05, 0x89, 0x88}, {0x68, 0xc9, 0x63, 0x88}}, false},
		{"spaces and empty entries", " Z0IACpZTBYmI , ,aMljiA==,", [][]byte{{0x67, 0x42, 0x00, 0x0a, 0x96, 0x53, 0x05, 0x89, 0x88}, {0x68, 0xc9, 0x63, 0x88}}, false},
		{"empty", "", nil, false},
		{"not base64", "Z0IA*pZT", nil, true},
		{"forbidden bit set", "gA==", nil, true},
		{"bad padding", "aMljiA=", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseH264SpropParameterSets(tc.in)
			if tc.err {
				require.ErrorIs(t, err, ErrInvalidSprop)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	// Too many entries.
	many := "aMljiA=="
	for range maxSpropNALs {
		many += ",aMljiA=="
	}
	_, err := ParseH264SpropParameterSets(many)
	require.ErrorIs(t, err, ErrInvalidSprop)
	// Empty NAL units are left out when encoding.
	require.Equal(t, "aMljiA==", H264SpropParameterSets(nil, []byte{0x68, 0xc9, 0x63, 0x88}, []byte{}))
}

func TestH265Fmtp(t *testing.T) {
	data := func(typ H265NALType) []byte { return firstNAL(t, "h265_main_720p_bframes.h265", h265NALOf(typ)) }
	vps, sps, pps := data(H265NALVPS), data(H265NALSPS), data(H265NALPPS)
	s, err := ParseH265SPS(sps)
	require.NoError(t, err)
	// Main profile (1), Main tier, level 3.1 (93), as ffprobe reports.
	require.Equal(t, "profile-id=1;tier-flag=0;level-id=93", s.PTL.FmtpParams())
	require.Equal(t, "900000000000", s.PTL.InteropConstraints())
	require.Equal(t, "60000000", s.PTL.ProfileCompatibilityIndicator())
	require.True(t, s.PTL.Progressive())
	require.False(t, s.PTL.Interlaced())
	require.Equal(t, "profile-space=1;profile-id=2;tier-flag=1;level-id=153",
		H265ProfileTierLevel{ProfileSpace: 1, Tier: true, ProfileIDC: 2, LevelIDC: 153}.FmtpParams())

	for _, nal := range [][]byte{vps, sps, pps} {
		v := H265SpropValue(nal)
		got, err := ParseH265SpropValue(v)
		require.NoError(t, err)
		require.Equal(t, [][]byte{nal}, got)
	}
	require.Equal(t, "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ", H265SpropValue(vps))
	_, err = ParseH265SpropValue("QA==") // one byte: no 2-byte header
	require.ErrorIs(t, err, ErrInvalidSprop)
}
