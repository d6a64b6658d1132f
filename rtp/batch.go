package rtp

import (
	"encoding/binary"
	"io"
)

// DefaultMaxPacketSize is the default largest RTP packet (header and payload)
// a packetizer writes: it fits a 1500-byte Ethernet MTU with room for IPv6,
// UDP and the 4-byte interleaved-frame header of RTSP over TCP.
const DefaultMaxPacketSize = 1400

// Stream is the sending state of one RTP stream: the fields every packet of
// it repeats and the next sequence number. Packetizers advance Seq.
type Stream struct {
	PayloadType uint8
	SSRC        uint32
	// Seq is the sequence number of the next packet; RFC 3550 §5.1 says it
	// should start at a random value.
	Seq uint16
}

type packetRef struct {
	headStart, headEnd int
	body               []byte
}

// Batch holds the packets of one media unit (a video access unit, a group of
// audio frames, a JPEG picture) as written by a packetizer. Each packet is a
// Head, which is the marshalled RTP header followed by the payload format's
// own bytes (an FU header, an AU-header section, an aggregation), kept in
// the batch's arena, and a Body that references the caller's media without
// copying. A packet on the wire is Head followed by Body, so a sender can
// hand both to writev or sendmmsg as they are.
//
// A Batch is reused with Reset; once its arena and packet list have grown to
// the size of the largest unit, packetizing into it allocates nothing. The
// media a Body references must stay unchanged while the batch is in use.
type Batch struct {
	arena []byte
	pkts  []packetRef
}

// Reset empties the batch and keeps its memory.
func (b *Batch) Reset() {
	b.arena = b.arena[:0]
	b.pkts = b.pkts[:0]
}

// Len is the number of packets in the batch.
func (b *Batch) Len() int { return len(b.pkts) }

// Head returns the RTP header and payload-format bytes of packet i.
func (b *Batch) Head(i int) []byte {
	r := b.pkts[i]
	return b.arena[r.headStart:r.headEnd:r.headEnd]
}

// Body returns the part of packet i that references the caller's media; it
// may be empty.
func (b *Batch) Body(i int) []byte { return b.pkts[i].body }

// Size returns the wire size of packet i.
func (b *Batch) Size(i int) int {
	r := b.pkts[i]
	return r.headEnd - r.headStart + len(r.body)
}

// TotalSize is the sum of the wire sizes of all packets.
func (b *Batch) TotalSize() int {
	n := 0
	for i := range b.pkts {
		n += b.Size(i)
	}
	return n
}

// AppendPacket appends the wire bytes of packet i to dst.
func (b *Batch) AppendPacket(dst []byte, i int) []byte {
	dst = append(dst, b.Head(i)...)
	return append(dst, b.pkts[i].body...)
}

// Packet parses packet i into p. p's Payload is a new contiguous copy when
// the packet has a body, so this is meant for tests and tools, not the hot
// path.
func (b *Batch) Packet(i int, p *Packet) error {
	return p.Unmarshal(b.AppendPacket(nil, i))
}

// Packets returns every packet parsed into its own Packet (allocating).
func (b *Batch) Packets() ([]*Packet, error) {
	out := make([]*Packet, b.Len())
	for i := range out {
		out[i] = &Packet{}
		if err := b.Packet(i, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Begin starts a new packet of stream s with timestamp ts and no marker: it
// writes a 12-byte RTP header and advances s.Seq. The payload format then
// adds its bytes with AppendHead and its media reference with SetBody.
func (b *Batch) Begin(s *Stream, ts uint32) {
	start := len(b.arena)
	var h [HeaderSize]byte
	h[0] = Version << 6
	h[1] = s.PayloadType & 0x7f
	binary.BigEndian.PutUint16(h[2:], s.Seq)
	binary.BigEndian.PutUint32(h[4:], ts)
	binary.BigEndian.PutUint32(h[8:], s.SSRC)
	b.arena = append(b.arena, h[:]...)
	b.pkts = append(b.pkts, packetRef{headStart: start, headEnd: len(b.arena)})
	s.Seq++
}

// AppendRaw adds a ready-made packet: head (the RTP header and any
// payload-format bytes, copied) and body (the media, referenced). With
// Head and Body of another batch it moves a packet from one batch to
// another as it is, sequence number included.
func (b *Batch) AppendRaw(head, body []byte) {
	start := len(b.arena)
	b.arena = append(b.arena, head...)
	b.pkts = append(b.pkts, packetRef{headStart: start, headEnd: len(b.arena), body: body})
}

// AppendHead appends payload-format bytes to the head of the packet begun
// last. It copies p.
func (b *Batch) AppendHead(p ...byte) {
	b.arena = append(b.arena, p...)
	b.pkts[len(b.pkts)-1].headEnd = len(b.arena)
}

// HeadSpace grows the head of the last packet by n zero bytes and returns
// them to be filled in. The returned slice aliases the arena only until the
// next call that grows the batch (Begin, AppendHead, HeadSpace), which may
// move the arena: to fill a field after appending more bytes (a length
// written after the fact), patch it through Head(Len()-1), which always
// returns the current bytes.
func (b *Batch) HeadSpace(n int) []byte {
	start := len(b.arena)
	b.arena = append(b.arena, make([]byte, n)...)
	b.pkts[len(b.pkts)-1].headEnd = len(b.arena)
	return b.arena[start:len(b.arena):len(b.arena)]
}

// SetBody sets the media reference of the packet begun last.
func (b *Batch) SetBody(body []byte) {
	b.pkts[len(b.pkts)-1].body = body
}

// SetMarker sets the RTP marker bit of packet i, typically the last packet
// of an access unit once the packetizer knows it is the last.
func (b *Batch) SetMarker(i int) {
	b.arena[b.pkts[i].headStart+1] |= 0x80
}

// Marker reports whether packet i has the marker bit.
func (b *Batch) Marker(i int) bool {
	return b.arena[b.pkts[i].headStart+1]&0x80 != 0
}

// SequenceNumber returns the sequence number of packet i.
func (b *Batch) SequenceNumber(i int) uint16 {
	return binary.BigEndian.Uint16(b.arena[b.pkts[i].headStart+2:])
}

// Timestamp returns the RTP timestamp of packet i.
func (b *Batch) Timestamp(i int) uint32 {
	return binary.BigEndian.Uint32(b.arena[b.pkts[i].headStart+4:])
}

// WriteTo writes every packet, one after the other with no framing, to w.
// It exists for tests and files; senders frame packets themselves.
func (b *Batch) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for i := range b.pkts {
		n, err := w.Write(b.Head(i))
		total += int64(n)
		if err != nil {
			return total, err
		}
		if body := b.Body(i); len(body) > 0 {
			n, err = w.Write(body)
			total += int64(n)
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}
