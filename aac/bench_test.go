package aac

import (
	"testing"

	"github.com/rtspkit/rtspkit/rtp"
)

// BenchmarkPacketize packetizes every AU of the stereo sample, one AU per
// call as a server receives them, reusing one batch.
func BenchmarkPacketize(b *testing.B) {
	file := readTestdata(b, "aac_lc_stereo_44k.aac")
	aus, _, err := SplitADTS(nil, file)
	if err != nil {
		b.Fatal(err)
	}
	var p Packetizer
	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		for i := range aus {
			batch.Reset()
			if err := p.Packetize(&batch, &s, uint32(i)*1024, aus[i:i+1]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPacketizeAggregated packs five AUs per call, which copies all but
// the last of each packet into the head.
func BenchmarkPacketizeAggregated(b *testing.B) {
	file := readTestdata(b, "aac_lc_stereo_44k.aac")
	aus, _, err := SplitADTS(nil, file)
	if err != nil {
		b.Fatal(err)
	}
	var p Packetizer
	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(aus); i += 5 {
			batch.Reset()
			if err := p.Packetize(&batch, &s, uint32(i)*1024, aus[i:min(i+5, len(aus))]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkSplitADTS(b *testing.B) {
	file := readTestdata(b, "aac_lc_stereo_44k.aac")
	dst := make([][]byte, 0, 128)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, _, err = SplitADTS(dst[:0], file)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDepacketize reads back the packets of the stereo sample.
func BenchmarkDepacketize(b *testing.B) {
	file := readTestdata(b, "aac_lc_stereo_44k.aac")
	aus, _, err := SplitADTS(nil, file)
	if err != nil {
		b.Fatal(err)
	}
	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96}
	var pkts []rtp.Packet
	for i := range aus {
		batch.Reset()
		if err := (&Packetizer{}).Packetize(&batch, &s, uint32(i)*1024, aus[i:i+1]); err != nil {
			b.Fatal(err)
		}
		for k := range batch.Len() {
			var p rtp.Packet
			if err := p.Unmarshal(batch.AppendPacket(nil, k)); err != nil {
				b.Fatal(err)
			}
			pkts = append(pkts, p)
		}
	}
	var d Depacketizer
	out := make([]AU, 0, 8)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		for i := range pkts {
			out, err = d.Depacketize(out[:0], &pkts[i])
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
