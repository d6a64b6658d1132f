package mjpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConform(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		typ  uint8
	}{
		{"FFmpeg 4:2:2 (Y 2x2, chroma 1x2)", file422, Type422},
		{"FFmpeg 4:2:2 with restart markers", fileRst422, Type422},
		{"optimal Huffman tables", fileOptimal, Type420},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, frame := range readFrames(t, tc.path) {
				_, err := ParseJPEG(frame)
				require.Error(t, err)
				out, err := Conform(frame)
				require.NoError(t, err)
				f, err := ParseJPEG(out)
				require.NoError(t, err)
				require.Equal(t, tc.typ, f.Type, "restart markers are not kept")
				require.Zero(t, f.RestartInterval)
				requireSamePixels(t, frame, out)
				// Conforming again changes nothing.
				again, err := Conform(out)
				require.NoError(t, err)
				require.Equal(t, &out[0], &again[0])
			}
		})
	}
}

// The optimal-Huffman file holds the same pictures as the 4:2:0 file with
// the same quantization: coded again with the Annex K tables, the scan is
// the one FFmpeg wrote with them, byte for byte.
func TestConformMatchesStandardEncoder(t *testing.T) {
	optimal := readFrames(t, fileOptimal)
	standard := readFrames(t, file420)
	for i, frame := range optimal {
		out, err := Conform(frame)
		require.NoError(t, err)
		got, err := ParseJPEG(out)
		require.NoError(t, err)
		want, err := ParseJPEG(standard[i])
		require.NoError(t, err)
		require.Equal(t, want.Scan, got.Scan, "frame %d", i)
		require.Equal(t, want.QuantTables, got.QuantTables)
	}
}

func TestConformUnchanged(t *testing.T) {
	for _, path := range []string{file420, fileRst420} {
		frame := readFrames(t, path)[0]
		out, err := Conform(frame)
		require.NoError(t, err)
		require.Equal(t, &frame[0], &out[0], "a frame that ParseJPEG accepts is returned as it is")
		require.Len(t, out, len(frame))
	}
}

// Components scanned in another order than the frame header's are coded
// again in frame order; the picture stays the same.
func TestConformScanOrder(t *testing.T) {
	frame := editSegments(t, readFrames(t, file420)[0], func(s []segment) []segment {
		b := s[find(s, markerSOS)].body
		b[3], b[5] = b[5], b[3]
		return s
	})
	_, err := ParseJPEG(frame)
	require.ErrorIs(t, err, ErrUnsupportedSampling)
	out, err := Conform(frame)
	require.NoError(t, err)
	requireSamePixels(t, frame, out)
}

func TestConformRefusals(t *testing.T) {
	frame := readFrames(t, file422)[0]
	setSOF := func(off int, v ...byte) []byte {
		return editSegments(t, frame, func(s []segment) []segment {
			copy(s[find(s, markerSOF0)].body[off:], v)
			return s
		})
	}
	var gray bytes.Buffer
	require.NoError(t, jpeg.Encode(&gray, image.NewGray(image.Rect(0, 0, 16, 16)), nil))
	for _, tc := range []struct {
		name  string
		frame []byte
		err   error
	}{
		{"grayscale", gray.Bytes(), ErrUnsupportedSampling},
		{"4:4:4", setSOF(7, 0x11, 0, 2, 0x11, 0, 3, 0x11), ErrUnsupportedSampling},
		{"Cb and Cr sampled differently", setSOF(10, 0x11), ErrUnsupportedSampling},
		{"chroma larger than luma", setSOF(7, 0x12, 0, 2, 0x22, 0, 3, 0x22), ErrUnsupportedSampling},
		{"4:1:1", setSOF(7, 0x41, 0, 2, 0x11, 0, 3, 0x11), ErrUnsupportedSampling},
		{"progressive", editSegments(t, frame, func(s []segment) []segment {
			s[find(s, markerSOF0)].marker = 0xC2
			return s
		}), ErrNotBaseline},
		{"size", setSOF(3, 0x01, 0x3C), ErrSize},
		{"undefined Huffman table", editSegments(t, frame, func(s []segment) []segment {
			b := s[find(s, markerSOS)].body
			b[2] = 0x33
			return s
		}), ErrInvalid},
		{"scan cut short", editSegments(t, frame, func(s []segment) []segment {
			i := find(s, markerSOS)
			s[i].scan = s[i].scan[:len(s[i].scan)/2]
			return s
		}), ErrTruncated},
		{"scan much too short for the picture", editSegments(t, frame, func(s []segment) []segment {
			i := find(s, markerSOS)
			s[i].scan = s[i].scan[:20]
			return s
		}), ErrTruncated},
		{"marker inside an MCU", editSegments(t, frame, func(s []segment) []segment {
			i := find(s, markerSOS)
			s[i].scan = append(append(bytes.Clone(s[i].scan[:100]), 0xFF, 0xD0), s[i].scan[100:]...)
			return s
		}), ErrInvalid},
		{"not JPEG", []byte{1, 2, 3}, ErrNotJPEG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Conform(tc.frame)
			require.ErrorIs(t, err, tc.err)
			require.Nil(t, out)
		})
	}
}

// Garbage scan data is refused or re-coded, never a panic; what Conform
// returns is always accepted by ParseJPEG.
func TestConformGarbage(t *testing.T) {
	frame := readFrames(t, file422)[0]
	segs := segmentsOf(t, frame)
	i := find(segs, markerSOS)
	scan := segs[i].scan
	for seed := range 64 {
		garbage := bytes.Clone(scan)
		for k := seed; k < len(garbage); k += 97 + seed {
			garbage[k] ^= byte(seed*31 + k)
		}
		segs[i].scan = garbage
		out, err := Conform(assemble(segs))
		if err != nil {
			continue
		}
		_, err = ParseJPEG(out)
		require.NoError(t, err)
	}
}

// A Motion-JPEG frame without DHT is decoded with the Annex K tables.
func TestConformWithoutDHT(t *testing.T) {
	frame := readFrames(t, file422)[3]
	noDHT := editSegments(t, frame, func(s []segment) []segment {
		i := find(s, markerDHT)
		return append(s[:i], s[i+1:]...)
	})
	out, err := Conform(noDHT)
	require.NoError(t, err)
	requireSamePixels(t, frame, out)

	// Selectors other than 0 and 1 name no implied table.
	bad := editSegments(t, noDHT, func(s []segment) []segment {
		s[find(s, markerSOS)].body[2] = 0x22
		return s
	})
	_, err = Conform(bad)
	require.ErrorIs(t, err, ErrInvalid)
}
