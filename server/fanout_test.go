package server

import (
	"fmt"
	"net"
	"sync"
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
	name    string
	packets int
	last    uint16
	gaps    int
	bad     int // not RTP
}

func (s *streamCheck) add(payload []byte) {
	var p rtp.Packet
	if p.Unmarshal(payload) != nil {
		s.bad++
		return
	}
	if s.packets > 0 && p.SequenceNumber != s.last+1 {
		s.gaps++
	}
	s.last = p.SequenceNumber
	s.packets++
}

// Many readers over TCP and UDP at once, spread over the workers: each
// receives every packet, in order, over the same stretch of stream.
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

	// About 160 access units, IDRs (about 75 packets) included, then
	// silence: every reader reads until it has been quiet for a while.
	p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond)
	time.Sleep(1600 * time.Millisecond)
	p.halt()

	checks := make([]*streamCheck, nTCP+nUDP)
	var wg sync.WaitGroup
	for i, c := range tcp {
		checks[i] = &streamCheck{name: fmt.Sprintf("tcp %d", i)}
		wg.Add(1)
		go func(c *rawClient, sc *streamCheck) {
			defer wg.Done()
			for {
				ch, payload, err := c.readFrame(time.Second)
				if err != nil {
					return
				}
				if ch == 0 {
					sc.add(payload)
				}
			}
		}(c, checks[i])
	}
	for i, u := range udp {
		sc := &streamCheck{name: fmt.Sprintf("udp %d", i)}
		checks[nTCP+i] = sc
		wg.Add(1)
		go func(conn *net.UDPConn) {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				_ = conn.SetReadDeadline(time.Now().Add(time.Second))
				n, _, err := conn.ReadFromUDP(buf)
				if err != nil {
					return
				}
				sc.add(buf[:n])
			}
		}(u)
	}
	wg.Wait()

	st, err := s.Stats("test")
	require.NoError(t, err)
	var sent uint64
	for _, r := range st.Readers {
		require.Zero(t, r.FramesDropped, "session %s lost frames", r.Session)
		sent = max(sent, r.Packets)
	}
	require.Greater(t, sent, uint64(1000))
	for _, sc := range checks {
		require.Zero(t, sc.bad, "%s: packets that are not RTP", sc.name)
		require.Zero(t, sc.gaps, "%s: sequence gaps", sc.name)
		// Readers joined at different points of the first GOP; all got
		// the whole stream from their first keyframe on.
		require.Greater(t, sc.packets, 1000, sc.name)
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

		const requests = 300
		go func() {
			for i := 0; i < requests; i++ {
				req := fmt.Sprintf("GET_PARAMETER %s RTSP/1.0\r\nCSeq: %d\r\nSession: %s\r\n\r\n", c.base, 1000+i, c.sess)
				if _, err := c.nc.Write([]byte(req)); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
		sc := &streamCheck{name: name}
		next := 1000
		require.NoError(t, c.nc.SetReadDeadline(time.Now().Add(20*time.Second)))
		for next < 1000+requests {
			m, err := c.rd.Read()
			require.NoError(t, err, "%s: the stream must stay well-formed", name)
			switch m.Kind {
			case rtsp.KindFrame:
				if int(m.Channel) == channel {
					sc.add(m.Payload)
				}
			case rtsp.KindResponse:
				require.Equal(t, 200, m.Response.StatusCode, name)
				require.Equal(t, fmt.Sprint(next), m.Response.Header.Get("CSeq"), name)
				next++
			}
		}
		require.Zero(t, sc.bad, "%s: packets that are not RTP", name)
		require.Zero(t, sc.gaps, "%s: sequence gaps", name)
		require.Greater(t, sc.packets, 300, name)
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
