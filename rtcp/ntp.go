package rtcp

import (
	"math"
	"time"
)

// ntpUnixOffset is the number of seconds from the NTP epoch (1900-01-01
// UTC) to the Unix epoch (1970-01-01 UTC).
const ntpUnixOffset = 2208988800

// NTPTime returns t as a 64-bit NTP timestamp (RFC 3550 §4): seconds since
// 1900-01-01 UTC in the high 32 bits, the fraction of a second in the low 32
// bits, rounded to the nearest 2^-32 s so that TimeFromNTP gives t back to
// the nanosecond. The seconds wrap on 2036-02-07 06:28:16 UTC, the start of
// NTP era 1, as every NTP timestamp does; TimeFromNTP resolves the era.
func NTPTime(t time.Time) uint64 {
	secs := t.Unix() + ntpUnixOffset
	ns := uint64(t.Nanosecond())
	frac := (ns<<32 + uint64(time.Second)/2) / uint64(time.Second)
	return uint64(secs)<<32 + frac
}

// TimeFromNTP returns the time of NTP timestamp v, in UTC. A 64-bit NTP
// timestamp does not say its era, so, as RFC 4330 §3 suggests, seconds with
// the high bit set are taken to be in era 0 (1968-01-20 to 2036-02-07) and
// the others in era 1 (2036-02-07 to 2104-02-26). Within that range
// TimeFromNTP(NTPTime(t)) equals t exactly.
func TimeFromNTP(v uint64) time.Time {
	secs := int64(v >> 32)
	if secs&(1<<31) == 0 {
		secs += 1 << 32 // era 1
	}
	frac := v & 0xffffffff
	ns := (frac*uint64(time.Second) + 1<<31) >> 32 // may round up to 1e9
	return time.Unix(secs-ntpUnixOffset, int64(ns)).UTC()
}

// MiddleNTP returns the middle 32 bits of an NTP timestamp (16 bits of
// seconds, 16 of fraction): the compact form that reception reports use for
// LSR (RFC 3550 §6.4.1).
func MiddleNTP(ntp uint64) uint32 { return uint32(ntp >> 16) }

// ShortDuration returns d in units of 1/65536 s, rounded to the nearest, as
// the DLSR field wants (RFC 3550 §6.4.1). Negative durations give 0 and
// durations of 65536 s or more give the largest value.
func ShortDuration(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	sec, rem := uint64(d/time.Second), uint64(d%time.Second)
	if sec >= 1<<16 {
		return math.MaxUint32
	}
	v := sec<<16 + (rem<<16+uint64(time.Second)/2)/uint64(time.Second)
	return uint32(min(v, math.MaxUint32))
}

// DurationFromShort returns a duration given in units of 1/65536 s (the
// DLSR field, or a difference of MiddleNTP values), rounded to the nearest
// nanosecond.
func DurationFromShort(v uint32) time.Duration {
	return time.Duration((uint64(v)*uint64(time.Second) + 1<<15) >> 16)
}

// RoundTripTime computes the round-trip time from a reception report that
// arrived at instant arrival, with the report's LSR and DLSR (RFC 3550
// §6.4.1: arrival - LSR - DLSR in compact NTP form). ok is false when the
// report refers to no SR (LSR 0) or the result is negative, as clock steps
// can make it.
func RoundTripTime(arrival time.Time, lsr, dlsr uint32) (rtt time.Duration, ok bool) {
	if lsr == 0 {
		return 0, false
	}
	v := MiddleNTP(NTPTime(arrival)) - lsr - dlsr
	if int32(v) < 0 {
		return 0, false
	}
	return DurationFromShort(v), true
}
