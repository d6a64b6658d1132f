package main

import (
	"context"
	"time"
)

// paceFunc waits until unit n of a stream is due. It returns ctx's error
// when ctx ends first: the source then stops.
type paceFunc func(ctx context.Context, n int64) error

// pacer paces units of a fixed period from a start time, in real time. Unit
// n is due at start + n*period whatever the time spent sending the units
// before it, so the rate does not drift.
func pacer(start time.Time, period time.Duration) paceFunc {
	return func(ctx context.Context, n int64) error {
		d := time.Until(start.Add(time.Duration(n) * period))
		if d <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		}
	}
}

// sender is what the sources feed: the session's server.Stream (its
// writes take no server-wide lock), or a recorder in tests.
type sender interface {
	WriteVideo(data []byte, timestamp uint64) error
	WriteAudio(data []byte, timestamp uint64) error
}

// unitTime is the timestamp, in milliseconds (the server's default unit),
// of unit n of a stream of the given rate.
func unitTime(n int64, rate float64) uint64 {
	return uint64(float64(n) * 1000 / rate)
}
