package h26x

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBitReaderReadBits(t *testing.T) {
	r := NewBitReader([]byte{0b1011_0011, 0x12, 0x34, 0x56, 0x78, 0x9a})
	b, err := r.ReadBit()
	require.NoError(t, err)
	require.Equal(t, uint32(1), b)
	f, err := r.ReadFlag()
	require.NoError(t, err)
	require.False(t, f)
	v, err := r.ReadBits(3)
	require.NoError(t, err)
	require.Equal(t, uint32(0b110), v)
	v, err = r.ReadBits(0)
	require.NoError(t, err)
	require.Equal(t, uint32(0), v)
	v, err = r.ReadBits(32) // 011 + 0x12345678 minus its last 3 bits, across 5 bytes
	require.NoError(t, err)
	require.Equal(t, uint32(0b011<<29|0x12345678>>3), v)
	require.Equal(t, 37, r.BitPos())
	require.Equal(t, 11, r.BitsLeft())
	require.NoError(t, r.Skip(3))
	v, err = r.ReadBits(8)
	require.NoError(t, err)
	require.Equal(t, uint32(0x9a), v)
	require.Equal(t, 0, r.BitsLeft())
}

func TestBitReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		read func(r *BitReader) error
		want error
	}{
		{"bit past end", nil, func(r *BitReader) error { _, err := r.ReadBit(); return err }, ErrBitstreamEnd},
		{"bits past end", []byte{0xff}, func(r *BitReader) error { _, err := r.ReadBits(9); return err }, ErrBitstreamEnd},
		{"33 bits", make([]byte, 8), func(r *BitReader) error { _, err := r.ReadBits(33); return err }, ErrBitCount},
		{"negative bits", make([]byte, 8), func(r *BitReader) error { _, err := r.ReadBits(-1); return err }, ErrBitCount},
		{"skip past end", []byte{0}, func(r *BitReader) error { return r.Skip(9) }, ErrBitstreamEnd},
		{"negative skip", []byte{0}, func(r *BitReader) error { return r.Skip(-1) }, ErrBitCount},
		{"ue without stop bit", []byte{0, 0}, func(r *BitReader) error { _, err := r.ReadUE(); return err }, ErrBitstreamEnd},
		{"ue missing suffix", []byte{0x01}, func(r *BitReader) error { _, err := r.ReadUE(); return err }, ErrBitstreamEnd},
		{"ue 32 leading zeros", []byte{0, 0, 0, 0, 0x80, 0, 0, 0, 0}, func(r *BitReader) error { _, err := r.ReadUE(); return err }, ErrExpGolombOverflow},
		{"se 32 leading zeros", []byte{0, 0, 0, 0, 0x80, 0, 0, 0, 0}, func(r *BitReader) error { _, err := r.ReadSE(); return err }, ErrExpGolombOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewBitReader(tc.data)
			require.ErrorIs(t, tc.read(r), tc.want)
			require.ErrorIs(t, r.Err(), tc.want)
			// Sticky: the next read fails the same way without reading.
			pos := r.BitPos()
			_, err := r.ReadBit()
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, pos, r.BitPos())
		})
	}
}

// TestExpGolomb checks the code table of H.264 §9.1 (Table 9-2 and 9-3) and
// the extremes.
func TestExpGolomb(t *testing.T) {
	for _, tc := range []struct {
		bits string // the code, as '0' and '1'
		ue   uint32
		se   int32
	}{
		{"1", 0, 0},
		{"010", 1, 1},
		{"011", 2, -1},
		{"00100", 3, 2},
		{"00101", 4, -2},
		{"00110", 5, 3},
		{"00111", 6, -3},
		{"0001000", 7, 4},
		{"0001001", 8, -4},
		{"0001010", 9, 5},
		{"00000000111111111", 510, -255},
		// 31 leading zeros: the largest codes that fit in 32 bits.
		{"0000000000000000000000000000000" + "1" + "1111111111111111111111111111111", 1<<32 - 2, -(1<<31 - 1)},
		{"0000000000000000000000000000000" + "1" + "1111111111111111111111111111110", 1<<32 - 3, 1<<31 - 1},
	} {
		t.Run(tc.bits, func(t *testing.T) {
			var w bitWriter
			for _, c := range tc.bits {
				w.bit(uint64(c - '0'))
			}
			w.u(7, 0x55) // a tail the code must not consume

			r := NewBitReader(w.buf)
			ue, err := r.ReadUE()
			require.NoError(t, err)
			require.Equal(t, tc.ue, ue)
			require.Equal(t, len(tc.bits), r.BitPos())
			tail, err := r.ReadBits(7)
			require.NoError(t, err)
			require.Equal(t, uint32(0x55), tail)

			r.Reset(w.buf)
			se, err := r.ReadSE()
			require.NoError(t, err)
			require.Equal(t, tc.se, se)

			// The test writer produces the same code.
			var w2 bitWriter
			w2.ue(tc.ue)
			w2.u(7, 0x55)
			require.Equal(t, w.buf, w2.buf)
			var w3 bitWriter
			w3.se(tc.se)
			w3.u(7, 0x55)
			require.Equal(t, w.buf, w3.buf)
		})
	}
}
