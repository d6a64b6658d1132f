package server

import (
	"bytes"
	"context"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
)

// ulawSamples returns n seconds of deterministic µ-law noise: any run of a
// few hundred bytes occurs once, so a player's bytes can be placed in it.
func ulawSamples(n int) []byte {
	b := make([]byte, n*8000)
	rand.New(rand.NewSource(7)).Read(b)
	return b
}

// playAudio plays track 0 of path over TCP and returns the first n bytes
// of G.711 it gets, and the description's codecs.
func playAudio(t *testing.T, s *Server, path string, n int) ([]byte, []format.Codec) {
	ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	c, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/"+path, client.Options{Transport: client.TransportTCP})
	require.NoError(t, err)
	defer c.Close()
	d, err := c.Describe()
	require.NoError(t, err)
	var codecs []format.Codec
	for _, tr := range d.Tracks {
		codecs = append(codecs, tr.Codec)
	}
	require.NoError(t, c.Setup(0))
	var mu sync.Mutex
	var got []byte
	var missing uint32
	c.OnFrame = func(_ int, f client.Frame) {
		mu.Lock()
		defer mu.Unlock()
		missing += f.MissingSamples
		got = append(got, f.Data...)
	}
	_, err = c.Play()
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= n
	}, hangTimeout, 10*time.Millisecond, "audio did not arrive")
	mu.Lock()
	defer mu.Unlock()
	require.Zero(t, missing, "samples were lost on the way")
	return append([]byte(nil), got[:n]...), codecs
}

// requireRunOf checks that got occurs whole in sent: the player's audio is
// a contiguous, unaltered stretch of what was sent.
func requireRunOf(t *testing.T, sent, got []byte) {
	t.Helper()
	i := bytes.Index(sent, got[:64])
	require.GreaterOrEqual(t, i, 0, "the first bytes played were never sent")
	require.True(t, bytes.Equal(sent[i:i+len(got)], got), "the audio played is not the audio sent, whole and in order")
}

// An audio-only session, from the board's API (SessionAttr without
// video) or NewStream with VideoNone, is described with one audio media
// and plays its G.711 byte for byte; WriteVideo is refused with ErrNoVideo.
func TestAudioOnlySession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{})
	require.Error(t, s.CreateSessionAttr("none", SessionAttr{}), "a session carries something")
	require.NoError(t, s.CreateSessionAttr("door", SessionAttr{WithAudio: true}))
	st, err := s.Stream("door")
	require.NoError(t, err)
	require.NoError(t, s.Start())
	require.ErrorIs(t, st.WriteVideo([]byte{0, 0, 0, 1, 0x65}, 0), ErrNoVideo)

	sent := ulawSamples(20)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // 20 ms of audio every 20 ms, as a microphone delivers it
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for k := 0; (k+1)*160 <= len(sent); k++ {
			if err := st.WriteAudio(sent[k*160:(k+1)*160], uint64(k*20)); err != nil {
				t.Error(err)
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
	got, codecs := playAudio(t, s, "door", 8000)
	require.Equal(t, []format.Codec{format.PCMU}, codecs)
	requireRunOf(t, sent, got)
	stats, err := st.Stats()
	require.NoError(t, err)
	require.Equal(t, VideoNone, stats.Video)
	require.Equal(t, AudioPCMU, stats.Audio)
}

// A publisher with audio alone (a PCMU microphone) is accepted, over TCP
// and over UDP, and its players get its samples byte for byte.
func TestPublishAudioOnly(t *testing.T) {
	t.Parallel()
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			s := startedServer(t, Config{PublishPaths: []string{"*"}}, VideoH264, AudioNone)
			f, err := format.NewG711(format.PCMU)
			require.NoError(t, err)
			p, err := client.NewPublisher("rtsp://"+serverAddr(s)+"/mic", []format.Format{f}, client.Options{Transport: tr})
			require.NoError(t, err)
			defer p.Close()
			sent := ulawSamples(20)
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for k := 0; (k+1)*160 <= len(sent); k++ {
					if err := p.WriteFrame(0, time.Duration(k)*20*time.Millisecond, format.Frame{Data: sent[k*160 : (k+1)*160]}); err != nil {
						t.Error(err)
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
			require.Eventually(t, func() bool { return s.mount("mic") != nil }, hangTimeout, 10*time.Millisecond)
			got, codecs := playAudio(t, s, "mic", 8000)
			require.Equal(t, []format.Codec{format.PCMU}, codecs)
			requireRunOf(t, sent, got)
		})
	}
}
