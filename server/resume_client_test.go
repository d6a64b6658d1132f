package server

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/stretchr/testify/require"
)

// The request sequence of live555's proxy (live555ProxyServer -t) through
// our client: play H.264 and µ-law over TCP (and UDP), PAUSE while the camera goes
// on, PLAY again, several times (issue 11). After each resume the player
// gets the live stream from a keyframe: never the cached pictures again,
// so no timestamp of either track goes back (a proxy's downstream ffmpeg
// saw non-monotonic DTS), and no picture arrives damaged.
func TestPauseResumeNeverGoesBack(t *testing.T) {
	t.Parallel()
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			testPauseResume(t, tr)
		})
	}
}

func testPauseResume(t *testing.T, tr client.Transport) {
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pumpAV(t, s, stop, &wg) // GOP of 25 pictures
	defer func() { close(stop); wg.Wait() }()

	url, err := s.URL("test")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Transport: tr})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	require.NoError(t, c.Setup(1))

	type got struct {
		track int
		ts    uint32
		key   bool
		bad   bool
	}
	frames := make(chan got, 4096)
	c.OnFrame = func(track int, f client.Frame) {
		frames <- got{track: track, ts: f.Timestamp, key: f.Keyframe, bad: f.Damaged && track == 0}
	}
	last := map[int]uint32{}
	have := map[int]bool{}
	// watch takes frames until n pictures came, checking that the first
	// picture is a keyframe and that no timestamp goes back.
	watch := func(round, n int) {
		t.Helper()
		pictures := 0
		for pictures < n {
			select {
			case f := <-frames:
				if f.track == 0 {
					if pictures == 0 {
						require.True(t, f.key, "round %d: the first picture is a keyframe", round)
					}
					require.False(t, f.bad, "round %d: picture %d damaged", round, pictures)
					pictures++
				}
				if have[f.track] {
					require.Greater(t, int32(f.ts-last[f.track]), int32(0), "round %d: track %d timestamp went back or repeated", round, f.track)
				}
				last[f.track], have[f.track] = f.ts, true
			case <-time.After(hangTimeout):
				t.Fatalf("round %d: %d pictures after %v", round, pictures, hangTimeout)
			}
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	watch(0, 10)
	for round := 1; round <= 4; round++ {
		resp, err := c.Pause()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		time.Sleep(300 * time.Millisecond) // the camera goes on
		resp, err = c.Play()
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
		watch(round, 10)
	}
	st := c.Stats()
	require.Zero(t, st[0].FramesDamaged)
}

// pumpAV publishes stream "test" of s as a camera would, until stop: the
// 720p H.264 sample (25 pictures a second, a keyframe each second) and
// 20 ms of µ-law every 20 ms. It ends early when a send fails.
func pumpAV(t *testing.T, s *Server, stop <-chan struct{}, wg *sync.WaitGroup) {
	aus := auOf(t, "../testdata/h264_main_720p.h264", false)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pcm := make([]byte, 160)
		for i := 0; ; i++ {
			if s.SendAudioData("test", pcm, uint64(i*20)) != nil {
				return
			}
			if i%2 == 0 && s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[(i/2)%len(aus)]...), uint64(i*20)) != nil {
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
