// Package micro holds the side-by-side packetization benchmarks as plain
// functions, so that both `go test -bench` (bench/micro_test.go) and the
// table printer (cmd/microtable, through testing.Benchmark) run the same
// code.
//
// Every case packetizes the whole 1-second 4 Mbit/s input per operation,
// split into access units outside the timer, and SetBytes is the size of its
// NAL units, so MB/s is media throughput and is comparable across cases.
// All packetizers are set to the same largest packet: 1400 bytes with the
// 12-byte RTP header (rtp.DefaultMaxPacketSize; gortsplib PayloadMaxSize
// 1388; pion MTU 1400).
package micro

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	pionrtp "github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// MaxPacket is the largest RTP packet, header included, for every
// implementation.
const MaxPacket = rtp.DefaultMaxPacketSize

// Input files, relative to the testdata directory.
const (
	H264File = "h264_high_720p_4mbps_bframes.h264"
	H265File = "h265_main_720p_4mbps_bframes.h265"
)

// Case is one benchmark.
type Case struct {
	Codec string // "H.264" or "H.265"
	Impl  string // "rtspkit", "gortsplib", "pion"
	// What is measured: "packetize" (rtspkit: packets ready for
	// writev/sendmmsg in an rtp.Batch, payloads not copied) or
	// "packetize+marshal" (every packet's wire bytes in memory: rtspkit
	// copies them into one reused buffer, the peers build []*rtp.Packet and
	// call Marshal, as their servers do once per packet).
	What  string
	input func(tb testing.TB) *media.Stream
	// Setup prepares the case (outside any timer) and returns one
	// operation: packetize the whole input once, returning the number of
	// packets and of wire bytes produced.
	Setup func(tb testing.TB) func() (pkts, wire int)
}

// Fn is the benchmark function of the case.
func (c Case) Fn(b *testing.B) {
	op := c.Setup(b)
	pkts, wire := op() // warm up: grow buffers outside the timer
	b.SetBytes(c.input(b).NALBytes)
	b.ReportAllocs()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(pkts), "pkts/op")
	b.ReportMetric(float64(wire), "wireB/op")
}

// Name is the benchmark's sub-test name.
func (c Case) Name() string { return fmt.Sprintf("%s/%s/%s", c.Codec, c.Impl, c.What) }

var (
	loadMu sync.Mutex
	loaded = map[string]*media.Stream{}
)

func load(b testing.TB, dir, file string, hevc bool) *media.Stream {
	loadMu.Lock()
	defer loadMu.Unlock()
	p := filepath.Join(dir, file)
	if st, ok := loaded[p]; ok {
		return st
	}
	st, err := media.Load(p, hevc)
	if err != nil {
		b.Fatal(err)
	}
	loaded[p] = st
	return st
}

// Cases returns every benchmark, reading the inputs from dir (the main
// module's testdata directory).
func Cases(dir string) []Case {
	var cs []Case
	for _, c := range []struct {
		name string
		file string
		hevc bool
	}{{"H.264", H264File, false}, {"H.265", H265File, true}} {
		in := func(tb testing.TB) *media.Stream { return load(tb, dir, c.file, c.hevc) }
		cs = append(cs,
			Case{c.name, "rtspkit", "packetize", in, func(tb testing.TB) func() (int, int) { return ours(tb, in(tb), false) }},
			Case{c.name, "rtspkit", "packetize+marshal", in, func(tb testing.TB) func() (int, int) { return ours(tb, in(tb), true) }},
			Case{c.name, "gortsplib", "packetize+marshal", in, func(tb testing.TB) func() (int, int) { return gortsplib(tb, in(tb)) }},
			Case{c.name, "pion", "packetize+marshal", in, func(tb testing.TB) func() (int, int) { return pion(tb, in(tb)) }},
		)
	}
	return cs
}

func ours(b testing.TB, st *media.Stream, marshal bool) func() (int, int) {
	var p264 h26x.H264Packetizer
	var p265 h26x.H265Packetizer
	p264.MaxPacketSize, p265.MaxPacketSize = MaxPacket, MaxPacket
	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96, SSRC: 0x12345678}
	wire := make([]byte, 0, 256<<10)
	return func() (int, int) {
		pkts, size := 0, 0
		for i, au := range st.AUs {
			batch.Reset()
			var err error
			if st.HEVC {
				err = p265.Packetize(&batch, &s, uint32(i)*3600, au.NALs, true)
			} else {
				err = p264.Packetize(&batch, &s, uint32(i)*3600, au.NALs, true)
			}
			if err != nil {
				b.Fatal(err)
			}
			pkts += batch.Len()
			if marshal {
				wire = wire[:0]
				for j := 0; j < batch.Len(); j++ {
					wire = batch.AppendPacket(wire, j)
				}
				size += len(wire)
			} else {
				size += batch.TotalSize()
			}
		}
		return pkts, size
	}
}

type encoder interface {
	Encode(au [][]byte) ([]*pionrtp.Packet, error)
}

func gortsplib(b testing.TB, st *media.Stream) func() (int, int) {
	ssrc, seq := uint32(0x12345678), uint16(0)
	var enc encoder
	if st.HEVC {
		e := &rtph265.Encoder{PayloadType: 96, SSRC: &ssrc, InitialSequenceNumber: &seq, PayloadMaxSize: MaxPacket - 12}
		if err := e.Init(); err != nil {
			b.Fatal(err)
		}
		enc = e
	} else {
		e := &rtph264.Encoder{PayloadType: 96, SSRC: &ssrc, InitialSequenceNumber: &seq, PayloadMaxSize: MaxPacket - 12, PacketizationMode: 1}
		if err := e.Init(); err != nil {
			b.Fatal(err)
		}
		enc = e
	}
	return func() (int, int) {
		pkts, size := 0, 0
		for i, au := range st.AUs {
			ps, err := enc.Encode(au.NALs)
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range ps {
				p.Timestamp = uint32(i) * 3600
				w, err := p.Marshal()
				if err != nil {
					b.Fatal(err)
				}
				size += len(w)
			}
			pkts += len(ps)
		}
		return pkts, size
	}
}

func pion(b testing.TB, st *media.Stream) func() (int, int) {
	var pay pionrtp.Payloader = &codecs.H264Payloader{}
	if st.HEVC {
		pay = &codecs.H265Payloader{}
	}
	pz := pionrtp.NewPacketizer(MaxPacket, 96, 0x12345678, pay, pionrtp.NewFixedSequencer(0), 90000)
	return func() (int, int) {
		pkts, size := 0, 0
		for _, au := range st.AUs {
			ps := pz.Packetize(au.AnnexB, 3600)
			for _, p := range ps {
				w, err := p.Marshal()
				if err != nil {
					b.Fatal(err)
				}
				size += len(w)
			}
			pkts += len(ps)
		}
		return pkts, size
	}
}
