package server

import (
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

// TimestampUnit says how SendVideoData and SendAudioData interpret their
// timestamp argument.
type TimestampUnit int

// Timestamp units.
const (
	Milliseconds TimestampUnit = iota // the default, as on the board
	Microseconds
	Clock90kHz // RTP's video clock: 90000 ticks per second
)

func (u TimestampUnit) duration(delta uint64) time.Duration {
	switch u {
	case Microseconds:
		return time.Duration(delta) * time.Microsecond
	case Clock90kHz:
		return rtp.Duration(int64(delta), 90000)
	default:
		return time.Duration(delta) * time.Millisecond
	}
}

// maxCallerDrift is how far media time derived from the caller's timestamps
// may run from the server's monotonic clock before the server resyncs to its
// own clock. It absorbs encoder jitter and bursts while catching timestamps
// that jump (an encoder restart, a different unit than configured).
const maxCallerDrift = 2 * time.Second

// maxReorder is the largest step back of the caller's timestamps taken as
// B-frame presentation order rather than as a broken clock.
const maxReorder = time.Second

// mediaClock implements the timestamp rule shared by every track of one
// session (documented in the README, "Timestamps"):
//
//   - Each unit's media time is the previous unit's media time plus the
//     advance of the caller's timestamp, converted with the configured unit.
//   - A step back of less than maxReorder is taken as presentation order
//     (B-frames): the media time steps back as much.
//   - When the caller's timestamp does not advance (the board's example
//     passes a constant 1000) or jumps back further, or is the first one,
//     the media time is the time elapsed on the server's monotonic clock
//     since the session's epoch, and never less than the previous one.
//   - Media time is pulled back to the monotonic clock when it strays more
//     than maxCallerDrift from it.
//
// All tracks of a session share the epoch, so an RTP timestamp of any track
// converts to the same wall-clock time in RTCP sender reports: lip sync.
type mediaClock struct {
	unit  TimestampUnit
	epoch time.Time // monotonic and wall reading of media time 0
}

// trackClock is one track's position on its session's media clock.
type trackClock struct {
	rate       uint32
	offset     uint32 // random initial RTP timestamp (RFC 3550 §5.1)
	started    bool
	lastCaller uint64
	lastMedia  time.Duration
}

// mediaTime returns the media time of a unit the caller stamped callerTS and
// handed over at now.
func (c *mediaClock) mediaTime(t *trackClock, callerTS uint64, now time.Time) time.Duration {
	wall := now.Sub(c.epoch)
	m := wall
	switch {
	case t.started && callerTS > t.lastCaller:
		m = t.lastMedia + c.unit.duration(callerTS-t.lastCaller)
	case t.started && callerTS < t.lastCaller && c.unit.duration(t.lastCaller-callerTS) < maxReorder:
		m = t.lastMedia - c.unit.duration(t.lastCaller-callerTS)
	case t.started && m < t.lastMedia:
		m = t.lastMedia
	}
	if d := m - wall; d > maxCallerDrift || d < -maxCallerDrift {
		m = max(wall, t.lastMedia)
	}
	t.started = true
	t.lastCaller = callerTS
	t.lastMedia = m
	return m
}

// rtpTime converts media time to this track's RTP timestamp.
func (t *trackClock) rtpTime(m time.Duration) uint32 {
	return t.offset + rtp.Ticks(m, t.rate)
}

// mediaOf converts an RTP timestamp of this track back to media time,
// assuming it lies within half the timestamp space of ref.
func (t *trackClock) mediaOf(ts uint32, ref time.Duration) time.Duration {
	refTS := t.rtpTime(ref)
	return ref + rtp.Duration(int64(int32(ts-refTS)), t.rate)
}
