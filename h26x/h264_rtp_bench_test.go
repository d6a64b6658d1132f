package h26x_test

import (
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// The benchmarks process the whole 1-second 4 Mbit/s stream per operation,
// split into access units outside the timer; SetBytes is the size of its
// NAL units, so MB/s is media throughput.

func h264rtpBenchInput(b *testing.B, c h264rtpCodec, file string) ([][][]byte, int64) {
	aus := h264rtpReadAUs(b, c, file)
	var n int64
	for _, au := range aus {
		for _, nal := range au {
			n += int64(len(nal))
		}
	}
	return aus, n
}

type h264rtpPacketizeFunc func(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, end bool) error

func h264rtpBenchPacketize(b *testing.B, c h264rtpCodec, file string, packetize h264rtpPacketizeFunc, marshal bool) {
	aus, n := h264rtpBenchInput(b, c, file)
	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96, SSRC: 1}
	wire := make([]byte, 0, 64<<10)
	run := func() {
		for i, au := range aus {
			batch.Reset()
			if err := packetize(&batch, &s, uint32(i)*3600, au, true); err != nil {
				b.Fatal(err)
			}
			if marshal {
				wire = wire[:0]
				for j := 0; j < batch.Len(); j++ {
					wire = batch.AppendPacket(wire, j)
				}
			}
		}
	}
	run() // grow the batch and the wire buffer outside the timer
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

func h264rtpBenchDepacketize(b *testing.B, c h264rtpCodec, file string, packetize h264rtpPacketizeFunc,
	depacketize func(*rtp.Packet) ([]h26x.RTPAccessUnit, error), reset func()) {
	aus, n := h264rtpBenchInput(b, c, file)
	var batch rtp.Batch
	var s rtp.Stream
	var wires [][]byte
	for i, au := range aus {
		batch.Reset()
		if err := packetize(&batch, &s, uint32(i)*3600, au, true); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < batch.Len(); j++ {
			wires = append(wires, batch.AppendPacket(nil, j))
		}
	}
	var pkt rtp.Packet
	run := func() {
		reset()
		count := 0
		for _, w := range wires {
			if err := pkt.Unmarshal(w); err != nil {
				b.Fatal(err)
			}
			got, err := depacketize(&pkt)
			if err != nil {
				b.Fatal(err)
			}
			count += len(got)
		}
		if count != len(aus) {
			b.Fatalf("%d access units, want %d", count, len(aus))
		}
	}
	// Twice: the two buffers the depacketizer alternates between take
	// the even and then the odd access units.
	run()
	run()
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

func BenchmarkH264Packetize(b *testing.B) {
	var p h26x.H264Packetizer
	h264rtpBenchPacketize(b, h264rtp, "h264_high_720p_4mbps_bframes.h264", p.Packetize, false)
}

// BenchmarkH264PacketizeMarshal also copies every packet's wire bytes into
// one reused buffer, to compare with packetizers that return a marshalled
// []byte per packet.
func BenchmarkH264PacketizeMarshal(b *testing.B) {
	var p h26x.H264Packetizer
	h264rtpBenchPacketize(b, h264rtp, "h264_high_720p_4mbps_bframes.h264", p.Packetize, true)
}

// BenchmarkH264Depacketize parses every packet with rtp.Packet.Unmarshal and
// reassembles the access units.
func BenchmarkH264Depacketize(b *testing.B) {
	var p h26x.H264Packetizer
	var d h26x.H264Depacketizer
	h264rtpBenchDepacketize(b, h264rtp, "h264_high_720p_4mbps_bframes.h264", p.Packetize, d.Depacketize, d.Reset)
}
