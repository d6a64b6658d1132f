package g711

import (
	"os"
	"testing"

	"github.com/rtspkit/rtspkit/rtp"
)

// BenchmarkPacketize feeds the 2 s µ-law sample in 333-byte chunks, one
// batch per chunk as a server would.
func BenchmarkPacketize(b *testing.B) {
	data, err := os.ReadFile("../testdata/g711_ulaw_8k.ulaw")
	if err != nil {
		b.Fatal(err)
	}
	var p Packetizer
	var batch rtp.Batch
	var s rtp.Stream
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ts := uint32(0)
	for b.Loop() {
		for off := 0; off < len(data); off += 333 {
			end := min(off+333, len(data))
			batch.Reset()
			if err := p.Packetize(&batch, &s, ts, data[off:end]); err != nil {
				b.Fatal(err)
			}
			ts += uint32(end - off)
		}
	}
}

func BenchmarkEncodeMuLaw(b *testing.B) {
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = int16(i * 397)
	}
	dst := make([]byte, 0, 160)
	b.SetBytes(int64(len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendEncodeMuLaw(dst[:0], pcm)
	}
}

func BenchmarkDecodeALaw(b *testing.B) {
	enc := make([]byte, 160)
	for i := range enc {
		enc[i] = byte(i)
	}
	dst := make([]int16, 0, 160)
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendDecodeALaw(dst[:0], enc)
	}
}
