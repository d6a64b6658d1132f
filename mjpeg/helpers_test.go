package mjpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtp"
)

// readFrames reads a file of concatenated JPEG frames.
func readFrames(t testing.TB, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	frames, err := SplitFrames(nil, data)
	require.NoError(t, err)
	require.NotEmpty(t, frames)
	return frames
}

// segment is one marker segment of a JPEG; for SOS, scan holds the
// entropy-coded data after it.
type segment struct {
	marker byte
	body   []byte
	scan   []byte
}

// segmentsOf cuts a single-scan JPEG (SOI and EOI excluded) into segments,
// copying them so that tests may edit them.
func segmentsOf(t testing.TB, frame []byte) []segment {
	t.Helper()
	require.True(t, bytes.HasPrefix(frame, []byte{0xFF, markerSOI}))
	var segs []segment
	i := 2
	for {
		require.Equal(t, byte(0xFF), frame[i], "marker at %d", i)
		m := frame[i+1]
		if m == markerEOI {
			return segs
		}
		n := be16(frame[i+2:])
		s := segment{marker: m, body: bytes.Clone(frame[i+4 : i+2+n])}
		i += 2 + n
		if m == markerSOS {
			j, ok := skipEntropy(frame, i)
			require.True(t, ok)
			s.scan = bytes.Clone(frame[i:j])
			i = j
		}
		segs = append(segs, s)
	}
}

// assemble is the inverse of segmentsOf.
func assemble(segs []segment) []byte {
	out := []byte{0xFF, markerSOI}
	for _, s := range segs {
		n := len(s.body) + 2
		out = append(out, 0xFF, s.marker, byte(n>>8), byte(n))
		out = append(out, s.body...)
		out = append(out, s.scan...)
	}
	return append(out, 0xFF, markerEOI)
}

// editSegments returns a copy of frame with edit applied to its segments.
func editSegments(t testing.TB, frame []byte, edit func([]segment) []segment) []byte {
	t.Helper()
	return assemble(edit(segmentsOf(t, frame)))
}

// find returns the index of the first segment with marker m.
func find(segs []segment, m byte) int {
	for i, s := range segs {
		if s.marker == m {
			return i
		}
	}
	return -1
}

// decode decodes a JPEG with the standard library.
func decode(t testing.TB, b []byte) *image.YCbCr {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	y, ok := img.(*image.YCbCr)
	require.True(t, ok, "decoded a %T", img)
	return y
}

// requireSamePixels checks that two JPEGs decode to the same Y, Cb and Cr
// samples at every pixel.
func requireSamePixels(t testing.TB, want, got []byte) {
	t.Helper()
	a, b := decode(t, want), decode(t, got)
	require.Equal(t, a.Bounds(), b.Bounds())
	require.Equal(t, a.SubsampleRatio, b.SubsampleRatio)
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.YCbCrAt(x, y) != b.YCbCrAt(x, y) {
				require.Failf(t, "pixels differ", "at (%d,%d): %v vs %v", x, y, a.YCbCrAt(x, y), b.YCbCrAt(x, y))
			}
		}
	}
}

// marshalBatch returns the wire bytes of every packet of b.
func marshalBatch(b *rtp.Batch) [][]byte {
	out := make([][]byte, b.Len())
	for i := range out {
		out[i] = b.AppendPacket(nil, i)
	}
	return out
}

// packet builds an RTP packet with an RFC 2435 payload.
func packet(seq uint16, ts uint32, marker bool, h Header, data []byte) *rtp.Packet {
	return &rtp.Packet{
		Header: rtp.Header{
			PayloadType:    26,
			SequenceNumber: seq,
			Timestamp:      ts,
			SSRC:           0x1234,
			Marker:         marker,
		},
		Payload: append(h.AppendTo(nil), data...),
	}
}
