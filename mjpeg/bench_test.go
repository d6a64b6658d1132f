package mjpeg

import (
	"testing"

	"github.com/rtspkit/rtspkit/rtp"
)

func BenchmarkPacketize(b *testing.B) {
	frame := readFrames(b, file420)[0]
	var p Packetizer
	var batch rtp.Batch
	var s rtp.Stream
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		batch.Reset()
		if err := p.Packetize(&batch, &s, 0, frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketizeFrame(b *testing.B) {
	frame := readFrames(b, file420)[0]
	f, err := ParseJPEG(frame)
	if err != nil {
		b.Fatal(err)
	}
	var p Packetizer
	var batch rtp.Batch
	var s rtp.Stream
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		batch.Reset()
		if err := p.PacketizeFrame(&batch, &s, 0, &f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJPEG(b *testing.B) {
	frame := readFrames(b, file420)[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := ParseJPEG(frame); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDepacketize(b *testing.B) {
	frame := readFrames(b, file420)[0]
	pkts := packetsOf(b, frame, rtp.DefaultMaxPacketSize, 0, 0)
	var d Depacketizer
	seq := uint16(0)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		var out []byte
		for _, p := range pkts {
			p.SequenceNumber = seq
			seq++
			var err error
			if out, err = d.Depacketize(p); err != nil {
				b.Fatal(err)
			}
		}
		if out == nil {
			b.Fatal("no frame")
		}
	}
}

func BenchmarkConform(b *testing.B) {
	frame := readFrames(b, file422)[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := Conform(frame); err != nil {
			b.Fatal(err)
		}
	}
}
