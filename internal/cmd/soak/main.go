// Command soak is `make soak`: an hour of a server under churn, watching
// for leaks. Not part of make test.
//
// One process (this one) runs a server with one H.264 + G.711 session,
// fed in real time from testdata, and, as a child process (this program
// with -readers), a swarm of players that join and leave throughout: over
// TCP and UDP, each playing 1 to 20 s, then leaving with a TEARDOWN or by
// closing its connection. Every minute it records the server process's RSS, the Go
// heap in use, goroutines and open file descriptors, and prints a line. At the end the players
// stop; once the server has ended their sessions, goroutines and
// descriptors must be back at the baseline taken before the first player,
// and the peak RSS and heap of the last quarter of the run must not exceed
// the second quarter's by more than a quarter plus 8 MB (RSS) or 4 MB
// (heap, about 2 MB in use here): otherwise it fails, exit 1. (The heap shows a leak the RSS hides while the runtime
// reuses pages it already holds.)
//
//	go run ./internal/cmd/soak            # an hour
//	go run ./internal/cmd/soak -d 5m      # a quick look
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

func main() {
	d := flag.Duration("d", time.Hour, "how long the players churn")
	every := flag.Duration("every", time.Minute, "sampling interval")
	n := flag.Int("n", 20, "players at once")
	readers := flag.String("readers", "", "(internal) run as the player swarm against this URL")
	flag.Parse()
	if *readers != "" {
		swarm(*readers, *n)
		return
	}
	if err := run(*d, *every, *n); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// sample is one reading of the server process.
type sample struct {
	at         time.Duration
	rss        int64
	heap       uint64 // runtime.MemStats.HeapInuse
	goroutines int
	fds        int
	players    int
}

func (s sample) String() string {
	return fmt.Sprintf("%8s  RSS %6.1f MB  heap %6.1f MB  goroutines %5d  fds %4d  players %3d",
		s.at.Round(time.Second), float64(s.rss)/(1<<20), float64(s.heap)/(1<<20), s.goroutines, s.fds, s.players)
}

func run(d, every time.Duration, n int) error {
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		SessionTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer srv.Destroy()
	st, err := srv.NewStream("soak", server.VideoH264, server.AudioPCMU)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	url, err := st.URL()
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	var feedErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); feedErr = feed(st, stop) }()
	defer func() { close(stop); wg.Wait() }()

	time.Sleep(3 * time.Second) // the GOP cache and the pools fill
	start := time.Now()
	players := func() int {
		ss, err := st.Stats()
		if err != nil {
			return -1
		}
		return len(ss.Readers)
	}
	read := func() sample {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return sample{at: time.Since(start), rss: rss(), heap: ms.HeapInuse, goroutines: runtime.NumGoroutine(), fds: fds(), players: players()}
	}
	base := read()
	fmt.Println("baseline (no player):", base)

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	ctx, stopSig := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSig()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.CommandContext(ctx, self, "-readers", url, "-n", strconv.Itoa(n))
	child.Stdout, child.Stderr = os.Stderr, os.Stderr
	child.Cancel = func() error { return child.Process.Signal(syscall.SIGTERM) }
	child.WaitDelay = 15 * time.Second
	if err := child.Start(); err != nil {
		return err
	}
	var samples []sample
	tick := time.NewTicker(every)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			s := read()
			samples = append(samples, s)
			fmt.Println(s)
		}
	}
	_ = child.Wait()
	if feedErr != nil {
		return fmt.Errorf("feeding the stream: %w", feedErr)
	}
	// The players are gone; UDP ones that vanished end at the session
	// timeout.
	var end sample
	deadline := time.Now().Add(30 * time.Second)
	for {
		end = read()
		if end.players == 0 && end.goroutines <= base.goroutines+2 && end.fds <= base.fds+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	fmt.Println("after the players:   ", end)
	return verdict(base, end, samples)
}

// verdict fails the run on growth.
func verdict(base, end sample, samples []sample) error {
	var errs []error
	if end.players != 0 {
		errs = append(errs, fmt.Errorf("%d players left after the swarm ended", end.players))
	}
	if end.goroutines > base.goroutines+2 {
		errs = append(errs, fmt.Errorf("goroutines %d after the players, %d before", end.goroutines, base.goroutines))
	}
	if end.fds > base.fds+2 {
		errs = append(errs, fmt.Errorf("file descriptors %d after the players, %d before", end.fds, base.fds))
	}
	if q := len(samples) / 4; q >= 1 {
		for _, m := range []struct {
			name  string
			of    func(sample) int64
			slack int64
		}{{"RSS", func(x sample) int64 { return x.rss }, 8 << 20}, {"heap", func(x sample) int64 { return int64(x.heap) }, 4 << 20}} {
			peak := func(s []sample) int64 {
				var p int64
				for _, x := range s {
					p = max(p, m.of(x))
				}
				return p
			}
			second, last := peak(samples[q:2*q]), peak(samples[len(samples)-q:])
			fmt.Printf("%s peak: second quarter %.1f MB, last quarter %.1f MB\n", m.name, float64(second)/(1<<20), float64(last)/(1<<20))
			if last > second+second/4+m.slack {
				errs = append(errs, fmt.Errorf("%s grows: %.1f MB in the second quarter, %.1f MB in the last",
					m.name, float64(second)/(1<<20), float64(last)/(1<<20)))
			}
		}
	}
	return errors.Join(errs...)
}

// feed writes the H.264 sample and 20 ms of G.711 every 20 ms, in real
// time, looping.
func feed(st *server.Stream, stop <-chan struct{}) error {
	data, err := os.ReadFile("testdata/h264_main_720p.h264")
	if err != nil {
		return fmt.Errorf("%w (run from the repository's root)", err)
	}
	var aus [][]byte
	var det h26x.H264AUDetector
	var cur [][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		if det.StartsNewAU(nal) && len(cur) > 0 {
			aus = append(aus, h26x.AppendAnnexB(nil, cur...))
			cur = nil
		}
		cur = append(cur, nal)
	}
	aus = append(aus, h26x.AppendAnnexB(nil, cur...))
	pcm := make([]byte, 160)
	for i := range pcm {
		pcm[i] = 0xff // µ-law silence
	}
	start := time.Now()
	for k := 0; ; k++ { // k counts 20 ms steps; a picture every other one
		if k%2 == 0 {
			if err := st.WriteVideo(aus[(k/2)%len(aus)], uint64(k*20)); err != nil {
				return err
			}
		}
		if err := st.WriteAudio(pcm, uint64(k*20)); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-time.After(time.Until(start.Add(time.Duration(k+1) * 20 * time.Millisecond))):
		}
	}
}

// swarm keeps n players going until SIGTERM: each plays 1 to 20 s over
// TCP or UDP, then leaves with or without a TEARDOWN, and another takes
// its place.
func swarm(url string, n int) {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for ctx.Err() == nil {
				play(ctx, url, rng)
			}
		}(int64(i) + time.Now().UnixNano())
	}
	wg.Wait()
}

func play(ctx context.Context, url string, rng *rand.Rand) {
	tr := client.TransportTCP
	if rng.Intn(2) == 0 {
		tr = client.TransportUDP
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.Dial(dctx, url, client.Options{Transport: tr})
	if err != nil {
		sleep(ctx, time.Second)
		return
	}
	defer c.Close()
	d, err := c.Describe()
	if err != nil {
		return
	}
	for i := range d.Tracks {
		if err := c.Setup(i); err != nil {
			return
		}
	}
	c.OnFrame = func(int, client.Frame) {}
	if _, err := c.Play(); err != nil {
		return
	}
	sleep(ctx, time.Second+time.Duration(rng.Int63n(int64(19*time.Second))))
	if rng.Intn(2) == 0 {
		_, _ = c.Teardown()
	}
	// Otherwise the connection just closes (c.Close): the server ends a
	// TCP session at once, a UDP one at its connection's close too.
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// rss is VmRSS of this process.
func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// fds counts this process's open file descriptors.
func fds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}
