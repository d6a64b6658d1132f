package rtp

import "time"

// Clock turns media time into RTP timestamps for one stream: Rate ticks per
// second starting at Offset, which RFC 3550 §5.1 says should be random.
// Arithmetic is exact for any duration and wraps modulo 2^32 as RTP does.
type Clock struct {
	Rate   uint32
	Offset uint32
	Start  time.Time
}

// At returns the RTP timestamp of wall-clock instant t (monotonic when both
// t and Start carry a monotonic reading, as time.Now values do).
func (c *Clock) At(t time.Time) uint32 {
	return c.Offset + Ticks(t.Sub(c.Start), c.Rate)
}

// Since returns the RTP timestamp of media time d after Start.
func (c *Clock) Since(d time.Duration) uint32 {
	return c.Offset + Ticks(d, c.Rate)
}

// Ticks converts a duration into clock ticks at rate Hz, rounding towards
// minus infinity, modulo 2^32 as RTP timestamps wrap. Negative durations
// count backwards, and flooring (rather than truncating towards zero) keeps
// tick boundaries evenly spaced across zero: Ticks(d+time.Second, r) equals
// Ticks(d, r)+r for every d. The result is exact for any duration.
func Ticks(d time.Duration, rate uint32) uint32 {
	if d >= 0 {
		return ticksPositive(uint64(d), rate)
	}
	// |d| as unsigned, also for math.MinInt64 whose negation overflows.
	abs := uint64(^d) + 1
	sec, rem := abs/uint64(time.Second), abs%uint64(time.Second)
	// ceil(|d|*rate/1e9), negated: the floor of the negative value.
	t := sec*uint64(rate) + (rem*uint64(rate)+uint64(time.Second)-1)/uint64(time.Second)
	return uint32(-t)
}

// ticksPositive is Ticks for a non-negative duration of ns nanoseconds. Products
// that overflow 64 bits still leave the low 32 bits exact, since unsigned
// arithmetic is modulo 2^64; rem*rate < 1e9*2^32 never overflows.
func ticksPositive(ns uint64, rate uint32) uint32 {
	sec, rem := ns/uint64(time.Second), ns%uint64(time.Second)
	return uint32(sec*uint64(rate) + rem*uint64(rate)/uint64(time.Second))
}

// Duration converts ticks at rate Hz into a duration, rounding up to the
// next nanosecond so that Ticks(Duration(n, r), r) == n for any rate below
// 1 GHz; it returns 0 when rate is 0.
func Duration(ticks int64, rate uint32) time.Duration {
	if rate == 0 {
		return 0
	}
	r := int64(rate)
	sec, rem := ticks/r, ticks%r
	var ns int64
	if rem > 0 {
		ns = (rem*int64(time.Second) + r - 1) / r
	} else {
		ns = rem * int64(time.Second) / r // truncation is the ceiling here
	}
	return time.Duration(sec)*time.Second + time.Duration(ns)
}
