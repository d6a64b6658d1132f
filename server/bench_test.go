package server

import (
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
		m.addReader(r)
		r.start()
		readers = append(readers, r)
	}
	defer func() {
		for _, r := range readers {
			m.removeReader(r)
			r.close()
		}
	}()
	aus := auOf(&testing.T{}, "../testdata/h264_high_720p_4mbps.h264", false)
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
	}
}
