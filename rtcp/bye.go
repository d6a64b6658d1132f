package rtcp

import "encoding/binary"

// Goodbye is a BYE packet (RFC 3550 §6.6): the sources leave the session,
// optionally saying why.
type Goodbye struct {
	// Sources are up to 31 SSRC or CSRC identifiers.
	Sources []uint32
	// Reason is an optional text of up to 255 bytes; empty means none.
	Reason string
}

// MarshalSize is the number of bytes MarshalTo writes.
func (g *Goodbye) MarshalSize() int {
	n := HeaderSize + 4*len(g.Sources)
	if g.Reason != "" {
		n += (1 + len(g.Reason) + 3) &^ 3
	}
	return n
}

// MarshalTo writes the packet into buf.
func (g *Goodbye) MarshalTo(buf []byte) (int, error) {
	if len(g.Sources) > MaxCount {
		return 0, ErrTooMany
	}
	if len(g.Reason) > 255 {
		return 0, ErrTooLong
	}
	size := g.MarshalSize()
	if err := checkSize(buf, size); err != nil {
		return 0, err
	}
	putHeader(buf, false, uint8(len(g.Sources)), TypeGoodbye, size)
	off := HeaderSize
	for _, s := range g.Sources {
		binary.BigEndian.PutUint32(buf[off:], s)
		off += 4
	}
	if g.Reason != "" {
		buf[off] = byte(len(g.Reason))
		off += 1 + copy(buf[off+1:], g.Reason)
		clear(buf[off:size])
	}
	return size, nil
}

// Unmarshal parses buf, which must be exactly one BYE packet. Sources reuses
// its capacity.
func (g *Goodbye) Unmarshal(buf []byte) error {
	h, body, err := parse(buf, TypeGoodbye)
	if err != nil {
		return err
	}
	n := int(h.Count)
	if len(body) < 4*n {
		return ErrLength
	}
	rest := body[4*n:]
	reason := ""
	if len(rest) > 0 {
		// A length octet, the text, and padding to a 32-bit boundary.
		end := 1 + int(rest[0])
		if end > len(rest) || len(rest)-end >= 4 {
			return ErrLength
		}
		reason = string(rest[1:end])
	}
	g.Sources = g.Sources[:0]
	for i := range n {
		g.Sources = append(g.Sources, binary.BigEndian.Uint32(body[4*i:]))
	}
	g.Reason = reason
	return nil
}
