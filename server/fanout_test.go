package server

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Tests of the fan-out workers (fanout.go): every reader gets the same
// packets in order whichever path carries them (a worker's direct write, a
// reader's writer goroutine, one sendmmsg for many UDP readers).

// streamCheck follows one reader's RTP stream: packets counted, sequence
// numbers consecutive.
type streamCheck struct {
	mu      sync.Mutex // for readers in their own goroutine
	name    string
	packets int
	last    uint16
	gaps    int
	lost    int // packets skipped by the gaps
	bad     int // not RTP
}

// span is the packets received plus those skipped: the whole stream once
// its last packet is in.
func (s *streamCheck) span() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.packets + s.lost
}

func (s *streamCheck) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.packets
}

func (s *streamCheck) add(payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p rtp.Packet
	if p.Unmarshal(payload) != nil {
		s.bad++
		return
	}
	if s.packets > 0 && p.SequenceNumber != s.last+1 {
		s.gaps++
		s.lost += int(p.SequenceNumber - s.last - 1)
	}
	s.last = p.SequenceNumber
	s.packets++
}

// Many readers over TCP and UDP at once, spread over the workers: each
// receives every packet, in order: all that the server sent.
func TestFanOutDeliversEveryPacketToEveryReader(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	const nTCP, nUDP = 6, 6

	var tcp []*rawClient
	for i := 0; i < nTCP; i++ {
		tcp = append(tcp, playTCP(t, s))
	}
	var udp []*net.UDPConn
	for i := 0; i < nUDP; i++ {
		_, rtpc := playUDP(t, s)
		udp = append(udp, rtpc)
	}

	// Every reader reads until it has the whole stream: the count of
	// packets the server made of it, known once the pump is done.
	var stopping atomic.Bool
	checks := make([]*streamCheck, nTCP+nUDP)
	errs := make([]error, nTCP+nUDP)
	var mu sync.Mutex // errs
	failed := func(i int, err error) {
		if stopping.Load() {
			return
		}
		mu.Lock()
		errs[i] = fmt.Errorf("%s after %d packets: %w", checks[i].name, checks[i].count(), err)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i, c := range tcp {
		checks[i] = &streamCheck{name: fmt.Sprintf("tcp %d", i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ch, payload, err := c.readFrame(hangTimeout)
				if err != nil {
					failed(i, err)
					return
				}
				if ch == 0 {
					checks[i].add(payload)
				}
			}
		}()
	}
	for i, u := range udp {
		checks[nTCP+i] = &streamCheck{name: fmt.Sprintf("udp %d", i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				_ = u.SetReadDeadline(time.Now().Add(hangTimeout))
				n, _, err := u.ReadFromUDP(buf)
				if err != nil {
					failed(nTCP+i, err)
					return
				}
				checks[nTCP+i].add(buf[:n])
			}
		}()
	}

	// 160 access units, IDRs (about 75 packets) included, as fast as a
	// 4 Mbit/s stream 4 times faster than real time; how long that takes
	// does not change what is sent.
	drops0, dropsKnown := kernelUDPDrops()
	p := startCountedPump(t, s, h264Heavy, 10*time.Millisecond, 160)
	<-p.done
	st, err := s.Stats("test")
	require.NoError(t, err)
	total := int(st.PacketsSent[0])
	require.Greater(t, total, 1000)
	deadline := time.Now().Add(hangTimeout)
	for i := 0; i < len(checks); {
		mu.Lock()
		err := errs[i]
		mu.Unlock()
		require.NoError(t, err, "want %d packets", total)
		// A UDP reader is done at the stream's last packet, even if the
		// kernel dropped some before it (checked below).
		if checks[i].count() >= total || (i >= nTCP && checks[i].span() >= total) {
			i++
			continue
		}
		require.True(t, time.Now().Before(deadline), "%s has %d packets of %d", checks[i].name, checks[i].count(), total)
		time.Sleep(10 * time.Millisecond)
	}
	stopping.Store(true)
	for _, c := range tcp {
		_ = c.nc.SetReadDeadline(time.Now())
	}
	for _, u := range udp {
		_ = u.SetReadDeadline(time.Now())
	}
	wg.Wait()

	st, err = s.Stats("test")
	require.NoError(t, err)
	for _, r := range st.Readers {
		require.Zero(t, r.FramesDropped, "session %s lost frames", r.Session)
		require.Equal(t, uint64(total), r.Packets, "session %s was sent another count of packets", r.Session)
	}
	drops1, _ := kernelUDPDrops()
	for i, sc := range checks {
		require.Zero(t, sc.bad, "%s: packets that are not RTP", sc.name)
		if i >= nTCP && sc.gaps > 0 && dropsKnown && drops1 > drops0 {
			// Loopback UDP on a busy machine: the kernel dropped part of
			// a burst (it says so), which UDP allows. The server sent
			// every packet (its counters above), in order.
			t.Logf("%s: %d packets in %d gaps dropped by the kernel (%d drops counted meanwhile)", sc.name, sc.lost, sc.gaps, drops1-drops0)
			require.Equal(t, total, sc.packets+sc.lost, sc.name)
			require.Equal(t, checks[0].last, sc.last, "%s ends elsewhere than the others", sc.name)
			continue
		}
		require.Zero(t, sc.gaps, "%s: sequence gaps (%d packets) the kernel did not count as dropped", sc.name, sc.lost)
		// Every reader joined before the first keyframe: each got the
		// whole stream, and the same last packet.
		require.Equal(t, total, sc.packets, sc.name)
		require.Equal(t, checks[0].last, sc.last, "%s ends elsewhere than the others", sc.name)
	}
}

// Requests on the connection that carries the media: the worker writes
// frames directly unless the connection is busy with a response, in which
// case the reader's writer goroutine does, and a frame it began goes on
// before anything else. Every response and every packet arrives whole and
// in order. A second player asks for channels other than the frame's
// prepared ones, so all its frames take the writer goroutine's path.
func TestFanOutTCPFramesAndResponsesShareTheConnection(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond)
	defer p.halt()

	run := func(name string, channel int) {
		c := dialRaw(t, s, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", channel, channel+1))
		require.Equal(t, 200, resp.StatusCode, name)
		sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
		c.sess = sh.ID
		require.Equal(t, 200, c.do(rtsp.Play, c.base+"/").StatusCode, name)

		// Request i goes out once 2i packets have come, so that requests
		// and frames interleave however fast or slow the machine runs
		// either.
		const requests = 300
		var packets atomic.Int64
		quit := make(chan struct{})
		defer close(quit)
		go func() {
			for i := 0; i < requests; i++ {
				for packets.Load() < int64(2*i) {
					select {
					case <-quit:
						return
					case <-time.After(time.Millisecond):
					}
				}
				req := fmt.Sprintf("GET_PARAMETER %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", c.base, 1000+i, c.sess)
				if _, err := c.nc.Write([]byte(req)); err != nil {
					return
				}
			}
		}()
		sc := &streamCheck{name: name}
		next := 1000
		for next < 1000+requests {
			require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(hangTimeout)))
			m, err := c.rd.Read()
			require.NoError(t, err, "%s: the stream must stay well-formed", name)
			switch m.Kind {
			case rtsp.KindFrame:
				if int(m.Channel) == channel {
					sc.add(m.Payload)
					packets.Add(1)
				}
			case rtsp.KindResponse:
				require.Equal(t, 200, m.Response.StatusCode, name)
				require.Equal(t, fmt.Sprint(next), m.Response.Header.Get("CSeq"), name)
				next++
			}
		}
		require.Zero(t, sc.bad, "%s: packets that are not RTP", name)
		require.Zero(t, sc.gaps, "%s: sequence gaps", name)
		require.GreaterOrEqual(t, sc.packets, 2*(requests-1), name)
	}
	run("channel 0", 0)
	run("channel 6", 6)
}

// UDP readers fill one worker (one sendmmsg per frame for all of them)
// before the next is used; TCP readers go round the workers.
func TestFanOutAssignsReadersToWorkers(t *testing.T) {
	fo := &fanout{workers: []*worker{{}, {}}}
	got := map[*worker]int{}
	for i := 0; i < udpPerWorker+10; i++ {
		got[fo.assignUDP()]++
	}
	require.Equal(t, udpPerWorker, got[fo.workers[0]])
	require.Equal(t, 10, got[fo.workers[1]])
	fo.workers[0].udpReaders.Add(-5) // five readers of the first ended
	require.Same(t, fo.workers[0], fo.assignUDP())

	tcp := map[*worker]int{}
	for i := 0; i < 10; i++ {
		tcp[fo.assign()]++
	}
	require.Equal(t, 5, tcp[fo.workers[0]])
	require.Equal(t, 5, tcp[fo.workers[1]])
}
