// Package srvmain is what the two benchmark servers share: the flags, the
// file feed at a fixed frame rate (looping, with an absolute schedule so
// that a late frame does not shift the ones after it), the send-time log for
// the latency measurement, CPU and heap profiles, and the heap-per-reader
// report. Each server supplies only how to send one access unit and how many
// readers it has.
package srvmain

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/bench/internal/media"
)

// Flags are the command-line options of both servers.
type Flags struct {
	File        string
	Port        int
	UDPPort     int
	FPS         int
	Duration    time.Duration
	CPUProfile  string
	MemProfile  string
	LatencyLog  string
	HeapReaders int
	// Relay: serve what a publisher pushes to the bench path instead of
	// the file (ServeRelay).
	Relay bool
}

// Register adds the flags to fs with defaults for the given RTSP and UDP
// ports.
func (f *Flags) Register(fs *flag.FlagSet, port, udpPort int) {
	fs.StringVar(&f.File, "file", "../testdata/h264_high_720p_4mbps_bframes.h264", "Annex-B H.264 (.h264) or H.265 (.h265) file to loop")
	fs.IntVar(&f.Port, "port", port, "RTSP port on 127.0.0.1")
	fs.IntVar(&f.UDPPort, "udp-port", udpPort, "first UDP port of the server (RTP; RTCP is the next)")
	fs.IntVar(&f.FPS, "fps", 25, "access units per second")
	fs.DurationVar(&f.Duration, "duration", 10*time.Minute, "stop by itself after this long")
	fs.StringVar(&f.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&f.MemProfile, "memprofile", "", "write a heap profile to this file: with -heap-readers when the readers are connected, else at exit (sampling every 4 KiB)")
	fs.StringVar(&f.LatencyLog, "latency-log", "", "write each access unit's send start and return (unix ns) to this file at exit")
	fs.BoolVar(&f.Relay, "relay", false, "relay: accept a publisher on the bench path (cmd/benchpub) and serve its stream instead of the file")
	fs.IntVar(&f.HeapReaders, "heap-readers", 0, "when N readers are connected, print the heap per reader (HEAP line)")
}

// Server is one implementation under test.
type Server struct {
	Name string
	// URL is printed in the READY line for the swarm.
	URL string
	// Send sends access unit au, the k-th since the start, with its
	// 90 kHz timestamp.
	Send func(k int, au *media.AU, ts90k uint64) error
	// Readers returns the number of playing readers.
	Readers func() int
	// Report, if set, returns a line of server-side counters printed on
	// SIGUSR1 (drops and the like).
	Report func() string
	// Published, in relay mode (ServeRelay), returns the number of access
	// units the server has received from its publisher so far.
	Published func() uint64
}

// report prints the REPORT line, if the server has counters.
func (srv Server) report() {
	if srv.Report != nil {
		fmt.Printf("REPORT %s\n", srv.Report())
	}
}

// Load reads the input named by the flags.
func (f *Flags) Load() (*media.Stream, error) {
	return media.Load(f.File, media.IsHEVC(f.File))
}

// Run streams st until SIGINT/SIGTERM or Duration, then writes the
// profiles and the latency log. It prints "READY <url>" once the feed has
// started, for the load driver and the swarm, and "REPORT <counters>" on
// SIGUSR1.
func (f *Flags) Run(srv Server, st *media.Stream) error {
	stopProfile, err := f.startProfiles()
	if err != nil {
		return err
	}
	defer stopProfile()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)

	period := time.Second / time.Duration(f.FPS)
	log := make([][2]int64, 0, int(f.Duration/period)+16)
	usr := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR1)
	start := time.Now()
	deadline := time.NewTimer(f.Duration)
	defer deadline.Stop()
	tick := time.NewTimer(0)
	defer tick.Stop()
	<-tick.C
	ready := false
	for k := 0; ; k++ {
		next := start.Add(time.Duration(k) * period)
		for d := time.Until(next); d > 0; d = time.Until(next) {
			tick.Reset(d)
			select {
			case <-tick.C:
			case <-usr:
				// The load driver asks for the counters at the end of
				// its window, while the readers are still there.
				srv.report()
			case <-stop:
				return f.finish(log)
			case <-deadline.C:
				return f.finish(log)
			}
		}
		au := &st.AUs[k%len(st.AUs)]
		t0 := time.Now()
		if err := srv.Send(k, au, uint64(k)*90000/uint64(f.FPS)); err != nil {
			return fmt.Errorf("send access unit %d: %w", k, err)
		}
		t1 := time.Now()
		if len(log) < cap(log) {
			log = append(log, [2]int64{t0.UnixNano(), t1.UnixNano()})
		}
		if !ready && k >= 1 {
			if f.HeapReaders > 0 {
				if k < 2*f.FPS {
					continue // two seconds of streaming before the baseline
				}
				go heapReport(heapNow(), f.HeapReaders, srv.Readers, f.MemProfile)
			}
			// At least two access units are out: every server can
			// answer DESCRIBE now.
			fmt.Printf("READY %s\n", srv.URL)
			ready = true
		}
	}
}

// ServeRelay is Run for a server that relays a publisher instead of feeding
// the file itself (loadbench's relay rows; cmd/benchpub publishes): it
// prints "READY <url>" once the publisher has delivered two access units
// (every server can answer DESCRIBE then), the HEAP line as Run does,
// "REPORT <counters>" on SIGUSR1, and returns on SIGINT, SIGTERM or after
// Duration.
func (f *Flags) ServeRelay(srv Server) error {
	stopProfile, err := f.startProfiles()
	if err != nil {
		return err
	}
	defer stopProfile()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	usr := make(chan os.Signal, 1)
	signal.Notify(usr, syscall.SIGUSR1)
	deadline := time.NewTimer(f.Duration)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	var base heapSample
	ready := false
	for {
		select {
		case <-poll.C:
			if ready || srv.Published() < 2 {
				continue
			}
			if f.HeapReaders > 0 {
				// Two seconds of the publisher's stream before the
				// baseline, as Run does: the GOP cache is full then.
				if base.heap == 0 {
					time.Sleep(2 * time.Second)
					base = heapNow()
				}
				go heapReport(base, f.HeapReaders, srv.Readers, f.MemProfile)
			}
			fmt.Printf("READY %s\n", srv.URL)
			ready = true
		case <-usr:
			srv.report()
		case <-stop:
			return f.finish(nil)
		case <-deadline.C:
			return f.finish(nil)
		}
	}
}

// startProfiles sets the heap sampling rate and starts the CPU profile the
// flags ask for; the returned function stops it.
func (f *Flags) startProfiles() (func(), error) {
	if f.MemProfile != "" {
		runtime.MemProfileRate = 4096
	}
	if f.CPUProfile == "" {
		return func() {}, nil
	}
	out, err := os.Create(f.CPUProfile)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

func (f *Flags) finish(log [][2]int64) error {
	if f.MemProfile != "" && f.HeapReaders == 0 {
		if err := writeHeapProfile(f.MemProfile); err != nil {
			return err
		}
	}
	if f.LatencyLog != "" && log != nil {
		if err := WriteSendLog(f.LatencyLog, log); err != nil {
			return err
		}
	}
	fmt.Println("DONE")
	return nil
}

// WriteSendLog writes one "start end" line (unix nanoseconds) per access
// unit.
func WriteSendLog(path string, log [][2]int64) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	for _, e := range log {
		fmt.Fprintf(w, "%d %d\n", e[0], e[1])
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ReadSendLog reads what WriteSendLog wrote.
func ReadSendLog(path string) ([][2]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var log [][2]int64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		a, err1 := strconv.ParseInt(f[0], 10, 64)
		b, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		log = append(log, [2]int64{a, b})
	}
	return log, nil
}

// heapReport takes the baseline measured with no reader (after two seconds
// of streaming, so that the GOP cache and the pools are full), waits until
// want readers play, lets them settle and measures again, then prints
//
//	HEAP readers=N heapPerReader=B stackPerReader=B rssPerReader=B ...
func heapReport(base heapSample, want int, readers func() int, profile string) {
	if n := readers(); n != 0 {
		fmt.Printf("HEAP error: %d readers before the baseline\n", n)
		return
	}
	for readers() < want {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	now := heapNow()
	n := readers()
	per := func(a, b uint64) int64 { return (int64(b) - int64(a)) / int64(n) }
	fmt.Printf("HEAP readers=%d heapPerReader=%d stackPerReader=%d rssPerReader=%d baseHeap=%d heap=%d goroutines=%d\n",
		n, per(base.heap, now.heap), per(base.stack, now.stack), per(base.rss, now.rss), base.heap, now.heap, runtime.NumGoroutine())
	if profile != "" {
		if err := writeHeapProfile(profile); err != nil {
			fmt.Fprintln(os.Stderr, "heap profile:", err)
		}
	}
}

func writeHeapProfile(path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.Lookup("heap").WriteTo(out, 0)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

type heapSample struct{ heap, stack, rss uint64 }

func heapNow() heapSample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return heapSample{heap: ms.HeapInuse, stack: ms.StackInuse, rss: rssBytes()}
}

// rssBytes is VmRSS from /proc/self/status.
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
