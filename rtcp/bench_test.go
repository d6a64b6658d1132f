package rtcp

import "testing"

func BenchmarkUnmarshalSRSDES(b *testing.B) {
	in := cat(vecSR, vecSDES)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplitReuse is the allocation-free receive path: Split and
// Unmarshal into reused values.
func BenchmarkSplitReuse(b *testing.B) {
	in := cat(vecSR, vecSDES)
	var sr SenderReport
	var sd SourceDescription
	fn := func(p []byte, typ uint8) error {
		switch typ {
		case TypeSenderReport:
			return sr.Unmarshal(p)
		case TypeSourceDescription:
			return sd.Unmarshal(p)
		}
		return nil
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Split(in, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendCompound(b *testing.B) {
	sr := &SenderReport{SSRC: 1, NTPTime: 2, RTPTime: 3, Reports: reports(1)}
	sd := NewCNAME(1, "camera@192.0.2.1")
	buf := make([]byte, 0, 1500)
	b.SetBytes(int64(CompoundSize(sr, sd)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendCompound(buf[:0], sr, sd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReceiverStatsUpdate(b *testing.B) {
	s := NewReceiverStats(90000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.Update(uint16(i), uint32(i)*3000, t0)
		i++
	}
}
