package mjpeg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Values computed by hand from RFC 2435 Appendix A: S = 5000/Q below 50,
// 200-2Q from 50; entry = (K.1 or K.2 value * S + 50) / 100, limited to
// 1..255. Index i is in zig-zag order, so index 2 is row 1 column 0 of
// Table K.1 (12) and index 3 is row 2 column 0 (14).
func TestMakeTables(t *testing.T) {
	for _, tc := range []struct {
		q      int
		luma   map[int]byte // zig-zag index -> value
		chroma map[int]byte
	}{
		// S = 100: the Annex K tables themselves.
		{q: 50, luma: map[int]byte{0: 16, 1: 11, 2: 12, 3: 14, 63: 99}, chroma: map[int]byte{0: 17, 1: 18, 2: 18, 63: 99}},
		// S = 500: 16*500+50 = 8050 -> 80; 11 -> 55; 12 -> 60; 99 -> 495 -> 255.
		{q: 10, luma: map[int]byte{0: 80, 1: 55, 2: 60, 63: 255}, chroma: map[int]byte{0: 85, 1: 90, 63: 255}},
		// S = 20: (16*20+50)/100 = 3; (11*20+50)/100 = 2; (99*20+50)/100 = 20.
		{q: 90, luma: map[int]byte{0: 3, 1: 2, 2: 2, 63: 20}, chroma: map[int]byte{0: 3, 1: 4, 63: 20}},
		// S = 50: (16*50+50)/100 = 8; (11*50+50)/100 = 6; (99*50+50)/100 = 50.
		{q: 75, luma: map[int]byte{0: 8, 1: 6, 2: 6, 3: 7, 63: 50}, chroma: map[int]byte{0: 9, 63: 50}},
		// S = 5000: everything past 255 is limited to 255.
		{q: 1, luma: map[int]byte{0: 255, 1: 255, 63: 255}, chroma: map[int]byte{0: 255}},
		// S = 2: (16*2+50)/100 = 0 -> limited to 1; (99*2+50)/100 = 2.
		{q: 99, luma: map[int]byte{0: 1, 1: 1, 63: 2}, chroma: map[int]byte{0: 1, 63: 2}},
		// Out of range Q is clamped to 1..99.
		{q: 0, luma: map[int]byte{0: 255}, chroma: map[int]byte{63: 255}},
		{q: 100, luma: map[int]byte{0: 1, 63: 2}, chroma: map[int]byte{0: 1, 63: 2}},
	} {
		luma, chroma := MakeTables(tc.q)
		for i, v := range tc.luma {
			require.Equal(t, v, luma[i], "Q %d luma[%d]", tc.q, i)
		}
		for i, v := range tc.chroma {
			require.Equal(t, v, chroma[i], "Q %d chroma[%d]", tc.q, i)
		}
	}
}

func TestMakeTablesZigZag(t *testing.T) {
	luma, chroma := MakeTables(50)
	for i := range 64 {
		require.Equal(t, stdLumaQuant[unzig[i]], luma[i])
		require.Equal(t, stdChromaQuant[unzig[i]], chroma[i])
	}
}

func TestStandardHuffmanTables(t *testing.T) {
	// Annex K.3: 12 DC categories, 162 AC symbols, counts that add up.
	for _, s := range []*huffSpec{&stdLumaDC, &stdChromaDC, &stdLumaAC, &stdChromaAC} {
		total := 0
		for _, c := range s.counts {
			total += int(c)
		}
		require.Equal(t, len(s.values), total)
		var d huffDecoder
		require.NoError(t, d.init(append(s.counts[:16:16], s.values...)))
	}
	require.Len(t, stdLumaDC.values, 12)
	require.Len(t, stdLumaAC.values, 162)
	require.Len(t, stdChromaAC.values, 162)
}
