// Command benchserver-ours serves an Annex-B file at a fixed frame rate with
// rtspkit's server package, on 127.0.0.1 only, for the load benchmark:
// each access unit goes to SendVideoData as the encoder of a camera would
// hand it, with a 90 kHz timestamp, and the file loops.
//
//	benchserver-ours -file ../testdata/h264_high_720p_4mbps_bframes.h264 -port 25554 \
//	    -cpuprofile ours.cpu -memprofile ours.heap
//
// With -relay it serves no file: it accepts publishers (Config.PublishPaths,
// any path) and readers play what cmd/benchpub publishes to /bench, through
// the server's ingest: the relay rows of the load benchmark.
//
// It prints "READY rtsp://127.0.0.1:PORT/bench" when readers may connect and
// stops on SIGTERM, SIGINT or after -duration, writing the profiles then.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/bench/internal/srvmain"
	"github.com/rtspkit/rtspkit/server"
)

const mount = "bench"

func main() {
	var f srvmain.Flags
	f.Register(flag.CommandLine, 25554, 25000)
	queue := flag.Int("queue", 0, "server.Config.ReaderQueue (0: the default)")
	flag.Parse()
	if err := run(&f, *queue); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver-ours:", err)
		os.Exit(1)
	}
}

func run(f *srvmain.Flags, queue int) error {
	st, err := f.Load()
	if err != nil {
		return err
	}
	cfg := server.Config{
		Port:           f.Port,
		ListenAddress:  "127.0.0.1",
		AdvertisedHost: "127.0.0.1",
		UDPPortMin:     f.UDPPort,
		UDPPortMax:     f.UDPPort + 99,
		TimestampUnit:  server.Clock90kHz,
		ReaderQueue:    queue,
	}
	if f.Relay {
		cfg.PublishPaths = []string{"*"}
	}
	srv := server.New()
	if err := srv.InitConfig(cfg); err != nil {
		return err
	}
	if !f.Relay {
		video := server.MediaH264
		if st.HEVC {
			video = server.MediaH265
		}
		if err := srv.CreateSession(mount, video, false); err != nil {
			return err
		}
	}
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		_ = srv.Stop()
		_ = srv.Deinit()
		_ = srv.Destroy()
	}()
	url := "rtsp://" + srv.Addr().String() + "/" + mount
	readers := func() int {
		s, err := srv.Stats(mount)
		if err != nil {
			return 0
		}
		return len(s.Readers)
	}
	report := func() string {
		s, err := srv.Stats(mount)
		if err != nil {
			return err.Error()
		}
		var drops, pkts uint64
		for _, r := range s.Readers {
			drops += r.FramesDropped
			pkts += r.Packets
		}
		return fmt.Sprintf("readers=%d framesDropped=%d packetsWritten=%d", len(s.Readers), drops, pkts)
	}
	if f.Relay {
		return f.ServeRelay(srvmain.Server{
			Name:    "rtspkit",
			URL:     url,
			Readers: readers,
			Report:  report,
			Published: func() uint64 {
				s, err := srv.Stats(mount)
				if err != nil {
					return 0 // no publisher yet
				}
				return s.UnitsIn
			},
		})
	}
	return f.Run(srvmain.Server{
		Name: "rtspkit",
		URL:  url,
		Send: func(_ int, au *media.AU, ts uint64) error {
			return srv.SendVideoData(mount, au.AnnexB, ts)
		},
		Readers: readers,
		Report:  report,
	}, st)
}
