package client

import (
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// BenchmarkReceiveH264 measures the receive path of one track per access
// unit: parse, statistics, sequencing, OnPacket, depacketizing and OnFrame,
// for the 720p test stream packetized at 1400 bytes.
func BenchmarkReceiveH264(b *testing.B) {
	for _, kind := range []Transport{TransportTCP, TransportUDP} {
		b.Run(kind.String(), func(b *testing.B) {
			aus := loadAUs(b)
			var batch rtp.Batch
			var pk h26x.H264Packetizer
			s := rtp.Stream{PayloadType: 96, SSRC: 1}
			// Pre-marshal a few access units worth of packets.
			var pkts [][]byte
			var bytes int
			for i, au := range aus[:25] {
				batch.Reset()
				if err := pk.Packetize(&batch, &s, uint32(i*3600), au, true); err != nil {
					b.Fatal(err)
				}
				for j := 0; j < batch.Len(); j++ {
					p := batch.AppendPacket(nil, j)
					pkts = append(pkts, p)
					bytes += len(p)
				}
			}
			c := &Client{opt: Options{}.withDefaults()}
			tr := newTrack(c, 0, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}}, kind)
			frames := 0
			c.handlers.Store(&handlers{
				onPacket: func(int, *rtp.Packet, time.Time) {},
				onFrame:  func(int, Frame) { frames++ },
			})
			now := time.Now()
			seq := uint16(0)
			// Each round renumbers the packets so that they continue the
			// sequence.
			feed := func() {
				for _, p := range pkts {
					p[2], p[3] = byte(seq>>8), byte(seq)
					seq++
					tr.onRTP(p, now)
				}
			}
			feed()
			b.ReportAllocs()
			b.SetBytes(int64(bytes))
			for b.Loop() {
				feed()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/packet")
			if frames == 0 {
				b.Fatal("no frames")
			}
		})
	}
}
