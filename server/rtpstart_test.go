package server

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtp"
)

// Config.RTPStart puts a track's first packet at the given sequence number
// and timestamp; the stream then crosses the 16-bit sequence wrap and the
// 32-bit timestamp wrap with no gap and no jump. The first picture's
// timestamp is RTPStart's plus the time from the session's creation to
// that picture, which a loaded machine may stretch past the wrap: then the
// run is made again with the wrap further away.
func TestRTPStartCrossesTheWraps(t *testing.T) {
	t.Parallel()
	for _, margin := range []time.Duration{500 * time.Millisecond, 2 * time.Second, 8 * time.Second} {
		if crossTheWraps(t, margin) {
			return
		}
	}
	t.Fatal("the first picture came after the timestamp wrap three times: the machine is too slow for this test")
}

// crossTheWraps plays a stream whose timestamps wrap margin after the
// session's creation; it reports false when the first picture already
// came after the wrap.
func crossTheWraps(t *testing.T, margin time.Duration) bool {
	ts0 := uint32(1<<32 - int64(rtp.Ticks(margin, 90000)))
	const seq0 = 65535 - 20 // 21 packets before the wrap
	s := startedServer(t, Config{RTPStart: &RTPStart{Timestamp: ts0, Sequence: seq0}}, VideoH264, AudioNone)
	defer s.Destroy()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	c := dialRaw(t, s, "test")
	defer c.nc.Close()
	c.setupPlayTCP(1)
	var prev rtp.Packet
	wrappedSeq, wrappedTS := false, false
	for n := 0; !(wrappedSeq && wrappedTS) || n < 200; {
		ch, payload, err := c.readFrame(hangTimeout)
		require.NoError(t, err)
		if ch != 0 {
			continue
		}
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(payload))
		if n == 0 {
			// The player joined at the GOP cache's keyframe: the first
			// picture of the stream.
			require.Equal(t, uint16(seq0), p.SequenceNumber)
			if p.Timestamp < ts0 {
				return false // already past the wrap
			}
		} else {
			require.Equal(t, prev.SequenceNumber+1, p.SequenceNumber, "packet %d", n)
			d := p.Timestamp - prev.Timestamp // modulo 2^32
			require.True(t, d == 0 || d == 3600, "packet %d: timestamp step %d", n, int32(d))
			wrappedSeq = wrappedSeq || p.SequenceNumber == 0
			wrappedTS = wrappedTS || p.Timestamp < prev.Timestamp
		}
		prev = p
		n++
	}
	return true
}
