package rtp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeqUnwrapper(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []uint16
		want []int64
	}{
		{"in order", []uint16{10, 11, 12}, []int64{10, 11, 12}},
		{"across the wrap", []uint16{65533, 65534, 65535, 0, 1, 2}, []int64{65533, 65534, 65535, 65536, 65537, 65538}},
		{"reordered across the wrap", []uint16{65534, 0, 65535, 1}, []int64{65534, 65536, 65535, 65537}},
		{"duplicates", []uint16{5, 6, 6, 5, 7}, []int64{5, 6, 6, 5, 7}},
		{"late before first", []uint16{2, 0, 65535, 3}, []int64{2, 0, -1, 3}},
		{"loss gap", []uint16{100, 200, 30000}, []int64{100, 200, 30000}},
		{"several wraps", []uint16{0, 30000, 60000, 24464, 54464, 18928}, []int64{0, 30000, 60000, 90000, 120000, 150000}},
		{"half space back is backward", []uint16{40000, 7232}, []int64{40000, 7232}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u SeqUnwrapper
			got := make([]int64, 0, len(tc.in))
			for _, s := range tc.in {
				got = append(got, u.Unwrap(s))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSeqLess(t *testing.T) {
	for _, tc := range []struct {
		a, b uint16
		want bool
	}{
		{1, 2, true},
		{2, 1, false},
		{3, 3, false},
		{65535, 0, true},
		{0, 65535, false},
		{65000, 100, true},
		{100, 32868, true},
		{100, 32869, false}, // exactly half the space apart: int16 wraps
	} {
		require.Equal(t, tc.want, SeqLess(tc.a, tc.b), "%d < %d", tc.a, tc.b)
	}
}
