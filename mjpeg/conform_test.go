package mjpeg

import (
	"bytes"
	"fmt"
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

// setACSymbol returns frame with symbol old of the AC Huffman table th
// replaced by sym: the code that meant old means sym.
func setACSymbol(t *testing.T, frame []byte, th, old, sym byte) []byte {
	t.Helper()
	done := false
	out := editSegments(t, frame, func(s []segment) []segment {
		for _, seg := range s {
			if seg.marker != markerDHT {
				continue
			}
			for b := seg.body; len(b) >= 17; {
				n := 0
				for _, c := range b[1:17] {
					n += int(c)
				}
				if b[0] == 0x10|th {
					for i, v := range b[17 : 17+n] {
						if v == old && !done {
							b[17+i], done = sym, true
						}
					}
				}
				b = b[17+n:]
			}
		}
		return s
	})
	require.True(t, done, "no symbol 0x%02x in AC table %d", old, th)
	return out
}

// In a sequential scan T.81 defines only EOB (0x00) and ZRL (0xF0) among
// the AC symbols of size 0. Decoders read the others differently: libjpeg
// ends the block, FFmpeg skips run+1 zeros, Go's image/jpeg takes a
// progressive EOB run that also empties the next blocks. The fuzz target
// found two such frames whose pixels changed when Conform read the symbol
// as EOB (fuzz/testdata/fuzz/FuzzMJPEGParse/FuzzMJPEGParse_0115323d57d4d06d
// with 0x80 in the luma table, FuzzMJPEGParse_b2ad795e4e71b281 with 0x20 in
// the chroma table); such frames have no one picture to keep and are
// refused.
func TestConformUndefinedACSymbol(t *testing.T) {
	frame := readFrames(t, file422)[0]
	for _, tc := range []struct {
		th, sym byte
	}{
		{0, 0x80}, // luma
		{1, 0x20}, // chroma
		{1, 0xE0},
		{0, 0x10},
	} {
		// Every EOB of the table's blocks becomes the symbol.
		bad := setACSymbol(t, frame, tc.th, 0x00, tc.sym)
		out, err := Conform(bad)
		require.ErrorIs(t, err, ErrInvalid, "symbol 0x%02x", tc.sym)
		require.ErrorContains(t, err, fmt.Sprintf("AC symbol 0x%02x", tc.sym))
		require.Nil(t, out)
	}
	// EOB and ZRL themselves are coded again as they were.
	out, err := Conform(frame)
	require.NoError(t, err)
	requireSamePixels(t, frame, out)
}

// Restart markers must come as RST0, RST1, ... RST7, RST0: one out of
// sequence means intervals were lost or repeated, which decoders handle
// differently (libjpeg resynchronises, Go's image/jpeg fails).
func TestConformRestartSequence(t *testing.T) {
	frame := readFrames(t, fileRst422)[0]
	segs := segmentsOf(t, frame)
	scan := segs[find(segs, markerSOS)].scan
	var rst []int
	for i := 0; i+1 < len(scan); i++ {
		if scan[i] == 0xFF && scan[i+1] >= markerRST0 && scan[i+1] <= markerRST7 {
			require.Equal(t, byte(markerRST0+len(rst)%8), scan[i+1])
			rst = append(rst, i+1)
		}
	}
	require.GreaterOrEqual(t, len(rst), 4)
	out, err := Conform(frame)
	require.NoError(t, err)
	requireSamePixels(t, frame, out)

	for _, k := range []int{0, 3, len(rst) - 1} {
		bad := editSegments(t, frame, func(s []segment) []segment {
			b := s[find(s, markerSOS)].scan
			b[rst[k]] = markerRST0 + byte(k+1)%8
			return s
		})
		out, err := Conform(bad)
		require.ErrorIs(t, err, ErrInvalid, "restart marker %d", k)
		require.ErrorContains(t, err, "out of sequence")
		require.Nil(t, out)
	}
}

// Three components that decoders take for RGB are neither carried nor
// rewritten: RFC 2435 and Conform's output say YCbCr, so the colours would
// change. Without a JFIF segment, Go's image/jpeg returns such a picture as
// RGBA. With one, decoders disagree (Go and libjpeg-turbo let JFIF win,
// libjpeg 9 looks at the component names first), so it is refused too.
func TestRGBRefused(t *testing.T) {
	edit := func(frame []byte, jfif bool, ids string, app14 ...byte) []byte {
		return editSegments(t, frame, func(s []segment) []segment {
			var out []segment
			if app14 != nil {
				out = append(out, segment{marker: markerAPP14, body: app14})
			}
			for _, seg := range s {
				if seg.marker == 0xE0 && !jfif {
					continue
				}
				out = append(out, seg)
			}
			sof, sos := out[find(out, markerSOF0)].body, out[find(out, markerSOS)].body
			for k := range 3 {
				sof[6+3*k], sos[1+2*k] = ids[k], ids[k]
			}
			return out
		})
	}
	adobe := func(transform byte) []byte {
		return []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, transform}
	}
	for _, path := range []string{file420, file422} {
		frame := readFrames(t, path)[0]
		require.True(t, bytes.Contains(frame, []byte("JFIF\x00")))
		for i, tc := range []struct {
			frame []byte
			rgb   bool // Go's image/jpeg decodes it as RGB
		}{
			{edit(frame, false, "\x01\x02\x03", adobe(0)...), true},
			{edit(frame, false, "RGB"), true},
			{edit(frame, true, "\x01\x02\x03", adobe(0)...), false},
			{edit(frame, true, "RGB"), false},
			{edit(frame, false, "RGB", adobe(1)...), true},
		} {
			img, err := jpeg.Decode(bytes.NewReader(tc.frame))
			require.NoError(t, err)
			if tc.rgb {
				require.IsType(t, &image.RGBA{}, img, "case %d", i)
			}
			_, err = ParseJPEG(tc.frame)
			require.ErrorIs(t, err, ErrUnsupportedSampling, "case %d", i)
			require.ErrorContains(t, err, "RGB")
			out, err := Conform(tc.frame)
			require.ErrorIs(t, err, ErrUnsupportedSampling, "case %d", i)
			require.ErrorContains(t, err, "RGB")
			require.Nil(t, out)
		}
		// Adobe transform 1 is YCbCr, as are components named Y, U, V.
		for _, good := range [][]byte{edit(frame, false, "\x01\x02\x03", adobe(1)...), edit(frame, true, "YUV")} {
			out, err := Conform(good)
			require.NoError(t, err)
			requireSamePixels(t, good, out)
		}
	}
}
