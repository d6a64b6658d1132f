package g711

import (
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMuLawKnownValues(t *testing.T) {
	for _, tc := range []struct {
		x    int16
		code byte
		dec  int16
	}{
		{0, 0xFF, 0},
		{-1, 0x7F, 0}, // "negative zero"
		{1, 0xFF, 0},
		{8, 0xFE, 8},
		{-9, 0x7E, -8},
		{32767, 0x80, 32124},
		{-32768, 0x00, -32124},
		{32124, 0x80, 32124},
		{-32124, 0x00, -32124},
		{100, 0xF2, 104},
		{1000, 0xCE, 988},
		{-1000, 0x4E, -988},
	} {
		require.Equal(t, tc.code, EncodeMuLaw(tc.x), "encode %d", tc.x)
		require.Equal(t, tc.dec, DecodeMuLaw(tc.code), "decode %#x", tc.code)
	}
}

func TestALawKnownValues(t *testing.T) {
	for _, tc := range []struct {
		x    int16
		code byte
		dec  int16
	}{
		{0, 0xD5, 8},
		{-1, 0x55, -8},
		{15, 0xD5, 8},
		{16, 0xD4, 24},
		{-17, 0x54, -24},
		{32767, 0xAA, 32256},
		{-32768, 0x2A, -32256},
		{1000, 0xFA, 1008},
		{-1000, 0x7A, -1008},
	} {
		require.Equal(t, tc.code, EncodeALaw(tc.x), "encode %d", tc.x)
		require.Equal(t, tc.dec, DecodeALaw(tc.code), "decode %#x", tc.code)
	}
}

// Decoded values that ffmpeg's pcm_mulaw and pcm_alaw decoders give for
// these codes (all 256 codes agree; these are a sample).
func TestDecodeMatchesFFmpeg(t *testing.T) {
	mu := map[byte]int16{0x00: -32124, 0x0F: -16764, 0x10: -15996, 0x2A: -5372, 0x55: -716,
		0x7E: -8, 0x80: 32124, 0xAA: 5372, 0xCE: 988, 0xD4: 748, 0xD5: 716, 0xF2: 104,
		0xFA: 40, 0xFE: 8, 0xFF: 0}
	a := map[byte]int16{0x00: -5504, 0x0F: -6784, 0x10: -2752, 0x2A: -32256, 0x55: -8,
		0x7E: -880, 0x7F: -848, 0x80: 5504, 0xAA: 32256, 0xCE: 440, 0xD4: 24, 0xD5: 8,
		0xF2: 752, 0xFA: 1008, 0xFE: 880, 0xFF: 848}
	for c, v := range mu {
		require.Equal(t, v, DecodeMuLaw(c), "µ-law %#x", c)
	}
	for c, v := range a {
		require.Equal(t, v, DecodeALaw(c), "A-law %#x", c)
	}
}

// step returns the quantisation interval of a decoded value's segment on
// the 16-bit scale.
func muStep(code byte) int { return 8 << ((^code >> 4) & 7) }
func aStep(code byte) int {
	seg := ((code ^ 0x55) >> 4) & 7
	if seg == 0 {
		return 16
	}
	return 8 << seg
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestCodecsAllSamples(t *testing.T) {
	prevMu, prevA := math.MinInt, math.MinInt
	for i := -32768; i <= 32767; i++ {
		x := int16(i)
		mu, a := EncodeMuLaw(x), EncodeALaw(x)
		dm, da := int(DecodeMuLaw(mu)), int(DecodeALaw(a))
		// decode(encode(x)) is within one quantisation step of x (half a
		// step inside the range; the clipped ends are further).
		require.LessOrEqual(t, abs(dm-i), muStep(mu), "µ-law %d", i)
		require.LessOrEqual(t, abs(da-i), aStep(a), "A-law %d", i)
		if i > -32124 && i < 32124 {
			require.LessOrEqual(t, abs(dm-i), muStep(mu)/2, "µ-law %d", i)
		}
		if i > -32256 && i < 32256 {
			require.LessOrEqual(t, abs(da-i), aStep(a)/2, "A-law %d", i)
		}
		// Both laws are monotonic.
		require.GreaterOrEqual(t, dm, prevMu, "µ-law not monotonic at %d", i)
		require.GreaterOrEqual(t, da, prevA, "A-law not monotonic at %d", i)
		prevMu, prevA = dm, da
	}
}

func TestCodecsAllCodes(t *testing.T) {
	for c := 0; c < 256; c++ {
		code := byte(c)
		// Every code survives decode then encode, but µ-law's negative zero,
		// which decodes to 0 and comes back as positive zero.
		want := code
		if code == 0x7F {
			want = 0xFF
		}
		require.Equal(t, want, EncodeMuLaw(DecodeMuLaw(code)), "µ-law %#x", code)
		require.Equal(t, code, EncodeALaw(DecodeALaw(code)), "A-law %#x", code)
		// Symmetry: the sign bit negates.
		require.Equal(t, -DecodeMuLaw(code|0x80), DecodeMuLaw(code&0x7F), "µ-law %#x", code)
		require.Equal(t, -DecodeALaw(code|0x80), DecodeALaw(code&0x7F), "A-law %#x", code)
	}
}

func TestCodecsFiles(t *testing.T) {
	// Decoding ffmpeg's files and encoding again gives the same bytes.
	mu, err := os.ReadFile("../testdata/g711_ulaw_8k.ulaw")
	require.NoError(t, err)
	al, err := os.ReadFile("../testdata/g711_alaw_8k.alaw")
	require.NoError(t, err)
	pcm := AppendDecodeMuLaw(nil, mu)
	require.Len(t, pcm, 16000)
	require.Equal(t, mu, AppendEncodeMuLaw(nil, pcm))
	pcm = AppendDecodeALaw(pcm[:0], al)
	require.Equal(t, al, AppendEncodeALaw(nil, pcm))
	// The 440 Hz sine has a peak near ffmpeg's amplitude of 1/8 full scale.
	peak := 0
	for _, v := range pcm {
		peak = max(peak, abs(int(v)))
	}
	require.InDelta(t, 4096, peak, 200)
}
