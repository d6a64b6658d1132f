package server

import (
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// Audio handed over 200 ms at a time reaches the player at the pace it
// plays: the first packet at once, the last about 170 ms later, with
// consecutive sequence numbers and timestamps. One packet's worth per call
// is not delayed. A session destroyed with packets waiting leaves nothing
// behind.
func TestAudioCallsArePaced(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	aus := auOf(t, h264Heavy, false)
	// Two pictures: the first goes out (a reader's audio starts with its
	// first picture) once the second begins.
	require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[0]...), 0))
	require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[1]...), 40))
	c := dialRaw(t, s, "test")
	c.setupPlayTCP(2)

	// readAudio returns the next n audio packets and when each arrived.
	readAudio := func(n int) ([]rtp.Packet, []time.Time) {
		var pkts []rtp.Packet
		var at []time.Time
		for len(pkts) < n {
			ch, payload, err := c.readFrame(2 * time.Second)
			require.NoError(t, err)
			if ch != 2 {
				continue
			}
			var p rtp.Packet
			require.NoError(t, p.Unmarshal(payload))
			pkts = append(pkts, p)
			at = append(at, time.Now())
		}
		return pkts, at
	}

	start := time.Now()
	require.NoError(t, s.SendAudioData("test", make([]byte, 1600), 1000)) // 200 ms of µ-law
	require.Less(t, time.Since(start), 50*time.Millisecond, "the call does not wait for the pacing")
	pkts, at := readAudio(10)
	require.Less(t, at[0].Sub(start), 60*time.Millisecond, "the first packet goes out at once")
	spread := at[9].Sub(at[0])
	require.Greater(t, spread, 130*time.Millisecond, "the packets are spread over the time they play")
	require.Less(t, spread, 400*time.Millisecond)
	for i := 1; i < len(pkts); i++ {
		require.Equal(t, pkts[i-1].SequenceNumber+1, pkts[i].SequenceNumber)
		require.Equal(t, pkts[i-1].Timestamp+160, pkts[i].Timestamp)
	}

	time.Sleep(50 * time.Millisecond) // the queue is empty by now
	start = time.Now()
	require.NoError(t, s.SendAudioData("test", make([]byte, 160), 1200))
	one, at := readAudio(1)
	require.Less(t, at[0].Sub(start), 60*time.Millisecond, "one packet's worth is not delayed")
	require.Equal(t, pkts[9].SequenceNumber+1, one[0].SequenceNumber)

	// More than a second at once is not paced: it all goes out now.
	before := pkts[9].SequenceNumber + 1
	require.NoError(t, s.SendAudioData("test", make([]byte, 16000), 1400)) // 2 s
	start = time.Now()
	burst, at := readAudio(100)
	require.Less(t, at[99].Sub(start), 100*time.Millisecond, "2 s of audio in one call is sent at once")
	require.Equal(t, before+1, burst[0].SequenceNumber)

	require.NoError(t, s.SendAudioData("test", make([]byte, 6400), 3400)) // 0.8 s, most of it waiting
	require.NoError(t, s.DestroySession("test"))
	time.Sleep(100 * time.Millisecond) // a pacing timer firing after the end finds nothing to do
	_, err := s.Stats("test")
	require.ErrorIs(t, err, ErrUnknownSession)
}
