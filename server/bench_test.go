package server

import (
	"io"
	"net"
	goruntime "runtime"
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
)

// discardSender stands in for a socket: it touches every packet's bytes (so
// the work of reading them is counted) and drops them.
type discardSender struct{ n int }

func (d *discardSender) write(r *reader, f *frame) error {
	if f.rtcp {
		return nil
	}
	for i := 0; i < f.batch.Len(); i++ {
		d.n += len(f.batch.Head(i)) + len(f.batch.Body(i))
	}
	return nil
}

func (d *discardSender) close() {}

// BenchmarkIngestFanOut measures the publisher's side of the hot path: one
// access unit in (copy, access-unit detection, packetization) and out to
// 100 readers' queues, whose writer goroutines drain them. allocs/op must
// be 0 in steady state: nothing is allocated per packet or per reader.
func BenchmarkIngestFanOut(b *testing.B) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	cfg.ReaderQueue = 64
	m := newMount("bench", VideoH264, AudioNone, &cfg)
	var readers []*reader
	for i := 0; i < 100; i++ {
		r := newReader(m, &discardSender{}, cfg.ReaderQueue)
		r.tracks[0].setup = true
		m.addReader(r, true)
		r.start(nil)
		readers = append(readers, r)
	}
	defer func() {
		for _, r := range readers {
			m.removeReader(r)
			r.close()
		}
	}()
	benchSend(b, m, nil)
}

// benchFanOut runs ingest and the fan-out workers (fanout.go) to readers
// on real loopback sockets, one access unit per operation, waiting each
// time until the workers have sent it: ns/op is the whole cost of one
// frame for every reader (the kernel's included), and allocs/op, which
// must be 0, counts the workers' allocations too.
func benchFanOut(b *testing.B, addReaders func(m *mount, fo *fanout, cfg *Config)) {
	// Unpaced: frames are sent back to back, faster than any stream, and
	// the cost of sending is what is measured.
	cfg, err := Config{UDPRate: -1}.withDefaults()
	if err != nil {
		b.Fatal(err)
	}
	u, err := listenUDPPair("127.0.0.1", 30000, 40000)
	if err != nil {
		b.Fatal(err)
	}
	fo := newFanout(u, &cfg)
	defer fo.close()
	defer u.close()
	m := newMount("bench", VideoH264, AudioNone, &cfg)
	addReaders(m, fo, &cfg)
	benchSend(b, m, fo.waitIdle)
	b.StopTimer()
	var dropped uint64
	m.mu.Lock()
	for _, r := range m.readers {
		dropped += r.stats.framesDropped.Load()
	}
	m.mu.Unlock()
	b.ReportMetric(float64(dropped)/float64(b.N), "drops/op")
}

// waitIdle waits until every worker has sent everything queued.
func (fo *fanout) waitIdle() {
	for _, w := range fo.workers {
		for len(w.q) > 0 {
			goruntime.Gosched()
		}
		w.quiesce(nil)
	}
}

// BenchmarkFanOutUDP: 100 UDP readers (all sending to one sink socket
// whose reader discards).
func BenchmarkFanOutUDP(b *testing.B) {
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	_ = sink.SetReadBuffer(8 << 20)
	go func() {
		buf := make([]byte, 65536)
		for {
			if _, _, err := sink.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
		}
	}()
	dst := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	benchFanOut(b, func(m *mount, fo *fanout, cfg *Config) {
		for i := 0; i < 100; i++ {
			tracks := []readerTrack{{setup: true, rtpAddr: dst, rtcpAddr: dst}}
			r := newUDPReader(m, newUDPSender(fo, tracks), cfg.ReaderQueue)
			copy(r.tracks, tracks)
			m.addReader(r, true)
			r.start(nil)
		}
	})
}

// BenchmarkFanOutTCP: 100 TCP interleaved readers on loopback connections
// whose other ends discard what they read.
func BenchmarkFanOutTCP(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	benchFanOut(b, func(m *mount, fo *fanout, cfg *Config) {
		rt := &runtime{cfg: cfg, fan: fo}
		for i := 0; i < 100; i++ {
			peer, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			nc, err := ln.Accept()
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { peer.Close(); nc.Close() })
			go func() { _, _ = io.Copy(io.Discard, peer) }()
			r := newTCPReader(m, newConn(rt, nc), cfg.ReaderQueue)
			r.tracks[0] = readerTrack{setup: true, rtpChannel: 0, rtcpChannel: 1}
			m.addReader(r, true)
			r.start(nil)
		}
	})
}

// benchSend sends the 4 Mbit/s stream's access units to m, one per
// operation (SetBytes: the average access unit), calling after (if set)
// after each.
func benchSend(b *testing.B, m *mount, after func()) {
	aus := auOf(&testing.T{}, "../testdata/h264_high_720p_4mbps_bframes.h264", false)
	var units [][]byte
	total := 0
	for _, au := range aus {
		u := h26x.AppendAnnexB(nil, au...)
		units = append(units, u)
		total += len(u)
	}
	b.SetBytes(int64(total / len(units)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := m.sendVideo(units[i%len(units)], uint64(i*40)); err != nil {
			b.Fatal(err)
		}
		if after != nil {
			after()
		}
	}
}
