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

// Ticks converts a duration into clock ticks at rate Hz, truncating, and
// modulo 2^32. Negative durations count backwards.
func Ticks(d time.Duration, rate uint32) uint32 {
	neg := d < 0
	if neg {
		d = -d
	}
	sec := uint64(d / time.Second)
	rem := uint64(d % time.Second)
	t := sec*uint64(rate) + rem*uint64(rate)/uint64(time.Second)
	if neg {
		return uint32(-t)
	}
	return uint32(t)
}

// Duration converts ticks at rate Hz into a duration.
func Duration(ticks int64, rate uint32) time.Duration {
	if rate == 0 {
		return 0
	}
	sec := ticks / int64(rate)
	rem := ticks % int64(rate)
	return time.Duration(sec)*time.Second + time.Duration(rem)*time.Second/time.Duration(rate)
}
