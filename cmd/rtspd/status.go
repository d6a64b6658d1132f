package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// statusLoop prints a status line every interval until ctx ends.
func statusLoop(ctx context.Context, cam *server.Stream, every time.Duration, units string, w io.Writer) {
	t := time.NewTicker(every)
	defer t.Stop()
	s := status{units: units, last: time.Now()}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			st, err := cam.Stats()
			if err != nil {
				return
			}
			fmt.Fprintln(w, s.line(st, now))
		}
	}
}

// status turns successive server.SessionStats into status lines.
type status struct {
	units string // what the server's UnitsIn counts for these inputs: "NAL units and AAC frames"
	last  time.Time
	bytes map[string]uint64 // bytes sent to each player at the last line
}

// line says how many players there are, the bit rate sent to them since
// the last line, how many frames slow players lost, and how many units of
// media rtspd has handed to the server (SessionStats.UnitsIn counts the
// WriteVideo and WriteAudio calls, and rtspd makes one per unit): a
// count that stops growing means the input has stalled. The README
// explains each field.
func (s *status) line(st server.SessionStats, now time.Time) string {
	var sent, dropped uint64
	bytes := make(map[string]uint64, len(st.Readers))
	for _, r := range st.Readers {
		key := r.Transport + " " + r.Session + " " + r.Remote
		bytes[key] = r.Bytes
		if last, ok := s.bytes[key]; ok && r.Bytes >= last {
			sent += r.Bytes - last
		} else {
			sent += r.Bytes // joined since the last line
		}
		dropped += r.FramesDropped
	}
	rate := 0.0
	if d := now.Sub(s.last).Seconds(); d > 0 {
		rate = float64(sent) * 8 / d / 1e6
	}
	s.last, s.bytes = now, bytes
	line := fmt.Sprintf("rtspd: %s, %.2f Mbit/s out, %s dropped for slow players, %d %s from the input",
		plural(len(st.Readers), "player"), rate, plural(int(dropped), "frame"), st.UnitsIn, s.units)
	if st.MediaDropped > 0 {
		line += fmt.Sprintf(" (%d refused as malformed)", st.MediaDropped)
	}
	return line
}

// unitsLabel names what rtspd hands the server one at a time.
func unitsLabel(video server.VideoType, audio server.AudioType) string {
	v := "NAL units"
	if video == server.VideoMJPEG {
		v = "JPEG pictures"
	}
	switch audio {
	case server.AudioAAC:
		return v + " and AAC frames"
	case server.AudioPCMU, server.AudioPCMA:
		return v + " and 20 ms G.711 chunks"
	}
	return v
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
