package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
	"github.com/stretchr/testify/require"
)

// testPublisher publishes the H.264 sample the way ffmpeg -f rtsp does:
// ANNOUNCE with an SDP from the format layer, SETUP with mode=record
// (TCP interleaved or UDP), RECORD, then RTP in real time.
type testPublisher struct {
	t       *testing.T
	c       *rawClient
	aus     [][][]byte
	udp     *net.UDPConn
	to      *net.UDPAddr // the server's RTP port (UDP)
	ssrc    uint32
	s       rtp.Stream
	p       format.Packetizer
	hostile bool
}

func announceSDP(t *testing.T, aus [][][]byte) []byte {
	sps, pps := h26x.H264ParameterSets(aus[0])
	f := format.NewH264(96, sps, pps)
	s := &sdp.Session{
		Origin: sdp.Origin{Username: "-", SessionID: "1", SessionVersion: "1", NetworkType: "IN", AddressType: "IP4", Address: "127.0.0.1"},
		Name:   "publisher", Times: []sdp.Time{{}},
	}
	s.Media = append(s.Media, f.Media("streamid=0"))
	s.Media[0].Type = "video"
	b, err := s.Marshal()
	require.NoError(t, err)
	return b
}

// request sends req with body and returns the response.
func (c *rawClient) request(method rtsp.Method, u string, body []byte, hdr ...string) *rtsp.Response {
	c.t.Helper()
	c.cseq++
	pu, err := url.Parse(u)
	require.NoError(c.t, err)
	req := &rtsp.Request{Method: method, URL: pu, Header: rtsp.Header{}, Body: body}
	req.Header.Set("CSeq", strconv.Itoa(c.cseq))
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/sdp")
	}
	if c.sess != "" {
		req.Header.Set("Session", c.sess)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	require.NoError(c.t, c.nc.SetDeadline(time.Now().Add(hangTimeout)))
	require.NoError(c.t, req.Write(c.nc))
	return c.read()
}

func startPublisher(t *testing.T, s *Server, path string, udp bool) *testPublisher {
	aus := auOf(t, h264Sample, false)
	pub := &testPublisher{t: t, c: dialRaw(t, s, path), aus: aus, ssrc: 0x5eed}
	resp := pub.c.request(rtsp.Announce, pub.c.base, announceSDP(t, aus))
	require.Equal(t, 200, resp.StatusCode, "ANNOUNCE")
	transport := "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"
	if udp {
		var err error
		pub.udp, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		t.Cleanup(func() { pub.udp.Close() })
		port := pub.udp.LocalAddr().(*net.UDPAddr).Port
		transport = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d;mode=record", port, port+1)
	}
	resp = pub.c.request(rtsp.Setup, pub.c.base+"/streamid=0", nil, "Transport", transport)
	require.Equal(t, 200, resp.StatusCode, "SETUP record")
	sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	pub.c.sess = sh.ID
	if udp {
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.NotNil(t, tr.ServerPort)
		pub.to = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(tr.ServerPort.First)}
	}
	require.Equal(t, 200, pub.c.request(rtsp.Record, pub.c.base, nil, "Range", "npt=0.000-").StatusCode, "RECORD")
	pub.s = rtp.Stream{PayloadType: 96, SSRC: pub.ssrc, Seq: 100}
	pub.p, err = format.NewH264(96, nil, nil).NewPacketizer(1400)
	require.NoError(t, err)
	return pub
}

// send sends packet b as the publisher's RTP.
func (p *testPublisher) send(b []byte) error {
	if p.udp != nil {
		_, err := p.udp.WriteToUDP(b, p.to)
		return err
	}
	hdr := []byte{'$', 0, byte(len(b) >> 8), byte(len(b))}
	_, err := p.c.nc.Write(append(hdr, b...))
	return err
}

// run sends access unit after access unit every 40 ms until stop; with
// hostile, garbage and foreign packets go between them (see
// TestPublishHostileInput).
func (p *testPublisher) run(stop <-chan struct{}) {
	var b rtp.Batch
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; ; i++ {
		b.Reset()
		if err := p.p.Packetize(&b, &p.s, uint32(i*3600), &format.Frame{NALUs: p.aus[i%len(p.aus)], Marker: true}); err != nil {
			return
		}
		for k := 0; k < b.Len(); k++ {
			if p.send(b.AppendPacket(nil, k)) != nil {
				return
			}
		}
		if p.hostile && i%7 == 3 {
			garbage := make([]byte, 1+rng.IntN(1400))
			for j := range garbage {
				garbage[j] = byte(rng.Uint32())
			}
			_ = p.send(garbage) // not RTP
			other := rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: 7, SSRC: p.ssrc}, Payload: garbage}
			ob, _ := other.Marshal()
			_ = p.send(ob) // another payload type
			// Another source's half picture: an FU-A start that never ends.
			fu := rtp.Packet{Header: rtp.Header{PayloadType: 96, SequenceNumber: uint16(rng.Uint32()), Timestamp: rng.Uint32(), SSRC: p.ssrc + 1},
				Payload: append([]byte{28, 0x85}, garbage...)}
			fb, _ := fu.Marshal()
			_ = p.send(fb)
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// playFrames plays path with our client and collects frames until n came.
func playFrames(t *testing.T, s *Server, path string, tr client.Transport, n int) (frames []client.Frame, c *client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	c, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/"+path, client.Options{Transport: tr})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	desc, err := c.Describe()
	require.NoError(t, err)
	require.Equal(t, format.H264, desc.Tracks[0].Codec)
	ps, err := desc.Tracks[0].ParameterSets()
	require.NoError(t, err)
	require.Len(t, ps, 2, "the publisher's parameter sets are in the SDP")
	require.NoError(t, c.Setup(0))
	got := make(chan client.Frame, 256)
	c.OnFrame = func(_ int, f client.Frame) {
		f.NALUs = nil // not kept past the call
		select {
		case got <- f:
		default:
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	for len(frames) < n {
		select {
		case f := <-got:
			frames = append(frames, f)
		case <-ctx.Done():
			t.Fatalf("%d frames of %d from the published stream", len(frames), n)
		}
	}
	return frames, c
}

// A publisher's stream, over TCP and over UDP, plays like a board
// session: the parameter sets of its SDP in ours, a keyframe first, whole
// pictures. When the publisher leaves, the player is told and the path is
// free for the next publisher.
func TestPublishThenPlay(t *testing.T) {
	t.Parallel()
	for _, udp := range []bool{false, true} {
		t.Run(map[bool]string{false: "tcp", true: "udp"}[udp], func(t *testing.T) {
			t.Parallel()
			s := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
			pub := startPublisher(t, s, "live", udp)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); pub.run(stop) }()
			frames, player := playFrames(t, s, "live", client.TransportTCP, 30)
			require.True(t, frames[0].Keyframe, "the first picture is a keyframe")
			for i, f := range frames {
				require.False(t, f.Damaged, "frame %d damaged", i)
				require.Equal(t, format.H264, f.Codec)
			}
			st, err := s.Stats("live")
			require.NoError(t, err)
			require.Len(t, st.Readers, 1, "the publisher is not a reader")

			// The publisher leaves: the player is told, the path is free.
			close(stop)
			wg.Wait()
			require.Equal(t, 200, pub.c.request(rtsp.Teardown, pub.c.base, nil).StatusCode)
			select {
			case <-player.Done():
			case <-time.After(hangTimeout):
				t.Fatal("the player was not told that the publisher left")
			}
			_, err = s.Stats("live")
			require.ErrorIs(t, err, ErrUnknownSession)
			again := startPublisher(t, s, "live", udp)
			require.NotNil(t, again)
		})
	}
}

// Who may publish where: not without Config.PublishPaths (501), not to a
// path it does not list (403), never to a board session's path (403), one
// publisher per path (455), and not without the credentials.
func TestPublishRules(t *testing.T) {
	t.Parallel()
	aus := auOf(t, h264Sample, false)
	body := announceSDP(t, aus)
	off := startedServer(t, Config{}, VideoH264, AudioNone)
	c := dialRaw(t, off, "x")
	require.Equal(t, 501, c.request(rtsp.Announce, c.base, body).StatusCode)

	s := startedServer(t, Config{PublishPaths: []string{"cam1", "cam2"}}, VideoH264, AudioNone)
	c = dialRaw(t, s, "cam3")
	require.Equal(t, 403, c.request(rtsp.Announce, c.base, body).StatusCode, "a path not listed")
	s2 := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
	c = dialRaw(t, s2, "test")
	require.Equal(t, 403, c.request(rtsp.Announce, c.base, body).StatusCode, "a board session's path")
	c = dialRaw(t, s, "cam1")
	require.Equal(t, 200, c.request(rtsp.Announce, c.base, body).StatusCode)
	c2 := dialRaw(t, s, "cam1")
	require.Equal(t, 455, c2.request(rtsp.Announce, c2.base, body).StatusCode, "a second publisher")
	c3 := dialRaw(t, s2, "other")
	require.Equal(t, 415, c3.request(rtsp.Announce, c3.base, []byte("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n")).StatusCode,
		"no track of a codec we carry")
	require.Equal(t, 400, c3.request(rtsp.Announce, c3.base, []byte("\x00garbage")).StatusCode, "not SDP")
	// The first publisher's connection closes: the path is free again.
	c.nc.Close()
	require.Eventually(t, func() bool {
		return c2.request(rtsp.Announce, c2.base, body).StatusCode == 200
	}, hangTimeout, 20*time.Millisecond)

	locked := startedServer(t, Config{PublishPaths: []string{"*"}, Username: "u", Password: "p"}, VideoH264, AudioNone)
	c = dialRaw(t, locked, "pub")
	require.Equal(t, 401, c.request(rtsp.Announce, c.base, body).StatusCode)
}

// Nothing a publisher sends reaches a player as a corrupt frame: bytes
// that are not RTP, other payload types, and another source's half
// picture (an SSRC change) between the real pictures are dropped and
// counted, and after each change of source video resumes at a keyframe.
func TestPublishHostileInput(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
	pub := startPublisher(t, s, "live", false)
	pub.hostile = true
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pub.run(stop) }()
	defer func() { close(stop); wg.Wait() }()
	var damaged atomic.Int64
	frames, _ := playFrames(t, s, "live", client.TransportTCP, 25)
	keys := 0
	for _, f := range frames {
		if f.Damaged {
			damaged.Add(1)
		}
		if f.Keyframe {
			keys++
		}
	}
	require.Zero(t, damaged.Load(), "damaged frames reached the player")
	require.True(t, frames[0].Keyframe)
	require.GreaterOrEqual(t, keys, 2, "video resumed at keyframes")
	m := s.mount("live")
	require.NotNil(t, m)
	var dropped uint64
	sess := s.run.session(pub.c.sess)
	require.NotNil(t, sess)
	for _, tr := range sess.pub.tracks {
		dropped += tr.dropped.Load()
	}
	require.Positive(t, dropped, "the hostile packets were counted")
}

// With Config.PublisherWait, the players of a published path wait when
// their publisher leaves: the next publisher with the same codecs takes
// the path over and the same players go on, from its first keyframe,
// without reconnecting. When none comes in time, they are told.
func TestPublisherWait(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{PublishPaths: []string{"*"}, PublisherWait: hangTimeout}, VideoH264, AudioNone)
	first := startPublisher(t, s, "live", false)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); first.run(stop) }()

	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	player, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/live", client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer player.Close()
	_, err = player.Describe()
	require.NoError(t, err)
	require.NoError(t, player.Setup(0))
	got := make(chan client.Frame, 1024)
	player.OnFrame = func(_ int, f client.Frame) {
		f.NALUs = nil
		select {
		case got <- f:
		default: // never fills: the test reads a few dozen
		}
	}
	_, err = player.Play()
	require.NoError(t, err)
	next := func(what string) client.Frame {
		select {
		case f := <-got:
			return f
		case <-ctx.Done():
			t.Fatal(what)
			return client.Frame{}
		}
	}
	for i := 0; i < 10; i++ {
		require.False(t, next("frames of the first publisher").Damaged)
	}
	m := s.mount("live")
	close(stop)
	wg.Wait()
	require.Equal(t, 200, first.c.request(rtsp.Teardown, first.c.base, nil).StatusCode)
	for len(got) > 0 {
		<-got
	}

	second := startPublisher(t, s, "live", true)
	require.Same(t, m, s.mount("live"), "the second publisher took the waiting session over")
	stop2 := make(chan struct{})
	wg.Add(1)
	go func() { defer wg.Done(); second.run(stop2) }()
	f := next("frames of the second publisher")
	require.True(t, f.Keyframe, "the players go on from the new publisher's keyframe")
	for i := 0; i < 10; i++ {
		require.False(t, next("frames of the second publisher").Damaged)
	}
	select {
	case <-player.Done():
		t.Fatal("the player was disconnected")
	default:
	}
	close(stop2)
	wg.Wait()

	// A short wait that nobody fills: the player is told.
	s2 := startedServer(t, Config{PublishPaths: []string{"*"}, PublisherWait: 50 * time.Millisecond}, VideoH264, AudioNone)
	p := startPublisher(t, s2, "live", false)
	stop3 := make(chan struct{})
	wg.Add(1)
	go func() { defer wg.Done(); p.run(stop3) }()
	_, c2 := playFrames(t, s2, "live", client.TransportTCP, 3)
	close(stop3)
	wg.Wait()
	p.c.nc.Close()
	select {
	case <-c2.Done():
	case <-time.After(hangTimeout):
		t.Fatal("the player was not told that no publisher came")
	}
	require.Eventually(t, func() bool { return s2.mount("live") == nil }, hangTimeout, 10*time.Millisecond)
}
