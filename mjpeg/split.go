package mjpeg

import "fmt"

// NextFrame returns the first JPEG frame of data, from its SOI marker
// through its EOI marker, and the bytes after it. It follows the segment
// structure (segment lengths, then the entropy-coded data of each scan up to
// the next marker), so it is not fooled by an EOI inside an APPn segment,
// such as the end of an Exif thumbnail, and it splits progressive and other
// non-baseline frames too. frame and rest alias data.
//
// It returns ErrNotJPEG when data does not start with SOI, ErrTruncated
// when it ends before EOI and ErrInvalid when the structure is broken.
func NextFrame(data []byte) (frame, rest []byte, err error) {
	n, err := frameLength(data)
	if err != nil {
		return nil, data, err
	}
	return data[:n:n], data[n:], nil
}

// SplitFrames appends to dst the frames of data, a concatenation of JPEG
// frames such as a .mjpeg file or FFmpeg's "-f mjpeg" output, and returns
// the extended slice. The frames alias data. On error it returns the frames
// read before the one that failed.
func SplitFrames(dst [][]byte, data []byte) ([][]byte, error) {
	off := 0
	for len(data) > 0 {
		frame, rest, err := NextFrame(data)
		if err != nil {
			return dst, fmt.Errorf("frame at byte %d: %w", off, err)
		}
		dst = append(dst, frame)
		off += len(frame)
		data = rest
	}
	return dst, nil
}

// frameLength returns the length of the JPEG frame at the start of b.
func frameLength(b []byte) (int, error) {
	if len(b) < 2 || b[0] != 0xFF || b[1] != markerSOI {
		return 0, ErrNotJPEG
	}
	i := 2
	for {
		if i >= len(b) {
			return 0, fmt.Errorf("%w: no EOI", ErrTruncated)
		}
		if b[i] != 0xFF {
			return 0, fmt.Errorf("%w: byte 0x%02x at %d where a marker was expected", ErrInvalid, b[i], i)
		}
		for i < len(b) && b[i] == 0xFF {
			i++
		}
		if i >= len(b) {
			return 0, fmt.Errorf("%w: marker cut off", ErrTruncated)
		}
		m := b[i]
		i++
		switch {
		case m == markerEOI:
			return i, nil
		case m == markerSOI || m == 0x00:
			return 0, fmt.Errorf("%w: marker 0x%02x inside a frame", ErrInvalid, m)
		case m == markerTEM || (m >= markerRST0 && m <= markerRST7):
			continue // no length
		}
		if i+2 > len(b) {
			return 0, fmt.Errorf("%w: segment length cut off", ErrTruncated)
		}
		n := be16(b[i:])
		if n < 2 {
			return 0, fmt.Errorf("%w: segment 0x%02x has length %d", ErrInvalid, m, n)
		}
		if i+n > len(b) {
			return 0, fmt.Errorf("%w: segment 0x%02x needs %d bytes, %d left", ErrTruncated, m, n, len(b)-i)
		}
		i += n
		if m == markerSOS {
			j, ok := skipEntropy(b, i)
			if !ok {
				return 0, fmt.Errorf("%w: no EOI after a scan", ErrTruncated)
			}
			i = j
		}
	}
}
