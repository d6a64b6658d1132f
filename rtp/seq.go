package rtp

// SeqUnwrapper extends 16-bit RTP sequence numbers to a monotonic 64-bit
// count, so that loss and reordering can be reasoned about across the wrap
// at 65535. A step of less than half the sequence space is taken as the
// shortest way forward or backward (RFC 3550 Appendix A.1 reasons the same
// way). The zero value is ready; the first number is returned as is, and a
// late number from before it unwraps below it (possibly below zero). Only
// forward steps move the reference, so duplicates and reordered numbers
// unwrap to the value their first copy had.
type SeqUnwrapper struct {
	started bool
	last    int64
}

// Unwrap returns the extended value of seq.
func (u *SeqUnwrapper) Unwrap(seq uint16) int64 {
	if !u.started {
		u.started = true
		u.last = int64(seq)
		return u.last
	}
	delta := int64(int16(seq - uint16(u.last)))
	v := u.last + delta
	if delta > 0 {
		u.last = v
	}
	return v
}

// SeqLess reports whether a comes before b in RTP sequence order, taking
// wrap-around into account.
func SeqLess(a, b uint16) bool {
	return int16(a-b) < 0
}
