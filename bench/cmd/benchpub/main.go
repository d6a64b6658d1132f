// Command benchpub publishes an Annex-B file at a fixed frame rate to RTSP
// servers that accept publishers, for the load benchmark: the publisher of
// its relay rows (one publisher, the server relaying it to a swarm of
// readers) and the subject of its push rows (-n publishers at once; the
// CPU it takes per pushed Gbit).
//
//	benchpub -url rtsp://127.0.0.1:25554/bench -impl ours -n 1
//
// -impl ours publishes with client.Publisher, -impl gortsplib with
// gortsplib's Client (StartRecording, then rtph264/rtph265 Encode and
// WritePacketRTP, as its example client-record-format-h264 for v4.16.2).
// Publisher i (from 0) publishes to the URL's path with "-i" appended for
// i > 0, over TCP interleaved. It prints "READY" once the feed has started
// and, on SIGUSR1, "REPORT pushedBytes=N ..." (RTP bytes handed to the
// connections, headers included); -latency-log writes when each access
// unit's writes started and returned. The -port and -udp-port flags it
// shares with the servers are unused.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/bench/internal/srvmain"
)

func main() {
	var f srvmain.Flags
	f.Register(flag.CommandLine, 0, 0)
	url := flag.String("url", "rtsp://127.0.0.1:25554/bench", "where publisher 0 publishes")
	n := flag.Int("n", 1, "publishers, each with the whole stream")
	impl := flag.String("impl", "ours", "ours (client.Publisher) or gortsplib (gortsplib.Client)")
	flag.Parse()
	if err := run(&f, *url, *n, *impl); err != nil {
		fmt.Fprintln(os.Stderr, "benchpub:", err)
		os.Exit(1)
	}
}

// publishers is one implementation's set of publishers.
type publishers interface {
	// send writes access unit au with its 90 kHz timestamp to each.
	send(nals [][]byte, key bool, ts90k uint64) error
	// report is the REPORT line's counters.
	report() string
	close()
}

func run(f *srvmain.Flags, url string, n int, impl string) error {
	st, err := f.Load()
	if err != nil {
		return err
	}
	urls := make([]string, n)
	for i := range urls {
		urls[i] = url
		if i > 0 {
			urls[i] += "-" + strconv.Itoa(i)
		}
	}
	var p publishers
	switch impl {
	case "ours":
		p, err = newOurs(st, urls)
	case "gortsplib":
		p, err = newGortsplib(st, urls)
	default:
		err = fmt.Errorf("unknown -impl %q (ours, gortsplib)", impl)
	}
	if err != nil {
		return err
	}
	defer p.close()
	return f.Run(srvmain.Server{
		Name:    impl,
		URL:     url,
		Send:    func(_ int, au *media.AU, ts uint64) error { return p.send(au.NALs, au.Key, ts) },
		Readers: func() int { return 0 },
		Report:  p.report,
	}, st)
}
