package mjpeg

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplitFramesFiles(t *testing.T) {
	for _, tc := range []struct {
		path   string
		frames int
	}{
		{file420, 10},
		{file422, 10},
		{fileOptimal, 2},
		{fileRst420, 2},
		{fileRst422, 1},
	} {
		data, err := os.ReadFile(tc.path)
		require.NoError(t, err)
		frames, err := SplitFrames(nil, data)
		require.NoError(t, err)
		require.Len(t, frames, tc.frames, tc.path)
		require.Equal(t, data, bytes.Join(frames, nil))
		for _, f := range frames {
			require.True(t, bytes.HasPrefix(f, []byte{0xFF, 0xD8}))
			require.True(t, bytes.HasSuffix(f, []byte{0xFF, 0xD9}))
			require.Equal(t, 1, bytes.Count(f, []byte{0xFF, 0xD8}), "one SOI per frame")
		}
	}
}

func TestNextFrame(t *testing.T) {
	frame := readFrames(t, fileTiny)[0]
	// An APP1 segment that holds a whole JPEG (as an Exif thumbnail does)
	// must not end the frame early.
	thumb := []byte{0xFF, 0xD8, 0xFF, 0xD9}
	withThumb := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, byte(2 + len(thumb))}, thumb...)
	withThumb = append(withThumb, frame[2:]...)
	// A progressive frame: several scans, DHT between them.
	progressive := editSegments(t, frame, func(s []segment) []segment {
		s[find(s, markerSOF0)].marker = 0xC2
		i := find(s, markerSOS)
		return append(s[:i+1], s[find(s, markerDHT)], s[i])
	})

	for _, tc := range []struct {
		name  string
		data  []byte
		frame []byte
		err   error
	}{
		{"one frame", frame, frame, nil},
		{"followed by another", append(bytes.Clone(frame), frame...), frame, nil},
		{"Exif-like thumbnail", withThumb, withThumb, nil},
		{"progressive", progressive, progressive, nil},
		{"restart markers", readFrames(t, fileRst420)[0], readFrames(t, fileRst420)[0], nil},
		{"not JPEG", []byte("hello"), nil, ErrNotJPEG},
		{"truncated", frame[:len(frame)-1], nil, ErrTruncated},
		{"truncated segment", frame[:100], nil, ErrTruncated},
		{"garbage", []byte{0xFF, 0xD8, 0x00}, nil, ErrInvalid},
		{"bad length", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}, nil, ErrInvalid},
		{"nested SOI", []byte{0xFF, 0xD8, 0xFF, 0xD8}, nil, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, rest, err := NextFrame(tc.data)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Equal(t, tc.data, rest)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.frame, f)
			require.Equal(t, tc.data[len(f):], rest)
		})
	}
}

func TestSplitFramesTrailingGarbage(t *testing.T) {
	frame := readFrames(t, fileTiny)[0]
	data := append(append(bytes.Clone(frame), frame...), 0x00, 0x01)
	frames, err := SplitFrames(nil, data)
	require.ErrorIs(t, err, ErrNotJPEG)
	require.Len(t, frames, 2, "frames before the error are returned")
}
