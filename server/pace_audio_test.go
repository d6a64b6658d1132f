package server

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// stoppedClock is a clock for the audio pacer (audioPacer.now) that only
// moves when the test moves it.
type stoppedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stoppedClock) get() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stoppedClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// playUDPAudio connects a player of both tracks over UDP and returns its
// audio RTP socket, whose datagrams carry the kernel's receive time.
func playUDPAudio(t *testing.T, s *Server) *net.UDPConn {
	t.Helper()
	c := dialRaw(t, s, "test")
	var audio *net.UDPConn
	for i := 0; i < 2; i++ {
		rtpc, _ := udpPairForTest(t)
		require.NoError(t, rtpc.SetReadBuffer(4<<20))
		port := rtpc.LocalAddr().(*net.UDPAddr).Port
		resp := c.do(rtsp.Setup, fmt.Sprintf("%s/trackID=%d", c.base, i), "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
		require.Equal(t, 200, resp.StatusCode)
		sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
		require.NoError(t, err)
		c.sess = sh.ID
		audio = rtpc
	}
	require.NoError(t, enableRxTimestamps(audio))
	require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
	return audio
}

// Audio handed over 200 ms at a time reaches the player at the pace it
// plays: the first packet at once, the others 15/16 of a packet's duration
// apart, with consecutive sequence numbers and timestamps; the call does
// not wait for them. One packet's worth per call is not delayed, more than
// a second's worth is not paced. A session destroyed with packets waiting
// leaves nothing behind.
//
// The schedule is checked with the pacer's clock stopped (audioPacer.now):
// what is sent when is then exact, and a call that waited for the pacing
// would never return. The real clock is checked on what the player
// received and when the kernel says the server sent it, never earlier than
// the schedule, not on how soon the test got to read it.
func TestAudioCallsArePaced(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	aus := auOf(t, h264Heavy, false)
	// Two pictures: the first goes out (a reader's audio starts with its
	// first picture) once the second begins.
	require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[0]...), 0))
	require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[1]...), 40))
	audio := playUDPAudio(t, s)
	m := s.mount("test")

	sent := func() uint32 {
		st, err := s.Stats("test")
		require.NoError(t, err)
		return st.PacketsSent[1]
	}
	waiting := func() []pacedFrame {
		m.mu.Lock()
		defer m.mu.Unlock()
		return append([]pacedFrame(nil), m.pace.q...)
	}
	// send calls SendAudioData, which must return however long the
	// pacing takes.
	send := func(n int, ts uint64) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- s.SendAudioData("test", make([]byte, n), ts) }()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(hangTimeout):
			t.Fatalf("SendAudioData of %d bytes did not return: it waits for the pacing", n)
		}
	}
	// readAudio returns the next n audio packets and when the server sent
	// each.
	buf := make([]byte, 2048)
	readAudio := func(n int) ([]rtp.Packet, []time.Time) {
		t.Helper()
		var pkts []rtp.Packet
		var at []time.Time
		for len(pkts) < n {
			require.NoError(t, audio.SetReadDeadline(time.Now().Add(hangTimeout)))
			k, when, err := readRxTime(audio, buf)
			require.NoError(t, err, "audio packet %d of %d", len(pkts), n)
			var p rtp.Packet
			require.NoError(t, p.Unmarshal(append([]byte(nil), buf[:k]...)))
			pkts = append(pkts, p)
			at = append(at, when)
		}
		return pkts, at
	}
	consecutive := func(pkts []rtp.Packet) {
		t.Helper()
		for i := 1; i < len(pkts); i++ {
			require.Equal(t, pkts[i-1].SequenceNumber+1, pkts[i].SequenceNumber, "packet %d", i)
			require.Equal(t, pkts[i-1].Timestamp+160, pkts[i].Timestamp, "packet %d", i)
		}
	}
	// 20 ms of µ-law is one packet; the next is due 15/16 of that later.
	const step = 20 * time.Millisecond * paceNum / paceDen

	// The pacer's clock stands still from now on, until moved.
	var clock stoppedClock
	t0 := time.Now()
	clock.set(t0)
	m.mu.Lock()
	m.pace.now = clock.get
	m.mu.Unlock()

	// 200 ms in one call: the first packet goes out within the call, the
	// other nine wait, and the call returns.
	before := sent()
	send(1600, 1000)
	require.Equal(t, before+1, sent(), "the first packet goes out at once, within the call")
	q := waiting()
	require.Len(t, q, 9, "the other packets wait for their time")
	for k, p := range q {
		require.Equal(t, time.Duration(k+1)*step, p.due.Sub(t0), "packet %d is due 15/16 of a packet after the one before", k+1)
	}
	// Each goes out when the clock reaches its time, not before. (paceTick
	// is what the pacer's timer runs.)
	for k := 1; k <= 9; k++ {
		clock.set(t0.Add(time.Duration(k)*step - time.Nanosecond))
		m.paceTick()
		require.Equal(t, before+uint32(k), sent(), "packet %d went out before its time", k)
		clock.set(t0.Add(time.Duration(k) * step))
		m.paceTick()
		require.Equal(t, before+uint32(k+1), sent(), "packet %d did not go out at its time", k)
	}
	require.Empty(t, waiting())
	pkts, _ := readAudio(10)
	consecutive(pkts)

	// One packet's worth is not delayed.
	before = sent()
	send(160, 1200)
	require.Equal(t, before+1, sent(), "one packet's worth goes out within the call")
	require.Empty(t, waiting())
	one, _ := readAudio(1)
	require.Equal(t, pkts[9].SequenceNumber+1, one[0].SequenceNumber)

	// More than a second at once is not paced: it all goes out now.
	before = sent()
	send(16000, 1400) // 2 s
	require.Equal(t, before+100, sent(), "2 s of audio in one call is sent within the call")
	require.Empty(t, waiting())
	burst, _ := readAudio(100)
	require.Equal(t, one[0].SequenceNumber+1, burst[0].SequenceNumber)
	consecutive(burst)

	// The real clock: the timer sends the waiting packets, none before its
	// time. The kernel's receive stamp on loopback is when the server
	// sent the packet, so the bound holds however slow the reading.
	m.mu.Lock()
	m.pace.now = nil
	m.mu.Unlock()
	before = sent()
	start := time.Now()
	send(1600, 3400)
	require.GreaterOrEqual(t, sent(), before+1, "the first packet goes out at once, within the call")
	paced, at := readAudio(10)
	require.Equal(t, burst[99].SequenceNumber+1, paced[0].SequenceNumber)
	consecutive(paced)
	const slack = 2 * time.Millisecond // the kernel's clock against Go's
	for k := 1; k < len(at); k++ {
		require.GreaterOrEqual(t, at[k].Sub(start), time.Duration(k)*step-slack, "packet %d was sent before its time", k)
	}
	t.Logf("real clock: the last of 10 packets sent %v after the call (schedule %v)", at[9].Sub(start).Round(time.Millisecond), 9*step)

	// 0.8 s, most of it waiting (the clock stopped again), then the
	// session is destroyed: what waits is dropped, and a pacing timer
	// firing after the end finds nothing to do.
	clock.set(time.Now())
	m.mu.Lock()
	m.pace.now = clock.get
	m.mu.Unlock()
	send(6400, 3600)
	require.Len(t, waiting(), 39)
	require.NoError(t, s.DestroySession("test"))
	require.Empty(t, waiting(), "the packets waiting are released with the session")
	time.Sleep(100 * time.Millisecond)
	_, err := s.Stats("test")
	require.ErrorIs(t, err, ErrUnknownSession)
}
