package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
)

func TestParseCodec(t *testing.T) {
	tests := []struct {
		in   string
		want format.Codec
	}{
		{"H264", format.H264}, {"h264", format.H264}, {"avc", format.H264}, {" AVC\t", format.H264},
		{"H265", format.H265}, {"hevc", format.H265}, {"HEVC", format.H265},
		{"JPEG", format.JPEG}, {"jpeg", format.JPEG}, {"mjpeg", format.JPEG}, {"MJPEG", format.JPEG},
		{"PCMU", format.PCMU}, {"ulaw", format.PCMU}, {"mulaw", format.PCMU}, {"g711u", format.PCMU}, {"G711", format.PCMU},
		{"PCMA", format.PCMA}, {"alaw", format.PCMA}, {"G711A", format.PCMA},
		{"aac", format.AAC}, {"MPEG4-GENERIC", format.AAC}, {"mpeg4-generic", format.AAC},
	}
	for _, tt := range tests {
		got, err := format.ParseCodec(tt.in)
		require.NoError(t, err, "%q", tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestParseCodecUnknown(t *testing.T) {
	// The board's numbers belong to the server, not to this vocabulary.
	for _, in := range []string{"", " ", "0", "1", "2", "h263", "opus", "mpeg4", "g722", "pcm", "h 264"} {
		c, err := format.ParseCodec(in)
		require.ErrorIs(t, err, format.ErrUnknownCodec, "%q", in)
		require.Empty(t, c, "%q", in)
		require.Contains(t, err.Error(), `"`+in+`"`, "the error names the input")
	}
}

func TestCodecProperties(t *testing.T) {
	tests := []struct {
		c     format.Codec
		known bool
		media string
		rate  uint32
	}{
		{format.H264, true, "video", 90000},
		{format.H265, true, "video", 90000},
		{format.JPEG, true, "video", 90000},
		{format.PCMU, true, "audio", 8000},
		{format.PCMA, true, "audio", 8000},
		{format.AAC, true, "audio", 0},
		{"OPUS", false, "", 0},
		{"h264", false, "", 0}, // not upper-cased: not the constant
		{"", false, "", 0},
	}
	for _, tt := range tests {
		require.Equal(t, tt.known, tt.c.Known(), "%q", tt.c)
		require.Equal(t, tt.media, tt.c.Media(), "%q", tt.c)
		require.Equal(t, tt.rate, tt.c.ClockRate(), "%q", tt.c)
	}
}

func TestCodecLabel(t *testing.T) {
	for c, want := range map[format.Codec]string{format.H264: "H.264", format.H265: "H.265", format.JPEG: "MJPEG", format.PCMU: "G.711 µ-law", format.PCMA: "G.711 A-law", format.AAC: "AAC", "VP8": "VP8"} {
		require.Equal(t, want, c.Label())
	}
}
