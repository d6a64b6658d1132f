//go:build linux

package conformance

import (
	"time"
)

// What a player reported, in one shape for every player.

// unit is one decoded video frame or audio frame (packet) as a player
// output it.
type unit struct {
	pts  time.Duration // presentation time on the player's timeline
	dur  time.Duration // duration when the player says, else 0
	hash string        // checksum of the decoded samples or pixels
	wall time.Time     // when the suite read the line
}

// streamObs is one decoded stream.
type streamObs struct {
	codec    string // codec name as the player calls it
	profile  string
	width    int
	height   int
	fps      float64 // frame rate the player itself derived or reported
	rate     int     // audio sample rate
	channels int
	units    []unit
}

// playerObs is everything a player run produced.
type playerObs struct {
	video, audio *streamObs
	start        time.Time // the player process started
	play         time.Time // the server began sending to it (zero: never)
	exitCode     int
	exitNote     string   // a non-zero exit explained as the player's own, not the stream's (gstlaunch_test.go)
	exited       bool     // exited by itself or after our signal, not killed
	killed       string   // when not exited: what the suite waited for, and the player's last output
	complaints   []string // error output: every line for ffmpeg -v error, ERROR/WARNING for GStreamer
	// audioCapsLines counts GStreamer's audio caps lines, to diagnose a
	// cell whose audio parameters came out empty.
	audioCapsLines int
}
