package relay_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/relay"
	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

const hang = 30 * time.Second

// sampleAUs returns the access units of the H.264 sample, Annex-B.
func sampleAUs(tb testing.TB) [][]byte {
	data, err := os.ReadFile("../testdata/h264_main_720p.h264")
	require.NoError(tb, err)
	var d h26x.H264AUDetector
	var aus [][]byte
	var cur [][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		if d.StartsNewAU(nal) && len(cur) > 0 {
			aus = append(aus, h26x.AppendAnnexB(nil, cur...))
			cur = nil
		}
		cur = append(cur, nal)
	}
	return append(aus, h26x.AppendAnnexB(nil, cur...))
}

// camera is a server with one H.264 session fed in real time.
func camera(t *testing.T) (*server.Server, *server.Stream) {
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	require.NoError(t, err)
	st, err := srv.NewStream("test", server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	aus := sampleAUs(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if st.WriteVideo(aus[i%len(aus)], uint64(i*40)) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait(); _ = srv.Destroy() })
	return srv, st
}

// play reads n frames of url over TCP; it fails on a damaged frame or one
// lost packet.
func play(t *testing.T, url string, n int) []client.Frame {
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	got := make(chan client.Frame, 256)
	c.OnFrame = func(_ int, f client.Frame) {
		f.NALUs = nil
		select {
		case got <- f:
		default:
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	var frames []client.Frame
	for len(frames) < n {
		select {
		case f := <-got:
			require.False(t, f.Damaged, "frame %d of %s damaged", len(frames), url)
			frames = append(frames, f)
		case <-ctx.Done():
			t.Fatalf("%d frames of %d from %s", len(frames), n, url)
		}
	}
	require.Zero(t, c.Stats()[0].Lost, "packets lost on %s", url)
	return frames
}

// freePort returns a port the kernel just found free, for a server that
// must come back on the same port.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A board session pushes to a second server (one that takes publishers),
// over TCP and over UDP, while a dead target (nothing listening) retries
// beside it: players of the second server read the pushed stream from a
// keyframe, the camera's own player loses nothing, and each target's
// state is in Stats. When the second server restarts, the target
// reconnects; Stop sends TEARDOWN and frees the remote path.
func TestPushToAnotherServer(t *testing.T) {
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			cam, st := camera(t)
			port := freePort(t)
			remote, err := server.NewServer(server.Config{Port: port, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", PublishPaths: []string{"cam"}})
			require.NoError(t, err)
			require.NoError(t, remote.Start())
			defer remote.Destroy()
			target := "rtsp://127.0.0.1:" + strconv.Itoa(port) + "/cam"

			dead, err := relay.Push(st, "rtsp://127.0.0.1:1/nobody", client.Options{Transport: tr, Timeout: time.Second})
			require.NoError(t, err)
			defer dead.Stop()
			push, err := relay.Push(st, target, client.Options{Transport: tr})
			require.NoError(t, err)
			defer push.Stop()

			published := func() bool { _, err := remote.Stats("cam"); return err == nil }
			require.Eventually(t, published, hang, 10*time.Millisecond, "the target never published")
			frames := play(t, target, 20)
			require.True(t, frames[0].Keyframe)
			url, err := cam.URL("test")
			require.NoError(t, err)
			play(t, url, 50) // the camera's own player

			stats, err := st.Stats()
			require.NoError(t, err)
			require.Len(t, stats.Pushes, 2)
			byURL := map[string]server.PushStats{}
			for _, p := range stats.Pushes {
				byURL[p.URL] = p
			}
			ok := byURL[target]
			require.True(t, ok.Connected)
			require.Positive(t, ok.Packets)
			require.Positive(t, ok.Bytes)
			bad := byURL["rtsp://127.0.0.1:1/nobody"]
			require.False(t, bad.Connected)
			require.Positive(t, bad.Retries)
			require.NotEmpty(t, bad.LastError)

			// The remote restarts: the target notices and reconnects.
			retries := push.Stats().Retries
			require.NoError(t, remote.Stop())
			require.Eventually(t, func() bool { return push.Stats().Retries > retries }, hang, 10*time.Millisecond)
			require.NoError(t, remote.Start())
			require.Eventually(t, func() bool { return push.Stats().Connected && published() }, hang, 10*time.Millisecond)
			frames = play(t, target, 5)
			require.True(t, frames[0].Keyframe)

			push.Stop()
			require.Eventually(t, func() bool { return !published() }, hang, 10*time.Millisecond,
				"the remote still has the path after the target's TEARDOWN")
			stats, err = st.Stats()
			require.NoError(t, err)
			require.Len(t, stats.Pushes, 1)
		})
	}
}

func TestPushBadURL(t *testing.T) {
	_, st := camera(t)
	_, err := relay.Push(st, "http://x/y", client.Options{})
	require.ErrorIs(t, err, relay.ErrBadURL)
	_, err = relay.Push(st, "rtsp://x/y", client.Options{Transport: client.TransportMulticast})
	require.ErrorIs(t, err, relay.ErrBadURL)
}

// An audio-only stream (a doorbell's microphone) is pushed from its first
// packet, there being no keyframe to wait for, and the remote's players get
// its samples byte for byte.
func TestPushAudioOnly(t *testing.T) {
	t.Parallel()
	cam, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	require.NoError(t, err)
	defer cam.Destroy()
	st, err := cam.NewStream("mic", server.VideoNone, server.AudioPCMU)
	require.NoError(t, err)
	require.NoError(t, cam.Start())
	remote, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", PublishPaths: []string{"mic"}})
	require.NoError(t, err)
	defer remote.Destroy()
	require.NoError(t, remote.Start())
	target := "rtsp://" + remote.Addr().String() + "/mic"
	push, err := relay.Push(st, target, client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer push.Stop()

	sent := make([]byte, 20*8000) // 20 s of µ-law, each 20 ms packet with its own first bytes
	for i := range sent {
		sent[i] = byte(i*31 + i/160)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for k := 0; (k+1)*160 <= len(sent); k++ {
			if err := st.WriteAudio(sent[k*160:(k+1)*160], uint64(k*20)); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	defer func() { close(stop); <-done }()
	require.Eventually(t, func() bool { _, err := remote.Stats("mic"); return err == nil }, hang, 10*time.Millisecond,
		"the target never published")

	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	c, err := client.Dial(ctx, target, client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer c.Close()
	d, err := c.Describe()
	require.NoError(t, err)
	require.Len(t, d.Tracks, 1)
	require.Equal(t, server.AudioPCMU, d.Tracks[0].Codec)
	require.NoError(t, c.Setup(0))
	var mu sync.Mutex
	var got []byte
	c.OnFrame = func(_ int, f client.Frame) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, f.Data...)
	}
	_, err = c.Play()
	require.NoError(t, err)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 4000 }, hang, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	i := bytes.Index(sent, got[:320])
	require.GreaterOrEqual(t, i, 0, "the first bytes played were never sent")
	require.Equal(t, sent[i:i+len(got)], got, "the pushed audio arrives whole and in order")
	require.Zero(t, push.Stats().FramesDropped)
}
