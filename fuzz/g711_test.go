package fuzz

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/rtp"
)

const (
	// g711FuzzMaxLen is the longest stream FuzzG711Packetizer sends: room
	// for three packets of 173 ms, the longest PacketDuration.
	g711FuzzMaxLen = 3 * g711.MaxPacketSamples
	// g711FuzzMaxCuts is the most chunk descriptors it uses (they repeat).
	g711FuzzMaxCuts = 64
)

// g711Stream is the audio FuzzG711Packetizer sends: pseudo-random bytes, so
// that a sample lost, repeated or out of place changes the payloads.
var g711Stream = func() []byte {
	r := rand.New(rand.NewPCG(711, 3551))
	b := make([]byte, g711FuzzMaxLen)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// FuzzG711Packetizer sends the first length bytes (modulo g711FuzzMaxLen+1)
// of g711Stream to a Packetizer in chunks chosen by cuts: each byte of cuts
// gives a chunk length (low 7 bits, plus one) and, with its top bit, a
// timestamp jump before the chunk; the cuts repeat until the stream ends.
// The packets must carry every byte exactly once and in order, each no
// larger than a full packet and full-sized unless a discontinuity or the
// final Flush cut it, with the timestamp of its first sample and the marker
// on the first packet of each run only.
//
// The packetizer never looks at the sample values, so the fuzzer chooses
// the stream's length, not its bytes: a []byte stream of hundreds of bytes,
// whose coverage depends on its length, made the engine spend whole CI
// slices minimising each new input (O(n²) runs), and per-byte loops in the
// check made every new length look like new coverage.
func FuzzG711Packetizer(f *testing.F) {
	f.Add(uint16(1000), []byte{36, 100, 127, 0, 0, 5}, uint8(20))
	f.Add(uint16(500), []byte{0x80 | 40, 0x80 | 10, 127}, uint8(10))
	f.Add(uint16(5), []byte{}, uint8(0))
	f.Add(uint16(700), []byte{0x7F, 0xFF}, uint8(173))
	f.Add(uint16(g711FuzzMaxLen), []byte{}, uint8(173)) // three packets of 173 ms and a short one, in one chunk
	f.Add(uint16(g711FuzzMaxLen-1), []byte{0x7F, 0x7F, 0x80}, uint8(1))
	f.Fuzz(func(t *testing.T, length uint16, cuts []byte, ms uint8) {
		p := g711.Packetizer{PacketDuration: time.Duration(ms) * time.Millisecond}
		size, err := p.PacketSamples()
		if err != nil {
			if ms != 0 && ms <= 173 {
				t.Fatalf("%d ms refused: %v", ms, err)
			}
			return
		}
		data := bytes.Clone(g711Stream[:int(length)%(g711FuzzMaxLen+1)])
		cuts = cuts[:min(len(cuts), g711FuzzMaxCuts)]

		var b rtp.Batch
		s := rtp.Stream{Seq: 65000}
		ts := uint32(1<<32 - 5000)
		type chunk struct {
			off    int    // offset of its first byte in data
			ts     uint32 // and that byte's RTP timestamp
			newRun bool   // it begins a new run (the first, or after a jump)
		}
		var chunks []chunk
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
			chunks = append(chunks, chunk{off: len(data) - len(rest), ts: ts, newRun: k == 0 || jump})
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
		// sample returns the RTP timestamp of data[i] and whether it begins
		// a run.
		sample := func(i int) (uint32, bool) {
			k := sort.Search(len(chunks), func(k int) bool { return chunks[k].off > i }) - 1
			c := chunks[k]
			return c.ts + uint32(i-c.off), i == c.off && c.newRun
		}
		for i, off := range pktStart {
			end := len(payload)
			if i+1 < len(pktStart) {
				end = pktStart[i+1]
			}
			if end == off {
				t.Fatalf("packet %d is empty", i)
			}
			firstTS, runStart := sample(off)
			if pktTS[i] != firstTS {
				t.Fatalf("packet %d has timestamp %d, its first sample %d", i, pktTS[i], firstTS)
			}
			if pktMarker[i] != runStart {
				t.Fatalf("packet %d marker %v, run start %v", i, pktMarker[i], runStart)
			}
			// Short only before a new run or at the end.
			if end-off != size && end != len(payload) {
				if _, next := sample(end); !next {
					t.Fatalf("packet %d has %d samples, not %d", i, end-off, size)
				}
			}
			// Samples of one packet are contiguous in time.
			if lastTS, _ := sample(end - 1); lastTS-firstTS != uint32(end-off-1) {
				t.Fatalf("packet %d spans a discontinuity", i)
			}
		}
	})
}
