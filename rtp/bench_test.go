package rtp

import (
	"bytes"
	"testing"
	"time"
)

func benchPacket() []byte {
	p := Packet{
		Header:  Header{Marker: true, PayloadType: 96, SequenceNumber: 1, Timestamp: 2, SSRC: 3},
		Payload: bytes.Repeat([]byte{0xab}, DefaultMaxPacketSize-HeaderSize),
	}
	buf, _ := p.Marshal()
	return buf
}

func BenchmarkPacketUnmarshal(b *testing.B) {
	buf := benchPacket()
	var p Packet
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketMarshalTo(b *testing.B) {
	var p Packet
	if err := p.Unmarshal(benchPacket()); err != nil {
		b.Fatal(err)
	}
	out := make([]byte, DefaultMaxPacketSize)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.MarshalTo(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch packetizes one 1400-byte packet per iteration: Begin, a
// 2-byte payload header and a body reference.
func BenchmarkBatch(b *testing.B) {
	media := make([]byte, DefaultMaxPacketSize-HeaderSize-2)
	s := &Stream{PayloadType: 96, SSRC: 9}
	var bt Batch
	b.SetBytes(DefaultMaxPacketSize)
	b.ReportAllocs()
	for b.Loop() {
		bt.Reset()
		bt.Begin(s, 1234)
		bt.AppendHead(0x7c, 0x85)
		bt.SetBody(media)
		bt.SetMarker(0)
	}
}

func BenchmarkReorderBuffer(b *testing.B) {
	r := NewReorderBuffer(DefaultReorderWindow, 50*time.Millisecond)
	var p Packet
	if err := p.Unmarshal(benchPacket()); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.SetBytes(DefaultMaxPacketSize)
	b.ReportAllocs()
	seq := uint16(0)
	for b.Loop() {
		// Pairs swapped: 1 0 3 2 ...
		p.SequenceNumber = seq ^ 1
		_ = r.Push(&p, now)
		for {
			if _, _, ok := r.Pop(now); !ok {
				break
			}
		}
		seq++
	}
}
