package fuzz

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/rtp"
)

// FuzzG711Packetizer cuts data into chunks chosen by cuts and feeds them to
// a Packetizer: each byte of cuts gives a chunk length (low 7 bits, plus
// one) and, with its top bit, a timestamp jump before the chunk. The
// packets must carry every byte exactly once and in order, each no larger
// than a full packet and full-sized unless a discontinuity or the final
// Flush cut it, with the timestamp of its first sample and the marker on
// the first packet of each run only.
func FuzzG711Packetizer(f *testing.F) {
	ulaw, err := os.ReadFile("../testdata/g711_ulaw_8k.ulaw")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ulaw[:1000], []byte{36, 100, 127, 0, 0, 5}, uint8(20))
	f.Add(ulaw[:500], []byte{0x80 | 40, 0x80 | 10, 127}, uint8(10))
	f.Add([]byte("short"), []byte{}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xD5}, 700), []byte{0x7F, 0xFF}, uint8(173))
	f.Fuzz(func(t *testing.T, data, cuts []byte, ms uint8) {
		p := g711.Packetizer{PacketDuration: time.Duration(ms) * time.Millisecond}
		size, err := p.PacketSamples()
		if err != nil {
			if ms != 0 && ms <= 173 {
				t.Fatalf("%d ms refused: %v", ms, err)
			}
			return
		}
		var b rtp.Batch
		s := rtp.Stream{Seq: 65000}
		ts := uint32(1<<32 - 5000)
		var byteTS []uint32  // RTP timestamp of each input byte
		var runStart []bool  // byte begins a new run
		var payload []byte   // concatenated payloads
		var pktStart []int   // offset of each packet in payload
		var pktTS []uint32   // and its timestamp
		var pktMarker []bool // and its marker
		collect := func() {
			for i := range b.Len() {
				if b.Size(i)-rtp.HeaderSize > size {
					t.Fatalf("packet of %d bytes", b.Size(i))
				}
				pktStart = append(pktStart, len(payload))
				pktTS = append(pktTS, b.Timestamp(i))
				pktMarker = append(pktMarker, b.Marker(i))
				payload = append(payload, b.AppendPacket(nil, i)[rtp.HeaderSize:]...)
			}
			b.Reset()
		}
		rest := data
		for k := 0; len(rest) > 0; k++ {
			n, jump := len(rest), false
			if len(cuts) > 0 {
				c := cuts[k%len(cuts)]
				n, jump = min(int(c&0x7F)+1, len(rest)), c&0x80 != 0
			}
			if jump {
				ts += 12345
			}
			for i := range n {
				byteTS = append(byteTS, ts+uint32(i))
				runStart = append(runStart, i == 0 && (k == 0 || jump))
			}
			if err := p.Packetize(&b, &s, ts, rest[:n]); err != nil {
				t.Fatal(err)
			}
			collect()
			if p.Pending() >= size {
				t.Fatalf("%d samples pending with packets of %d", p.Pending(), size)
			}
			ts += uint32(n)
			rest = rest[n:]
		}
		p.Flush(&b, &s)
		collect()
		if p.Pending() != 0 {
			t.Fatal("samples pending after Flush")
		}

		if !bytes.Equal(payload, data) {
			t.Fatalf("payloads differ from the input (%d vs %d bytes)", len(payload), len(data))
		}
		for i, off := range pktStart {
			end := len(payload)
			if i+1 < len(pktStart) {
				end = pktStart[i+1]
			}
			if end == off {
				t.Fatalf("packet %d is empty", i)
			}
			if pktTS[i] != byteTS[off] {
				t.Fatalf("packet %d has timestamp %d, its first sample %d", i, pktTS[i], byteTS[off])
			}
			if pktMarker[i] != runStart[off] {
				t.Fatalf("packet %d marker %v, run start %v", i, pktMarker[i], runStart[off])
			}
			// Short only before a new run or at the end.
			if end-off != size && end != len(payload) && !runStart[end] {
				t.Fatalf("packet %d has %d samples, not %d", i, end-off, size)
			}
			// Samples of one packet are contiguous in time.
			if byteTS[end-1]-byteTS[off] != uint32(end-off-1) {
				t.Fatalf("packet %d spans a discontinuity", i)
			}
		}
	})
}
