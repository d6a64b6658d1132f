package rtsp

import "fmt"

// MaxCSeq is the largest CSeq ParseCSeq accepts. RFC 2326 §12.17 only says
// 1*DIGIT; the bound keeps the value in a uint32 (live555, ffmpeg and
// gortsplib all store it in 32 bits or less).
const MaxCSeq = 1<<32 - 1

// ParseCSeq parses a CSeq header value (RFC 2326 §12.17): a non-negative
// decimal integer of at most 10 digits and at most MaxCSeq, surrounding
// spaces allowed. A response must carry the CSeq of the request it answers.
func ParseCSeq(s string) (uint32, error) {
	n, ok := parseUint(trimOWS(s), 10, MaxCSeq)
	if !ok {
		return 0, fmt.Errorf("%w: invalid CSeq %q", ErrMalformed, s)
	}
	return uint32(n), nil
}
