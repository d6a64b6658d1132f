package h26x

import "bytes"

// Annex-B byte streams (ITU-T H.264 Annex B, H.265 Annex B) separate NAL
// units with start codes: 0x000001, or 0x00000001 where a zero_byte precedes
// it. A NAL unit never ends in a zero byte (B.2), so the zeros in front of a
// start code belong to the start code or to trailing_zero_8bits and are
// dropped from the NAL unit before it.

// NextNAL returns the first NAL unit of the Annex-B stream b and the rest of
// the stream, which begins at the following start code (or is empty). Bytes
// before the first start code are skipped; a stream that has no start code
// at all yields a nil NAL. The returned slices alias b; nothing is allocated.
// A NAL unit that is only zeros (between two start codes) is skipped.
func NextNAL(b []byte) (nal, rest []byte) {
	for {
		start := startCodeEnd(b)
		if start < 0 {
			return nil, nil
		}
		b = b[start:]
		end, next := nextStartCode(b)
		nal = trimTrailingZeros(b[:end])
		rest = b[next:]
		if len(nal) > 0 {
			return nal, rest
		}
		if len(rest) == 0 {
			return nil, nil
		}
		b = rest
	}
}

// SplitNALs appends every NAL unit of the Annex-B stream b to dst and
// returns it. The NAL units alias b.
func SplitNALs(dst [][]byte, b []byte) [][]byte {
	for {
		var nal []byte
		nal, b = NextNAL(b)
		if nal == nil {
			return dst
		}
		dst = append(dst, nal)
	}
}

// HasStartCode reports whether b contains an Annex-B start code.
func HasStartCode(b []byte) bool {
	return startCodeEnd(b) >= 0
}

// AppendAnnexB appends the NAL units to dst, each behind a 4-byte start code.
func AppendAnnexB(dst []byte, nals ...[]byte) []byte {
	for _, n := range nals {
		dst = append(dst, 0, 0, 0, 1)
		dst = append(dst, n...)
	}
	return dst
}

// startCodeEnd returns the index just past the first start code in b, or -1.
func startCodeEnd(b []byte) int {
	off := 0
	for {
		i := bytes.IndexByte(b[off:], 1)
		if i < 0 {
			return -1
		}
		i += off
		if i >= 2 && b[i-1] == 0 && b[i-2] == 0 {
			return i + 1
		}
		off = i + 1
	}
}

// nextStartCode returns where the NAL unit at the start of b ends and where
// the next start code begins (both len(b) when there is none). The scan
// looks for the 0x01 byte, rare in coded data, with the vectorised
// bytes.IndexByte, then checks the two zeros before it.
func nextStartCode(b []byte) (end, next int) {
	off := 0
	for {
		i := bytes.IndexByte(b[off:], 1)
		if i < 0 {
			return len(b), len(b)
		}
		i += off
		if i >= 2 && b[i-1] == 0 && b[i-2] == 0 {
			return i - 2, i - 2
		}
		off = i + 1
	}
}

func trimTrailingZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
