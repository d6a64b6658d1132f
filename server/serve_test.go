package server

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/stretchr/testify/require"
)

// The idiomatic flow, after net/http: NewServer, NewStream, Serve on the
// caller's listener in the caller's goroutine, a player, ctx ending
// serving (and Serve again), then Shutdown: Serve returns
// ErrServerClosed, writes return ErrServerClosed, nothing is left
// running.
func TestServeStreamShutdown(t *testing.T) {
	base := goroutineBaseline()
	s, err := NewServer(Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	require.NoError(t, err)
	st, err := s.NewStream("cam", "h264", AudioNone)
	require.NoError(t, err)
	require.Equal(t, "cam", st.Name())
	aus := auOf(t, h264Sample, false)
	write := func(i int) error {
		return st.WriteVideo(h26x.AppendAnnexB(nil, aus[i%len(aus)]...), uint64(i*40))
	}

	serve := func(ctx context.Context) (addr string, done chan error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		done = make(chan error, 1)
		go func() { done <- s.Serve(ctx, ln) }()
		return ln.Addr().String(), done
	}
	play := func(addr string) int {
		frames := make(chan client.Frame, 64)
		ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
		defer cancel()
		c, err := client.Dial(ctx, "rtsp://"+addr+"/cam", client.Options{Transport: client.TransportTCP})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Describe()
		require.NoError(t, err)
		require.NoError(t, c.Setup(0))
		c.OnFrame = func(_ int, f client.Frame) {
			select {
			case frames <- f:
			default:
			}
		}
		_, err = c.Play()
		require.NoError(t, err)
		got, keys := 0, 0
		for i := 0; got < 10; i++ {
			require.NoError(t, write(i))
			select {
			case f := <-frames:
				if got == 0 {
					require.True(t, f.Keyframe, "the first picture is a keyframe")
				}
				got++
				if f.Keyframe {
					keys++
				}
			case <-time.After(40 * time.Millisecond):
			case <-ctx.Done():
				t.Fatal("no pictures")
			}
		}
		return keys
	}

	// Writes before serving are fine (the cache fills).
	for i := 0; i < 5; i++ {
		require.NoError(t, write(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, done := serve(ctx)
	require.Positive(t, play(addr))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	require.ErrorIs(t, write(0), ErrStopped, "ctx ended serving as Stop does")

	// Serve again, then Shutdown.
	addr, done = serve(context.Background())
	require.Positive(t, play(addr))
	require.NoError(t, s.Shutdown(context.Background()))
	require.ErrorIs(t, <-done, ErrServerClosed)
	require.ErrorIs(t, write(0), ErrServerClosed)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.ErrorIs(t, s.Serve(context.Background(), ln), ErrServerClosed)
	_, err = ln.Accept()
	require.Error(t, err, "Serve closes the listener it refuses")
	require.ErrorIs(t, s.Start(), ErrServerClosed)

	stats, err := st.Stats()
	require.NoError(t, err)
	require.Positive(t, stats.UnitsIn)
	require.NoError(t, st.Close())
	require.ErrorIs(t, st.Close(), ErrStreamClosed)
	require.ErrorIs(t, st.WriteVideo([]byte{0, 0, 1, 0x65}, 0), ErrServerClosed)
	require.ErrorIs(t, s.SendVideoData("cam", nil, 0), ErrUnknownSession)
	require.NoError(t, s.Destroy())
	requireGoroutinesBack(t, base, hangTimeout)
}

// A closed stream's writes say so, and the condition is also
// ErrUnknownSession, what the board's calls by name report.
func TestStreamCloseAndDestroySession(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	st, err := s.Stream("test")
	require.NoError(t, err)
	require.NoError(t, st.WriteAudio(make([]byte, 160), 0))
	require.NoError(t, s.DestroySession("test"))
	err = st.WriteVideo([]byte{0, 0, 0, 1, 0x65, 0x88}, 0)
	require.ErrorIs(t, err, ErrStreamClosed)
	require.ErrorIs(t, err, ErrUnknownSession)
	_, err = st.Stats()
	require.ErrorIs(t, err, ErrStreamClosed)
	require.ErrorIs(t, st.Close(), ErrStreamClosed)
	// A new session of the same name is another stream.
	st2, err := s.NewStream("test", VideoH264, AudioNone)
	require.NoError(t, err)
	require.ErrorIs(t, st.Close(), ErrStreamClosed, "the old handle does not close the new stream")
	require.NoError(t, st2.WriteVideo([]byte{0, 0, 0, 1, 0x09, 0xf0}, 0))
	_, err = s.Stream("nope")
	require.ErrorIs(t, err, ErrUnknownSession)
}

// A Stream's writes take no server-wide lock: a camera loop goes on while
// the server's lock is held elsewhere (a slow Start, a Stats, a lifecycle
// call).
func TestStreamWritesTakeNoServerLock(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	st, err := s.Stream("test")
	require.NoError(t, err)
	aus := auOf(t, h264Sample, false)
	s.mu.Lock()
	done := make(chan error, 1)
	go func() {
		var err error
		for i := 0; i < 50 && err == nil; i++ {
			err = st.WriteVideo(h26x.AppendAnnexB(nil, aus[i%len(aus)]...), uint64(i*40))
		}
		done <- err
	}()
	select {
	case err := <-done:
		s.mu.Unlock()
		require.NoError(t, err)
	case <-time.After(hangTimeout):
		s.mu.Unlock()
		t.Fatal("WriteVideo waited for the server's lock")
	}
}

// Close cuts a player that does not read at once; Shutdown whose context
// has ended does the same and says so. Both leave nothing running.
func TestCloseAndShutdownWithStuckPlayer(t *testing.T) {
	for _, how := range []string{"Close", "Shutdown with an ended context"} {
		t.Run(how, func(t *testing.T) {
			base := goroutineBaseline()
			s := newTestServer(t, Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", WriteTimeout: 10 * hangTimeout, ReaderQueue: 8})
			require.NoError(t, s.CreateSession("test", VideoH264, false))
			require.NoError(t, s.Start())
			p := startTimedPump(t, s, h264Heavy, 10*time.Millisecond)
			stuck := stuckPlayer(t, s)
			defer stuck.nc.Close()
			// The stuck player's writer is blocked for WriteTimeout
			// (five minutes): only cutting its connection ends it.
			done := make(chan error, 1)
			go func() {
				if how == "Close" {
					done <- s.Close()
					return
				}
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				done <- s.Shutdown(ctx)
			}()
			select {
			case err := <-done:
				if how == "Close" {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, context.Canceled)
				}
			case <-time.After(hangTimeout):
				t.Fatal(how + " waited for the stuck player")
			}
			p.halt()
			require.True(t, errors.Is(s.SendVideoData("test", []byte{0, 0, 1, 9, 0xf0}, 0), ErrServerClosed))
			require.NoError(t, s.Destroy())
			requireGoroutinesBack(t, base, hangTimeout)
		})
	}
}
