package fuzz

import (
	"bytes"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

// rtpSeeds are realistic RTP packets: plain, marked, with CSRCs, with an
// RFC 8285 one-byte extension, padded, and broken ones.
var rtpSeeds = [][]byte{
	{0x80, 0x60, 0x12, 0x34, 0, 0, 0x0e, 0x10, 0xca, 0xfe, 0xba, 0xbe, 0x7c, 0x85, 0x88, 0x84},
	{0x80, 0xe0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x65},
	{0x92, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x22, 0x22,
		0xbe, 0xde, 0x00, 0x01, 0x10, 0xab, 0x00, 0x00, 0x01, 0x02, 0x03},
	{0xa0, 0x08, 0x00, 0x07, 0, 0, 0, 0xa0, 0xca, 0xfe, 0xba, 0xbe, 0xaa, 0xbb, 0, 0, 3},
	{0xa0, 0x08, 0x00, 0x07, 0, 0, 0, 0xa0, 0xca, 0xfe, 0xba, 0xbe, 0xaa, 0xbb, 0, 0, 0},
	{0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0xff, 0xff},
	{0x8f, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
	{0x40, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
}

// FuzzRTPPacket parses a packet, marshals it back and requires the same
// bytes, except padding bytes before the count, which MarshalTo zeroes.
func FuzzRTPPacket(f *testing.F) {
	for _, s := range rtpSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p rtp.Packet
		if err := p.Unmarshal(data); err != nil {
			return
		}
		if p.MarshalSize() != len(data) {
			t.Fatalf("MarshalSize %d, input %d bytes", p.MarshalSize(), len(data))
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		pad := int(p.PaddingSize)
		if len(out) != len(data) ||
			!bytes.Equal(out[:len(out)-pad], data[:len(data)-pad]) ||
			(pad > 0 && out[len(out)-1] != data[len(data)-1]) {
			t.Fatalf("round trip:\n in  %x\n out %x", data, out)
		}
		var q rtp.Packet
		if err := q.Unmarshal(out); err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !bytes.Equal(q.Payload, p.Payload) || q.PaddingSize != p.PaddingSize ||
			q.SequenceNumber != p.SequenceNumber || q.Timestamp != p.Timestamp {
			t.Fatalf("re-parse differs")
		}
	})
}

// FuzzRTPHeader parses a header and requires MarshalTo to give back exactly
// the bytes it consumed.
func FuzzRTPHeader(f *testing.F) {
	for _, s := range rtpSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h rtp.Header
		n, err := h.Unmarshal(data)
		if err != nil {
			return
		}
		if n > len(data) || n != h.MarshalSize() {
			t.Fatalf("size %d, MarshalSize %d, input %d", n, h.MarshalSize(), len(data))
		}
		out := make([]byte, n)
		m, err := h.MarshalTo(out)
		if err != nil || m != n {
			t.Fatalf("marshal: %d %v", m, err)
		}
		if !bytes.Equal(out, data[:n]) {
			t.Fatalf("round trip:\n in  %x\n out %x", data[:n], out)
		}
	})
}

// FuzzRTPReorderBuffer reads its input as pairs of (control, step) bytes:
// each pushes a packet whose sequence number moves by the signed step from
// the previous one (control bit 0x01 adds a far jump), advances the clock by
// the control's high nibble in milliseconds, and sometimes flushes (0x02).
// The buffer must keep its memory bounded, never deliver a number twice in
// a row or report a negative loss, and deliver everything after a Flush.
func FuzzRTPReorderBuffer(f *testing.F) {
	f.Add(uint8(8), []byte{0x00, 1, 0x00, 2, 0x10, 0xff, 0x00, 3})
	f.Add(uint8(4), []byte{0x00, 1, 0x01, 0, 0x00, 1, 0x20, 0xf0, 0x02, 0})
	f.Add(uint8(1), []byte{0x00, 0x80, 0x00, 0x7f, 0xf0, 1, 0x00, 0})
	f.Fuzz(func(t *testing.T, window uint8, data []byte) {
		r := rtp.NewReorderBuffer(int(window), 30*time.Millisecond)
		now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		seq := uint16(65500)
		p := &rtp.Packet{Payload: []byte{1, 2, 3}}
		delivered := uint64(0)
		for i := 0; i+1 < len(data) && i < 2000; i += 2 {
			ctrl, step := data[i], int8(data[i+1])
			seq += uint16(int16(step))
			if ctrl&1 != 0 {
				seq += 20000
			}
			now = now.Add(time.Duration(ctrl>>4) * time.Millisecond)
			p.SequenceNumber = seq
			_ = r.Push(p, now)
			if ctrl&2 != 0 {
				r.Flush()
			}
			var last uint16
			first := true
			for {
				q, lost, ok := r.Pop(now)
				if !ok {
					break
				}
				if lost < 0 || (!first && q.SequenceNumber == last) {
					t.Fatalf("lost %d, seq %d after %d", lost, q.SequenceNumber, last)
				}
				if !bytes.Equal(q.Payload, p.Payload) {
					t.Fatalf("payload %x", q.Payload)
				}
				first, last = false, q.SequenceNumber
				delivered++
			}
			if r.Len() > r.Window() {
				t.Fatalf("%d buffered, window %d", r.Len(), r.Window())
			}
		}
		r.Flush()
		for {
			if _, _, ok := r.Pop(now); !ok {
				break
			}
			delivered++
		}
		if r.Len() != 0 || r.Stats().Delivered != delivered {
			t.Fatalf("left %d, delivered %d of %d", r.Len(), delivered, r.Stats().Delivered)
		}
	})
}
