package server

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// feedPublisher writes the H.264 sample to p in real time until stop.
func feedPublisher(t *testing.T, p *client.Publisher, stop <-chan struct{}, wg *sync.WaitGroup) {
	aus := auOf(t, h264Sample, false)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if err := p.WriteFrame(0, time.Duration(i)*40*time.Millisecond, format.Frame{NALUs: aus[i%len(aus)], Marker: true}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

func sampleFormat(t *testing.T) format.Format {
	aus := auOf(t, h264Sample, false)
	sps, pps := h26x.H264ParameterSets(aus[0])
	return format.NewH264(96, sps, pps)
}

// Our client's Publisher pushes to our server over TCP and over UDP, and
// a player reads the pushed stream: keyframe first, whole pictures. Close
// sends TEARDOWN: the path is gone.
func TestPublisherToServer(t *testing.T) {
	t.Parallel()
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			s := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
			p, err := client.NewPublisher("rtsp://"+serverAddr(s)+"/pushed", []format.Format{sampleFormat(t)}, client.Options{Transport: tr})
			require.NoError(t, err)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			feedPublisher(t, p, stop, &wg)
			require.Eventually(t, func() bool { return s.mount("pushed") != nil }, hangTimeout, 10*time.Millisecond)
			frames, _ := playFrames(t, s, "pushed", client.TransportTCP, 30)
			require.True(t, frames[0].Keyframe)
			for _, f := range frames {
				require.False(t, f.Damaged)
			}
			st := p.Stats()
			require.True(t, st.Connected)
			require.Positive(t, st.Frames)
			require.Positive(t, st.Bytes)
			close(stop)
			wg.Wait()
			require.NoError(t, p.Close())
			require.Eventually(t, func() bool { return s.mount("pushed") == nil }, hangTimeout, 10*time.Millisecond,
				"the path outlived its publisher's TEARDOWN")
			require.ErrorIs(t, p.WriteFrame(0, 0, format.Frame{}), client.ErrClosed)
		})
	}
}

// A Publisher started before its server keeps trying (with backoff,
// dropping frames, memory bounded by its queue) and publishes once the
// server is up; when the server stops and starts again it reconnects,
// and players read it again, from a keyframe.
func TestPublisherReconnects(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	s := newTestServer(t, Config{Port: port, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", PublishPaths: []string{"*"}})
	require.NoError(t, s.CreateSession("test", VideoH264, false))

	p, err := client.NewPublisher("rtsp://127.0.0.1:"+strconv.Itoa(port)+"/pushed", []format.Format{sampleFormat(t)},
		client.Options{Transport: client.TransportTCP, Timeout: 2 * time.Second})
	require.NoError(t, err)
	defer p.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	feedPublisher(t, p, stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	require.Eventually(t, func() bool { return p.Stats().Retries >= 2 }, hangTimeout, 10*time.Millisecond, "no retry")
	require.False(t, p.Stats().Connected)
	require.Eventually(t, func() bool { return p.Stats().Drops > 0 }, hangTimeout, 10*time.Millisecond, "frames are dropped while disconnected")

	for round := 0; round < 2; round++ {
		require.NoError(t, s.Start())
		require.Eventually(t, func() bool { return p.Stats().Connected && s.mount("pushed") != nil }, hangTimeout, 10*time.Millisecond,
			"round %d: the publisher did not connect", round)
		frames, _ := playFrames(t, s, "pushed", client.TransportTCP, 10)
		require.True(t, frames[0].Keyframe, "round %d", round)
		retries := p.Stats().Retries
		require.NoError(t, s.Stop())
		require.Eventually(t, func() bool { return p.Stats().Retries > retries }, hangTimeout, 10*time.Millisecond,
			"round %d: the publisher did not notice the server going", round)
	}
}

// A Publisher answers the server's Digest challenge with its credentials,
// and is refused (and retries, never blocking its caller) with wrong ones.
func TestPublisherAuthenticates(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{PublishPaths: []string{"*"}, Username: "cam", Password: "s3cret"}, VideoH264, AudioNone)
	bad, err := client.NewPublisher("rtsp://"+serverAddr(s)+"/bad", []format.Format{sampleFormat(t)},
		client.Options{Transport: client.TransportTCP, Username: "cam", Password: "wrong"})
	require.NoError(t, err)
	defer bad.Close()
	good, err := client.NewPublisher("rtsp://"+serverAddr(s)+"/good", []format.Format{sampleFormat(t)},
		client.Options{Transport: client.TransportTCP, Username: "cam", Password: "s3cret"})
	require.NoError(t, err)
	defer good.Close()
	require.Eventually(t, func() bool { return good.Stats().Connected && s.mount("good") != nil }, hangTimeout, 10*time.Millisecond)
	require.Eventually(t, func() bool { return bad.Stats().Retries > 0 }, hangTimeout, 10*time.Millisecond)
	require.False(t, bad.Stats().Connected)
	require.NotEmpty(t, bad.Stats().LastError)
	require.Nil(t, s.mount("bad"))
}

// Client.WriteRTPPackets sends a packetizer's whole batch (one write over
// TCP) and a player gets the pictures byte for byte and in order, over TCP
// and over UDP; a packet too large for an interleaved frame is refused
// before anything is written, and the connection goes on.
func TestWriteRTPPackets(t *testing.T) {
	t.Parallel()
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			s := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
			f := sampleFormat(t)
			ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
			defer cancel()
			c, err := client.DialRecord(ctx, "rtsp://"+serverAddr(s)+"/batch", []format.Format{f}, client.Options{Transport: tr})
			require.NoError(t, err)
			defer c.Close()
			pk, err := f.NewPacketizer(0)
			require.NoError(t, err)
			aus := auOf(t, h264Sample, false)

			if tr == client.TransportTCP {
				var big rtp.Batch
				big.Begin(&rtp.Stream{PayloadType: 96, SSRC: 1}, 0)
				big.SetBody(make([]byte, 70000))
				require.ErrorIs(t, c.WriteRTPPackets(0, &big), rtsp.ErrFrameTooLarge)
			}

			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				st := rtp.Stream{PayloadType: 96, SSRC: 5, Seq: 100}
				var b rtp.Batch
				for i := 0; ; i++ {
					b.Reset()
					if err := pk.Packetize(&b, &st, uint32(i*3600), &format.Frame{NALUs: aus[i%len(aus)], Marker: true}); err != nil {
						t.Error(err)
						return
					}
					if err := c.WriteRTPPackets(0, &b); err != nil {
						t.Error(err)
						return
					}
					select {
					case <-stop:
						return
					case <-time.After(40 * time.Millisecond):
					}
				}
			}()
			defer func() { close(stop); <-done }()
			require.Eventually(t, func() bool { return s.mount("batch") != nil }, hangTimeout, 10*time.Millisecond)

			pc, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/batch", client.Options{Transport: client.TransportTCP})
			require.NoError(t, err)
			defer pc.Close()
			_, err = pc.Describe()
			require.NoError(t, err)
			require.NoError(t, pc.Setup(0))
			got := make(chan []byte, 256) // more than the test reads: none dropped here
			pc.OnFrame = func(_ int, f client.Frame) {
				select {
				case got <- h26x.AppendAnnexB(nil, f.NALUs...):
				default:
				}
			}
			_, err = pc.Play()
			require.NoError(t, err)
			want := make([][]byte, len(aus))
			for i, au := range aus {
				want[i] = h26x.AppendAnnexB(nil, au...)
			}
			next := -1
			for n := 0; n < 30; n++ {
				var pic []byte
				select {
				case pic = <-got:
				case <-ctx.Done():
					t.Fatalf("%d pictures", n)
				}
				if next < 0 { // the first is a keyframe of the sample: find which
					for i := range want {
						if bytes.Equal(want[i], pic) {
							next = i
							break
						}
					}
					require.GreaterOrEqual(t, next, 0, "the first picture is not one of the sample's")
				}
				require.Equal(t, want[next], pic, "picture %d (sample access unit %d)", n, next)
				next = (next + 1) % len(want)
			}
		})
	}
}
