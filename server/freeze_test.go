package server

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// The server must never freeze (issue 12): 40 clients churn two-track
// sessions over UDP and TCP (SETUP of both tracks in one session, PLAY,
// PAUSE, PLAY again, TEARDOWN or an abrupt close) while Stats runs in a
// tight loop and another stream is created and destroyed over and over,
// for 20 s. Throughout, a watchdog connection's OPTIONS must be answered:
// a lock-order inversion (SETUP holding a session's lock and waiting for
// the runtime's, Stats the other way round) froze the accept loop, the
// housekeeping, Stats and every SETUP for good. Afterwards goroutines and
// descriptors are back to their baseline. It counts process-wide
// resources, so it does not run in parallel.
func TestNoFreezeUnderChurnAndStats(t *testing.T) {
	requireFDLimit(t, 512)
	const (
		clients  = 40
		duration = 20 * time.Second
		// A frozen server never answers; a busy one answers late. The
		// bound is far above the latency of a loaded machine (the worst
		// seen is logged) and far below forever.
		frozen = 10 * time.Second
	)
	baseG := goroutineBaseline()
	baseFD := countFDs(t)
	s := newTestServer(t, Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", MaxSessions: 4096})
	require.NoError(t, s.CreateSessionWithAudio("test", VideoH264, AudioPCMU))
	require.NoError(t, s.Start())
	addr := serverAddr(s)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	pumpAV(t, s, stop, &wg) // the camera
	// Stats in a tight loop, and a stream created and destroyed.
	var statsCalls atomic.Int64
	untilStop := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				fn()
			}
		}()
	}
	untilStop(func() {
		_, _ = s.Stats("test")
		_, _ = s.Stats("other")
		statsCalls.Add(1)
	})
	untilStop(func() {
		_ = s.CreateSession("other", VideoMJPEG, false)
		time.Sleep(time.Millisecond)
		_ = s.DestroySession("other")
	})
	// The players.
	var sessions, failures atomic.Int64
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 12))
			port := 50000 + 4*w
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := freezeChurnOnce(addr, rng, port); err != nil {
					failures.Add(1)
				}
				sessions.Add(1)
			}
		}()
	}

	// The watchdog: a new player's connection and OPTIONS, every 100 ms
	// (when frozen, connections already open still answered OPTIONS; the
	// accept loop did not).
	worst := time.Duration(0)
	end := time.Now().Add(duration)
	for time.Now().Before(end) {
		start := time.Now()
		watch, err := dialChurn(addr)
		if err == nil {
			_ = watch.nc.SetDeadline(start.Add(frozen))
			_, err = watch.do(rtsp.Options, watch.base)
			watch.nc.Close()
		}
		if err != nil {
			// Printed, then exit: the cleanup (Destroy) would wait on
			// the frozen locks for good, and a t.Fatal's report would
			// never be printed.
			buf := make([]byte, 1<<20)
			n := goruntime.Stack(buf, true)
			fmt.Fprintf(os.Stderr, "--- FAIL: %s: a new connection's OPTIONS not answered within %v after %d sessions (%v): the server froze\n%s\n",
				t.Name(), frozen, sessions.Load(), err, buf[:n])
			os.Exit(1)
		}
		worst = max(worst, time.Since(start))
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d sessions (%d ended in an error status, as churn against a destroyed stream may), %d Stats calls; slowest OPTIONS %v",
		sessions.Load(), failures.Load(), statsCalls.Load(), worst)
	require.Greater(t, sessions.Load(), int64(clients), "the players got through sessions")
	s.Destroy()
	requireGoroutinesBack(t, baseG, hangTimeout)
	requireFDsBack(t, baseFD, hangTimeout)
}

// freezeChurnOnce runs one two-track session in a random way.
func freezeChurnOnce(addr string, rng *rand.Rand, port int) error {
	c, err := dialChurn(addr)
	if err != nil {
		return err
	}
	defer c.nc.Close()
	udp := rng.IntN(2) == 0
	for i := range 2 {
		tr := fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", 2*i, 2*i+1)
		if udp {
			tr = fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port+2*i, port+2*i+1)
		}
		if _, err := c.do(rtsp.Setup, fmt.Sprintf("%s/trackID=%d", c.base, i), "Transport", tr); err != nil {
			return err
		}
	}
	if _, err := c.do(rtsp.Play, c.base+"/"); err != nil {
		return err
	}
	if rng.IntN(2) == 0 {
		if _, err := c.do(rtsp.Pause, c.base+"/"); err != nil {
			return err
		}
		if _, err := c.do(rtsp.Play, c.base+"/"); err != nil {
			return err
		}
	}
	switch rng.IntN(3) {
	case 0:
		_, err = c.do(rtsp.Teardown, c.base+"/")
	case 1:
		resetClose(c.nc.(*net.TCPConn))
	}
	return err
}
