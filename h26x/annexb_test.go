package h26x

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNextNAL(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want [][]byte
	}{
		{"empty", nil, nil},
		{"no start code", []byte{1, 2, 3}, nil},
		{"three byte", []byte{0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3}, [][]byte{{0x67, 1, 2}, {0x68, 3}}},
		{"four byte", []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 3}, [][]byte{{0x67, 1}, {0x68, 3}}},
		{"mixed and leading junk", []byte{9, 9, 0, 0, 1, 0x65, 0, 0, 0, 0, 1, 0x41, 7, 0, 0}, [][]byte{{0x65}, {0x41, 7}}},
		{"empty nal between start codes", []byte{0, 0, 1, 0, 0, 1, 0x09, 0xf0}, [][]byte{{0x09, 0xf0}}},
		{"one inside data not a start code", []byte{0, 0, 1, 0x41, 1, 0, 1, 1, 0, 0, 2}, [][]byte{{0x41, 1, 0, 1, 1, 0, 0, 2}}},
		{"start code at end", []byte{0, 0, 1, 0x41, 5, 0, 0, 1}, [][]byte{{0x41, 5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitNALs(nil, tc.in)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSplitRoundTripSample(t *testing.T) {
	data, err := os.ReadFile("../testdata/h264_main_720p.h264")
	require.NoError(t, err)
	nals := SplitNALs(nil, data)
	require.Greater(t, len(nals), 50)
	require.Equal(t, H264NALSPS, H264Type(nals[0]))
	// x264 writes 4-byte start codes before parameter sets and the first
	// slice, 3-byte ones elsewhere: the NAL units plus their start codes
	// account for every byte of the file.
	total := 0
	for _, n := range nals {
		total += len(n)
	}
	require.Equal(t, 52*4+3*3, len(data)-total, "start code bytes")
}

func BenchmarkNextNAL(b *testing.B) {
	data, err := os.ReadFile("../testdata/h264_high_720p_4mbps_bframes.h264")
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for rest := data; ; {
			var nal []byte
			nal, rest = NextNAL(rest)
			if nal == nil {
				break
			}
			n++
		}
		if n == 0 {
			b.Fatal("no NAL units")
		}
	}
}
