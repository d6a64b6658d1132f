package sdp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRTPMap(t *testing.T) {
	tests := []struct {
		in   string
		want RTPMap
		out  string // String() of the result
	}{
		{"96 H264/90000", RTPMap{96, "H264", 90000, 0}, "96 H264/90000"},
		{"97 MPEG4-GENERIC/48000/2", RTPMap{97, "MPEG4-GENERIC", 48000, 2}, "97 MPEG4-GENERIC/48000/2"},
		{"0 PCMU/8000/1", RTPMap{0, "PCMU", 8000, 1}, "0 PCMU/8000/1"},
		{"99 h263-1998/90000", RTPMap{99, "h263-1998", 90000, 0}, "99 h263-1998/90000"},
		{"107 vnd.onvif.metadata/90000", RTPMap{107, "vnd.onvif.metadata", 90000, 0}, "107 vnd.onvif.metadata/90000"},
		{"  96   H265/90000  ", RTPMap{96, "H265", 90000, 0}, "96 H265/90000"},
		{"96\tH264 / 90000 / 2", RTPMap{96, "H264", 90000, 2}, "96 H264/90000/2"},
		{"96 H264/90000/", RTPMap{96, "H264", 90000, 0}, "96 H264/90000"},
		{"127 X/4294967295/255", RTPMap{127, "X", 4294967295, 255}, "127 X/4294967295/255"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			pt, enc, clock, ch, err := ParseRTPMap(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, RTPMap{pt, enc, clock, ch})
			require.NoError(t, tt.want.Validate())
			require.Equal(t, tt.out, tt.want.String())
			require.Equal(t, Attribute{Key: "rtpmap", Value: tt.out}, tt.want.Attribute())
		})
	}
}

func TestParseRTPMapRejects(t *testing.T) {
	for _, in := range []string{
		"", "96", "96 ", "96 H264", "96 /90000", "96 H264/", "96 H264/0", "96 H264/x",
		"128 H264/90000", "-1 H264/90000", "x H264/90000", "96H264/90000",
		"96 H264/90000/256", "96 H264/90000/x", "96 H264/90000/2/1", "96 H 264/90000",
		"96 H264/4294967296", "96 H264/90000\n", "96 H264/90000\x00",
	} {
		t.Run(in, func(t *testing.T) {
			var r RTPMap
			require.ErrorIs(t, r.Unmarshal(in), ErrSyntax)
			require.Equal(t, RTPMap{}, r)
		})
	}
}

func TestRTPMapValidate(t *testing.T) {
	for _, r := range []RTPMap{
		{128, "X", 1, 0}, {96, "", 90000, 0}, {96, "H/264", 90000, 0}, {96, "H 264", 90000, 0},
		{96, "H264\n", 90000, 0}, {96, "H264", 0, 0}, {96, "L16", 44100, -1}, {96, "L16", 44100, 256},
	} {
		require.ErrorIs(t, r.Validate(), ErrInvalid, "%+v", r)
	}
}

func TestStaticRTPMap(t *testing.T) {
	r, ok := StaticRTPMap(0)
	require.True(t, ok)
	require.Equal(t, RTPMap{0, "PCMU", 8000, 1}, r)
	r, ok = StaticRTPMap(26)
	require.True(t, ok)
	require.Equal(t, RTPMap{26, "JPEG", 90000, 0}, r)
	r, ok = StaticRTPMap(10)
	require.True(t, ok)
	require.Equal(t, 2, r.Channels)
	_, ok = StaticRTPMap(96)
	require.False(t, ok)
	_, ok = StaticRTPMap(2) // unassigned since RFC 3551
	require.False(t, ok)
	for pt := range 128 {
		if r, ok := StaticRTPMap(uint8(pt)); ok {
			require.Equal(t, uint8(pt), r.PayloadType)
			require.NoError(t, r.Validate())
		}
	}
}
