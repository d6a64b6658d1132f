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

// signed converts the difference a-b of two caller timestamps.
func (u TimestampUnit) signed(a, b uint64) time.Duration {
	if a >= b {
		return u.duration(a - b)
	}
	return -u.duration(b - a)
}

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

// maxCadenceDrift bounds how far frame-rate cadence may run from the
// monotonic clock before the clock takes over.
const maxCadenceDrift = time.Second

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
//     For video whose SPS gives a frame rate, it is instead the previous
//     media time plus one frame, as long as that stays within
//     maxCadenceDrift of the monotonic clock: pictures keep an even cadence
//     however the caller's calls jitter.
//   - Media time is pulled back to the monotonic clock when it strays more
//     than maxCallerDrift from it.
//   - A track's first unit is placed on the caller's timeline as the
//     session's other track has it, so tracks line up by the caller's own
//     timestamps (audio handed over in 200 ms chunks starts where its first
//     sample belongs, not where the call arrived).
//   - A video unit the caller's timestamp says nothing about advances at
//     least a quarter of a frame (1 ms when the frame rate is unknown):
//     distinct pictures never share an RTP timestamp (RFC 6184 §5.1).
//
// All tracks of a session share the epoch, so an RTP timestamp of any track
// converts to the same wall-clock time in RTCP sender reports: lip sync.
type mediaClock struct {
	unit  TimestampUnit
	epoch time.Time // monotonic and wall reading of media time 0
	// The latest caller timestamp and its media time, over all tracks.
	anchored     bool
	anchorCaller uint64
	anchorMedia  time.Duration
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
// handed over at now. minStep is how far a new unit must at least advance
// when the caller's timestamp says nothing (0 for audio, whose samples are
// counted elsewhere; for video a fraction of a frame, so distinct pictures
// never share a timestamp); nominal is one frame at the stream's own frame
// rate, 0 when unknown.
func (c *mediaClock) mediaTime(t *trackClock, callerTS uint64, now time.Time, nominal, minStep time.Duration) time.Duration {
	wall := now.Sub(c.epoch)
	m := wall
	floor := t.lastMedia + minStep // where a unit without information goes at least
	switch {
	case !t.started:
		// A track's first unit: on the caller's timeline as another
		// track of the session already mapped it, so that audio handed
		// over in chunks lines up with the video it belongs to.
		if c.anchored {
			m = c.anchorMedia + c.unit.signed(callerTS, c.anchorCaller)
			if absDur(m-wall) > maxCallerDrift {
				m = wall
			}
		}
	case callerTS > t.lastCaller:
		m = t.lastMedia + c.unit.duration(callerTS-t.lastCaller)
	case callerTS < t.lastCaller && c.unit.duration(t.lastCaller-callerTS) < maxReorder:
		m = t.lastMedia - c.unit.duration(t.lastCaller-callerTS)
	case nominal > 0 && absDur(t.lastMedia+nominal-wall) <= maxCadenceDrift:
		m = t.lastMedia + nominal
	default:
		m = max(wall, floor)
	}
	if absDur(m-wall) > maxCallerDrift {
		m = max(wall, floor)
	}
	if !t.started || callerTS != t.lastCaller {
		c.anchored, c.anchorCaller, c.anchorMedia = true, callerTS, m
	}
	t.started = true
	t.lastCaller = callerTS
	t.lastMedia = m
	return m
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// rtpTime converts media time to this track's RTP timestamp.
func (t *trackClock) rtpTime(m time.Duration) uint32 {
	return t.offset + rtp.Ticks(m, t.rate)
}

// duration is the playing time of n timestamp units.
func (t *trackClock) duration(n uint32) time.Duration {
	if t.rate == 0 {
		return 0
	}
	return rtp.Duration(int64(n), t.rate)
}

// mediaOf converts an RTP timestamp of this track back to media time,
// assuming it lies within half the timestamp space of ref.
func (t *trackClock) mediaOf(ts uint32, ref time.Duration) time.Duration {
	refTS := t.rtpTime(ref)
	return ref + rtp.Duration(int64(int32(ts-refTS)), t.rate)
}
