package mjpeg

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	file420     = "../testdata/mjpeg_420_320x240.mjpeg"
	file422     = "../testdata/mjpeg_422_320x240.mjpeg"
	fileOptimal = "../testdata/mjpeg_optimal_huffman.mjpeg"
	fileRst420  = "testdata/restart_420_160x120.mjpeg"
	fileRst422  = "testdata/restart_422_160x120.jpg"
	fileTiny    = "testdata/tiny_420_32x16.jpg"
)

func TestParseJPEGFiles(t *testing.T) {
	for _, tc := range []struct {
		path          string
		frames        int
		width, height int
		typ           uint8
		restart       uint16
		err           error
	}{
		{path: file420, frames: 10, width: 320, height: 240, typ: Type420},
		{path: fileRst420, frames: 2, width: 160, height: 120, typ: Type420 + TypeRestart, restart: 10},
		{path: fileTiny, frames: 1, width: 32, height: 16, typ: Type420},
		// FFmpeg writes 4:2:2 as Y 2x2, chroma 1x2: not the layout of type 0.
		{path: file422, frames: 10, err: ErrUnsupportedSampling},
		{path: fileRst422, frames: 1, err: ErrUnsupportedSampling},
		{path: fileOptimal, frames: 2, err: ErrNonStandardHuffman},
	} {
		t.Run(tc.path, func(t *testing.T) {
			frames := readFrames(t, tc.path)
			require.Len(t, frames, tc.frames)
			for _, frame := range frames {
				f, err := ParseJPEG(frame)
				if tc.err != nil {
					require.ErrorIs(t, err, tc.err)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, tc.width, f.Width)
				require.Equal(t, tc.height, f.Height)
				require.Equal(t, tc.typ, f.Type)
				require.Equal(t, tc.restart, f.RestartInterval)
				require.Zero(t, f.Precision)
				// FFmpeg writes one table for all components.
				require.Len(t, f.QuantTables[0], 64)
				require.Equal(t, f.QuantTables[0], f.QuantTables[1])
				segs := segmentsOf(t, frame)
				dqt := segs[find(segs, markerDQT)].body
				require.Equal(t, dqt[1:], f.QuantTables[0])
				// Scan is the data between SOS and EOI, aliasing frame.
				sos := segs[find(segs, markerSOS)]
				require.Equal(t, sos.scan, f.Scan)
				require.True(t, bytes.HasSuffix(frame, append(f.Scan[len(f.Scan)-4:len(f.Scan):len(f.Scan)], 0xFF, markerEOI)))
				require.Equal(t, &frame[len(frame)-2-len(f.Scan)], &f.Scan[0], "Scan must alias the frame")
			}
		})
	}
}

// Go's encoder writes baseline 4:2:0 with the Annex K Huffman tables and
// the Annex K quantization tables scaled the way RFC 2435 Appendix A
// scales them, so its output is type 1 with MakeTables's tables.
func TestParseJPEGGoEncoder(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 48, 40))
	for y := range 40 {
		for x := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 5), uint8(y * 6), uint8(x * y), 255})
		}
	}
	for _, q := range []int{1, 10, 50, 75, 90, 99} {
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
		f, err := ParseJPEG(buf.Bytes())
		require.NoError(t, err, "quality %d", q)
		require.Equal(t, Type420, int(f.Type))
		require.Equal(t, 48, f.Width)
		require.Equal(t, 40, f.Height)
		luma, chroma := MakeTables(q)
		require.Equal(t, luma[:], f.QuantTables[0], "quality %d", q)
		require.Equal(t, chroma[:], f.QuantTables[1], "quality %d", q)
	}
}

func TestParseJPEGRefusals(t *testing.T) {
	frame := readFrames(t, file420)[0]
	edit := func(f func([]segment) []segment) []byte { return editSegments(t, frame, f) }
	setSOF := func(off int, v ...byte) []byte {
		return edit(func(s []segment) []segment {
			copy(s[find(s, markerSOF0)].body[off:], v)
			return s
		})
	}
	sofMarker := func(m byte) []byte {
		return edit(func(s []segment) []segment {
			s[find(s, markerSOF0)].marker = m
			return s
		})
	}
	gray := func() []byte {
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil))
		return buf.Bytes()
	}()
	for _, tc := range []struct {
		name  string
		frame []byte
		err   error
	}{
		{"empty", nil, ErrNotJPEG},
		{"no SOI", frame[2:], ErrNotJPEG},
		{"truncated header", frame[:300], ErrTruncated},
		{"truncated scan", frame[:len(frame)-2], ErrTruncated},
		{"progressive SOF2", sofMarker(0xC2), ErrNotBaseline},
		{"extended SOF1", sofMarker(0xC1), ErrNotBaseline},
		{"lossless SOF3", sofMarker(0xC3), ErrNotBaseline},
		{"arithmetic SOF9", sofMarker(0xC9), ErrNotBaseline},
		{"12-bit samples", setSOF(0, 12), ErrNotBaseline},
		{"width not multiple of 8", setSOF(3, 0x01, 0x3C), ErrSize}, // 316
		{"height not multiple of 8", setSOF(1, 0x00, 0xF1), ErrSize},
		{"width 2048", setSOF(3, 0x08, 0x00), ErrSize},
		{"height 2048", setSOF(1, 0x08, 0x00), ErrSize},
		{"width 0", setSOF(3, 0, 0), ErrSize},
		{"4:4:4", setSOF(7, 0x11), ErrUnsupportedSampling},
		{"4:1:1", setSOF(7, 0x41), ErrUnsupportedSampling},
		{"chroma 2x1", setSOF(10, 0x21), ErrUnsupportedSampling},
		{"grayscale", gray, ErrUnsupportedSampling},
		{"undefined quantization table", setSOF(8, 2), ErrQuantTables},
		{"SOS with bad length", edit(func(s []segment) []segment {
			i := find(s, markerSOS)
			s[i].body = s[i].body[:len(s[i].body)-1]
			return s
		}), ErrInvalid},
		{"progressive scan parameters", edit(func(s []segment) []segment {
			b := s[find(s, markerSOS)].body
			b[len(b)-2] = 5 // Se
			return s
		}), ErrNotBaseline},
		{"scan of one component", edit(func(s []segment) []segment {
			i := find(s, markerSOS)
			s[i].body = []byte{1, 1, 0x00, 0, 63, 0}
			return s
		}), ErrUnsupported},
		{"scan order not frame order", edit(func(s []segment) []segment {
			b := s[find(s, markerSOS)].body
			b[3], b[5] = b[5], b[3] // Cb and Cr swapped in the scan
			return s
		}), ErrUnsupportedSampling},
		{"chroma with luma Huffman tables", edit(func(s []segment) []segment {
			b := s[find(s, markerSOS)].body
			b[4], b[6] = 0x00, 0x00
			return s
		}), ErrNonStandardHuffman},
		{"DNL", edit(func(s []segment) []segment {
			return append([]segment{{marker: markerDNL, body: []byte{0, 240}}}, s...)
		}), ErrUnsupported},
		{"second scan", edit(func(s []segment) []segment {
			i := find(s, markerSOS)
			return append(s[:i+1], s[i:]...)
		}), ErrUnsupported},
		{"empty scan", edit(func(s []segment) []segment {
			s[find(s, markerSOS)].scan = nil
			return s
		}), ErrInvalid},
		{"bad DQT precision", edit(func(s []segment) []segment {
			s[find(s, markerDQT)].body[0] = 0x20
			return s
		}), ErrInvalid},
		{"DHT table cut off", edit(func(s []segment) []segment {
			i := find(s, markerDHT)
			s[i].body = s[i].body[:40]
			return s
		}), ErrInvalid},
		{"segment length 1", append(bytes.Clone(frame[:2]), 0xFF, 0xE0, 0, 1), ErrInvalid},
		{"garbage between segments", append(bytes.Clone(frame[:2]), 0x12, 0x34), ErrInvalid},
		{"RST outside scan", append(bytes.Clone(frame[:2]), 0xFF, 0xD3), ErrInvalid},
		{"EOI before scan", []byte{0xFF, 0xD8, 0xFF, 0xD9}, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseJPEG(tc.frame)
			require.ErrorIs(t, err, tc.err)
		})
	}
}

func TestParseJPEGAccepts(t *testing.T) {
	frame := readFrames(t, file420)[0]
	want, err := ParseJPEG(frame)
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		frame []byte
		check func(t *testing.T, f Frame)
	}{
		{
			// Motion-JPEG from webcams (AVI1) omits DHT: the Annex K
			// tables are implied.
			name: "no DHT",
			frame: editSegments(t, frame, func(s []segment) []segment {
				i := find(s, markerDHT)
				return append(s[:i], s[i+1:]...)
			}),
		},
		{
			name: "two DQT tables and DRI 0",
			frame: editSegments(t, frame, func(s []segment) []segment {
				i := find(s, markerDQT)
				chroma := append([]byte{1}, s[i].body[1:]...)
				s[i].body = append(s[i].body, chroma...)
				sof := s[find(s, markerSOF0)].body
				sof[11], sof[14] = 1, 1
				return append([]segment{{marker: markerDRI, body: []byte{0, 0}}}, s...)
			}),
		},
		{
			name: "16-bit quantization tables",
			frame: editSegments(t, frame, func(s []segment) []segment {
				i := find(s, markerDQT)
				s[i].body = widenDQT(s[i].body)
				return s
			}),
			check: func(t *testing.T, f Frame) {
				require.Equal(t, uint8(3), f.Precision)
				require.Len(t, f.QuantTables[0], 128)
				require.Equal(t, byte(0), f.QuantTables[0][0])
				require.Equal(t, want.QuantTables[0][0], f.QuantTables[0][1])
			},
		},
		{
			name: "APP1 holding an EOI, COM, fill bytes before markers",
			frame: func() []byte {
				b := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 6, 0xFF, 0xD9, 0xFF, 0xD8, 0xFF, 0xFF, 0xFE, 0, 2}, frame[2:]...)
				return b
			}(),
		},
		{
			name:  "trailing bytes after EOI",
			frame: append(bytes.Clone(frame), 1, 2, 3),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseJPEG(tc.frame)
			require.NoError(t, err)
			require.Equal(t, want.Width, f.Width)
			require.Equal(t, want.Height, f.Height)
			require.Equal(t, want.Type, f.Type)
			require.Equal(t, want.Scan, f.Scan)
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

// widenDQT rewrites a DQT body of 8-bit tables as 16-bit tables with the
// same values.
func widenDQT(body []byte) []byte {
	var out []byte
	for len(body) >= 65 {
		out = append(out, 0x10|body[0]&0x0F)
		for _, v := range body[1:65] {
			out = append(out, 0, v)
		}
		body = body[65:]
	}
	return out
}
