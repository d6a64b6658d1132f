package h26x

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEmulationPrevention(t *testing.T) {
	for _, tc := range []struct {
		name string
		rbsp []byte
		nal  []byte
	}{
		{"empty", []byte{}, []byte{}},
		{"no zeros", []byte{1, 2, 3}, []byte{1, 2, 3}},
		{"00 00 00", []byte{0, 0, 0}, []byte{0, 0, 3, 0}},
		{"00 00 00 00", []byte{0, 0, 0, 0}, []byte{0, 0, 3, 0, 0, 3}},
		{"00 00 01", []byte{0, 0, 1}, []byte{0, 0, 3, 1}},
		{"00 00 02", []byte{0, 0, 2}, []byte{0, 0, 3, 2}},
		{"00 00 03", []byte{0, 0, 3}, []byte{0, 0, 3, 3}},
		{"00 00 04 needs none", []byte{0, 0, 4}, []byte{0, 0, 4}},
		{"zero count restarts after 03", []byte{0, 0, 0, 0, 1}, []byte{0, 0, 3, 0, 0, 3, 1}},
		{"trailing cabac_zero_word", []byte{0x80, 0, 0}, []byte{0x80, 0, 0, 3}},
		{"single trailing zero", []byte{0x80, 0}, []byte{0x80, 0}},
		{"separated zeros", []byte{0, 1, 0, 1, 0}, []byte{0, 1, 0, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.nal, AddEmulationPrevention([]byte{}, tc.rbsp))
			require.Equal(t, tc.rbsp, RemoveEmulationPrevention([]byte{}, tc.nal))
		})
	}
}

func TestRemoveEmulationPreventionCases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nal, out []byte
	}{
		// 03 not after two zeros is data.
		{"lone 03", []byte{0, 3, 0, 3}, []byte{0, 3, 0, 3}},
		// Only the first 03 after two zeros goes.
		{"03 03", []byte{0, 0, 3, 3}, []byte{0, 0, 3}},
		// A NAL unit cut after the 03: still removed.
		{"ends in 00 00 03", []byte{5, 0, 0, 3}, []byte{5, 0, 0}},
		// Two escapes back to back.
		{"back to back", []byte{0, 0, 3, 0, 0, 3, 0}, []byte{0, 0, 0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.out, RemoveEmulationPrevention(nil, tc.nal))
			// In place.
			in := append([]byte{}, tc.nal...)
			require.Equal(t, tc.out, RemoveEmulationPrevention(in[:0], in))
		})
	}
}

func TestEmulationPreventionRoundTripRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := rng.IntN(40)
		b := make([]byte, n)
		for i := range b {
			// Mostly zeros and small values, where the escapes happen.
			b[i] = byte(rng.IntN(5))
		}
		nal := AddEmulationPrevention(nil, b)
		// No start code prefix (00 00 00/01/02) may appear in the payload.
		for _, sc := range [][]byte{{0, 0, 0}, {0, 0, 1}, {0, 0, 2}} {
			require.False(t, bytes.Contains(nal, sc), "% x -> % x", b, nal)
		}
		require.Equal(t, b, RemoveEmulationPrevention([]byte{}, nal), "% x", b)
	}
}
