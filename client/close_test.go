package client

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// TestCloseLeavesNoGoroutine is not parallel: it counts the goroutines of
// this package, which parallel tests would add to.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	require.Empty(t, clientGoroutines(), "goroutines left before the test")
	ts := startServer(t, server.Config{MulticastInterface: "lo", MulticastPort: mcastPort()})
	for _, tr := range []Transport{TransportUDP, TransportTCP, TransportMulticast} {
		t.Run(tr.String(), func(t *testing.T) {
			c, err := Dial(context.Background(), ts.url, Options{Transport: tr, MulticastInterface: "lo",
				ReceiverReportInterval: 10 * time.Millisecond, KeepAliveInterval: 10 * time.Millisecond})
			require.NoError(t, err)
			_, err = c.Describe()
			require.NoError(t, err)
			require.NoError(t, c.Setup(0))
			frames := make(chan Frame, 100)
			c.OnFrame = func(_ int, f Frame) {
				select {
				case frames <- Frame{}:
				default:
				}
			}
			_, err = c.Play()
			require.NoError(t, err)
			waitFrames(t, frames, 3)
			require.NotEmpty(t, clientGoroutines())
			require.NoError(t, c.Close())
			require.Empty(t, clientGoroutines())
		})
	}

	t.Run("server gone", func(t *testing.T) {
		ts := startServer(t, server.Config{})
		c, err := Dial(context.Background(), ts.url, Options{})
		require.NoError(t, err)
		_, err = c.Describe()
		require.NoError(t, err)
		require.NoError(t, c.Setup(0))
		_, err = c.Play()
		require.NoError(t, err)
		require.NoError(t, ts.srv.Stop())
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done not closed when the server went away")
		}
		_, err = c.GetParameter()
		require.ErrorIs(t, err, ErrClosed)
		start := time.Now()
		require.NoError(t, c.Close())
		require.Less(t, time.Since(start), time.Second)
		require.Empty(t, clientGoroutines())
	})

	t.Run("close during a request", func(t *testing.T) {
		fs := newFake(t, func(fc *fakeConn) {
			for fc.next() != nil { // never answers
			}
		})
		c, err := Dial(context.Background(), fs.url, Options{})
		require.NoError(t, err)
		errc := make(chan error, 1)
		go func() {
			_, err := c.Describe()
			errc <- err
		}()
		time.Sleep(100 * time.Millisecond)
		start := time.Now()
		require.NoError(t, c.Close())
		require.Less(t, time.Since(start), time.Second)
		require.ErrorIs(t, <-errc, ErrClosed)
		require.Empty(t, clientGoroutines())
	})

	t.Run("close in a callback's shadow", func(t *testing.T) {
		// A callback that blocks until Close has begun must not deadlock
		// Close: Close closes the connection, the reader returns from the
		// callback and ends.
		ts := startServer(t, server.Config{})
		c, err := Dial(context.Background(), ts.url, Options{Transport: TransportTCP})
		require.NoError(t, err)
		_, err = c.Describe()
		require.NoError(t, err)
		require.NoError(t, c.Setup(0))
		entered := make(chan struct{})
		release := make(chan struct{})
		first := true
		c.OnFrame = func(int, Frame) {
			if first {
				first = false
				close(entered)
				<-release
			}
		}
		_, err = c.Play()
		require.NoError(t, err)
		<-entered
		go func() { time.Sleep(50 * time.Millisecond); close(release) }()
		require.NoError(t, c.Close())
		require.Empty(t, clientGoroutines())
	})
}
