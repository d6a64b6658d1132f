// Command swarm plays one RTSP URL with N lean readers at once, over TCP
// (interleaved) or UDP, on the loopback only, and reports what they got
// during a measurement window: delivered Mbit/s (RTP bytes), packets lost
// (RTP sequence gaps), readers that failed. It is the load generator of
// cmd/loadbench, a separate process from the server under test.
//
//	swarm -url rtsp://127.0.0.1:25554/bench -n 100 -transport tcp -warmup 3s -window 10s
//
// Output lines, for the driver: "CONNECTED ok failed", "WINDOW START ns",
// "WINDOW END ns", then "RESULT {json}". With -arrivals FILE it also writes,
// for every marker packet (last packet of an access unit) received in the
// window, "reader rtp-timestamp unix-ns" to FILE for the latency report.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "swarm: "+format+"\n", a...)
}

// Result is the swarm's report for the window.
type Result struct {
	Transport       string
	Readers         int     // requested
	Connected       int     // PLAY succeeded
	ConnectFailed   int     // DESCRIBE/SETUP/PLAY failed
	Failed          int     // connection ended before the swarm did
	Silent          int     // connected readers that got nothing in the window
	WindowSeconds   float64 // length of the window
	Bytes           uint64  // RTP bytes received in the window, all readers
	Packets         uint64
	Lost            uint64 // sequence gaps in the window
	Frames          uint64 // marker packets in the window
	Mbps            float64
	LossPct         float64
	MinReaderMbps   float64
	ReadersWithLoss int
}

func main() {
	rawURL := flag.String("url", "rtsp://127.0.0.1:25554/bench", "stream to play (loopback only)")
	n := flag.Int("n", 100, "readers")
	transport := flag.String("transport", "tcp", "tcp (interleaved) or udp")
	parallel := flag.Int("parallel", 16, "connections set up at once")
	warmup := flag.Duration("warmup", 3*time.Second, "time between the last connection and the window")
	window := flag.Duration("window", 10*time.Second, "measurement window")
	udpPort := flag.Int("udp-port", 26000, "first client UDP port (RTP/RTCP pairs go up from here)")
	keepalive := flag.Duration("keepalive", 20*time.Second, "OPTIONS keepalive period")
	rtcpPeriod := flag.Duration("rtcp", 5*time.Second, "RTCP receiver report period, as players send (0: none)")
	arrivals := flag.String("arrivals", "", "write marker-packet arrivals of the window to this file")
	hold := flag.Duration("hold", time.Second, "keep the readers connected this long after the window (the driver reads the server's counters then)")
	kernelTS := flag.Bool("kernel-ts", true, "arrival time from the kernel's receive timestamp (SO_TIMESTAMPNS) rather than the read's return")
	flag.Parse()
	if *transport != "tcp" && *transport != "udp" {
		logf("-transport must be tcp or udp")
		os.Exit(2)
	}
	res, err := run(*rawURL, *n, *transport, *parallel, *warmup, *window, *udpPort, *keepalive, *rtcpPeriod, *arrivals, *kernelTS, *hold)
	if err != nil {
		logf("%v", err)
		os.Exit(1)
	}
	js, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", js)
}

func run(rawURL string, n int, transport string, parallel int, warmup, window time.Duration,
	udpPort int, keepalive, rtcpPeriod time.Duration, arrivalsFile string, kernelTS bool, hold time.Duration) (*Result, error) {
	var record atomic.Bool
	stop := make(chan struct{})
	var (
		mu      sync.Mutex
		readers []*reader
		failed  int
		nextUDP = udpPort
	)
	ids := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				r, err := connect(id, rawURL, transport, &mu, &nextUDP, &record)
				if r != nil {
					r.kernelTS = kernelTS
				}
				mu.Lock()
				if err != nil {
					failed++
					if failed <= 5 {
						logf("reader %d: %v", id, err)
					}
				} else {
					readers = append(readers, r)
				}
				mu.Unlock()
				if err != nil {
					continue
				}
				if transport == "tcp" {
					go r.runTCP(stop)
				} else {
					go r.runUDP(stop)
					go r.drainRTSP(stop)
				}
				go r.sess.keepalive(keepalive, stop)
				go r.reportLoop(rtcpPeriod, stop)
			}
		}()
	}
	for i := 0; i < n; i++ {
		ids <- i
	}
	close(ids)
	wg.Wait()
	fmt.Printf("CONNECTED %d %d\n", len(readers), failed)
	if len(readers) == 0 {
		return nil, fmt.Errorf("no reader could connect")
	}
	defer func() {
		close(stop)
		for _, r := range readers {
			r.close()
		}
	}()

	time.Sleep(warmup)
	type snap struct{ bytes, packets, lost, markers uint64 }
	take := func() []snap {
		s := make([]snap, len(readers))
		for i, r := range readers {
			s[i] = snap{r.bytes.Load(), r.packets.Load(), r.lost.Load(), r.markers.Load()}
		}
		return s
	}
	s0 := take()
	t0 := time.Now()
	record.Store(true)
	fmt.Printf("WINDOW START %d\n", t0.UnixNano())
	time.Sleep(window)
	record.Store(false)
	s1 := take()
	t1 := time.Now()
	fmt.Printf("WINDOW END %d\n", t1.UnixNano())
	defer time.Sleep(hold) // runs before the readers close

	secs := t1.Sub(t0).Seconds()
	res := &Result{Transport: transport, Readers: n, Connected: len(readers), ConnectFailed: failed, WindowSeconds: secs}
	res.MinReaderMbps = -1
	for i, r := range readers {
		d := snap{s1[i].bytes - s0[i].bytes, s1[i].packets - s0[i].packets, s1[i].lost - s0[i].lost, s1[i].markers - s0[i].markers}
		res.Bytes += d.bytes
		res.Packets += d.packets
		res.Lost += d.lost
		res.Frames += d.markers
		if d.lost > 0 {
			res.ReadersWithLoss++
		}
		if r.failed.Load() {
			res.Failed++
		}
		if d.packets == 0 {
			res.Silent++
		}
		mbps := float64(d.bytes) * 8 / secs / 1e6
		if res.MinReaderMbps < 0 || mbps < res.MinReaderMbps {
			res.MinReaderMbps = mbps
		}
	}
	res.Mbps = float64(res.Bytes) * 8 / secs / 1e6
	if res.Packets+res.Lost > 0 {
		res.LossPct = float64(res.Lost) * 100 / float64(res.Packets+res.Lost)
	}
	if arrivalsFile != "" {
		if err := writeArrivals(arrivalsFile, readers); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func connect(id int, rawURL, transport string, mu *sync.Mutex, nextUDP *int, record *atomic.Bool) (*reader, error) {
	s, err := dialSession(rawURL, 5*time.Second)
	if err != nil {
		return nil, err
	}
	_ = s.conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := &reader{id: id, sess: s, record: record}
	spec := "RTP/AVP/TCP;unicast;interleaved=0-1"
	if transport == "udp" {
		mu.Lock()
		a, b, err := listenPair(nextUDP, 65000)
		mu.Unlock()
		if err != nil {
			s.conn.Close()
			return nil, err
		}
		_ = a.SetReadBuffer(2 << 20)
		r.udp, r.rtcp = a, b
		port := a.LocalAddr().(*net.UDPAddr).Port
		spec = "RTP/AVP;unicast;client_port=" + strconv.Itoa(port) + "-" + strconv.Itoa(port+1)
	}
	fail := func(err error) (*reader, error) {
		r.close()
		return nil, err
	}
	tr, err := s.setup(spec)
	if err != nil {
		return fail(err)
	}
	if transport == "tcp" {
		if tr.Interleaved == nil {
			return fail(fmt.Errorf("SETUP: no interleaved channels in the reply"))
		}
		r.rtpCh = uint8(tr.Interleaved.First)
		r.rtcpCh = uint8(tr.Interleaved.Last)
	} else {
		r.rtcpDst = serverRTCP(tr)
	}
	err = s.play(func(ch uint8, p []byte) {
		if transport == "tcp" && ch == r.rtpCh {
			r.onRTP(p, time.Now().UnixNano())
		}
	})
	if err != nil {
		return fail(err)
	}
	_ = s.conn.SetDeadline(time.Time{})
	return r, nil
}

func writeArrivals(path string, readers []*reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, r := range readers {
		r.arrMu.Lock()
		for _, a := range r.arrivals {
			fmt.Fprintf(w, "%d %d %d\n", r.id, a.ts, a.at)
		}
		r.arrMu.Unlock()
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
