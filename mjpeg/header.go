package mjpeg

import (
	"errors"
	"fmt"
)

// ErrInvalidPayload means an RTP/JPEG payload is shorter than its headers
// say or its fields are out of range.
var ErrInvalidPayload = errors.New("mjpeg: invalid RTP/JPEG payload")

// Sizes of the RFC 2435 payload headers.
const (
	mainHeaderSize    = 8 // §3.1
	restartHeaderSize = 4 // §3.1.7
	quantHeaderSize   = 4 // §3.1.8, without the tables
	// maxFragmentOffset is the largest 24-bit fragment offset (§3.1.2).
	maxFragmentOffset = 1<<24 - 1
	// restartCountAll is the Restart Count with F and L set that says the
	// packet's data is not aligned on restart intervals, so the receiver
	// must reassemble the whole frame (§3.1.7).
	restartCountAll = 0x3FFF
)

// Header is the RFC 2435 payload header at the start of every RTP/JPEG
// packet: the main JPEG header (§3.1), then for types 64 to 127 the Restart
// Marker header (§3.1.7), then in the packet with fragment offset 0 of a
// frame with Q 128 to 255 the Quantization Table header and its tables
// (§3.1.8).
type Header struct {
	// TypeSpecific is 0 for a progressively scanned picture; 1 and 2 mark
	// the odd and even field of an interlaced picture, 3 a single field to
	// be shown as a full frame (§4.1, types 0 and 1).
	TypeSpecific uint8
	// FragmentOffset is the offset of the packet's data in the frame's
	// entropy-coded data, 24 bits (§3.1.2).
	FragmentOffset uint32
	// Type is the RFC 2435 type (§3.1.3): 0 or 1, plus 64 with restart
	// markers; 2 to 63 are reserved and 128 to 255 dynamically defined.
	Type uint8
	// Q selects the quantization tables (§3.1.4): 1 to 99 scale the Annex K
	// tables (Appendix A), 128 to 255 are sent in the Quantization Table
	// header; 0 and 100 to 127 are reserved.
	Q uint8
	// Width and Height are in pixels, multiples of 8 up to 2040; the header
	// holds them divided by 8 (§3.1.5, §3.1.6).
	Width, Height int

	// RestartInterval, RestartFirst, RestartLast and RestartCount are the
	// Restart Marker header, present when Type is 64 to 127.
	RestartInterval           uint16
	RestartFirst, RestartLast bool
	RestartCount              uint16 // 14 bits

	// HasQuantTables says the Quantization Table header is present: the
	// fragment offset is 0 and Q is 128 or more.
	HasQuantTables bool
	// Precision has a bit per table, bit 0 for the first: set for a table
	// of 16-bit values (128 bytes), clear for 8-bit values (64 bytes).
	Precision uint8
	// QuantTables holds the tables, in zig-zag order, one after the other;
	// its length is the header's Length field, and 0 means tables sent
	// before, for the same Q (not allowed for Q 255). After Unmarshal it
	// aliases the payload.
	QuantTables []byte
}

// Size is the number of bytes AppendTo writes.
func (h *Header) Size() int {
	n := mainHeaderSize
	if h.Type >= TypeRestart && h.Type < 128 {
		n += restartHeaderSize
	}
	if h.HasQuantTables {
		n += quantHeaderSize + len(h.QuantTables)
	}
	return n
}

// Unmarshal parses the headers at the start of an RTP/JPEG payload and
// returns their size: the packet's JPEG data is payload[n:]. QuantTables
// aliases payload.
func (h *Header) Unmarshal(payload []byte) (int, error) {
	if len(payload) < mainHeaderSize {
		return 0, fmt.Errorf("%w: %d bytes", ErrInvalidPayload, len(payload))
	}
	*h = Header{
		TypeSpecific:   payload[0],
		FragmentOffset: uint32(payload[1])<<16 | uint32(payload[2])<<8 | uint32(payload[3]),
		Type:           payload[4],
		Q:              payload[5],
		Width:          int(payload[6]) * 8,
		Height:         int(payload[7]) * 8,
	}
	n := mainHeaderSize
	if h.Type >= TypeRestart && h.Type < 128 {
		if len(payload) < n+restartHeaderSize {
			return 0, fmt.Errorf("%w: restart marker header cut off", ErrInvalidPayload)
		}
		p := payload[n:]
		h.RestartInterval = uint16(p[0])<<8 | uint16(p[1])
		h.RestartFirst = p[2]&0x80 != 0
		h.RestartLast = p[2]&0x40 != 0
		h.RestartCount = uint16(p[2]&0x3F)<<8 | uint16(p[3])
		n += restartHeaderSize
	}
	if h.Q >= 128 && h.FragmentOffset == 0 {
		if len(payload) < n+quantHeaderSize {
			return 0, fmt.Errorf("%w: quantization table header cut off", ErrInvalidPayload)
		}
		p := payload[n:]
		// p[0] is MBZ; RFC 2435 gives no meaning to other values, so they
		// are ignored rather than refused.
		h.HasQuantTables = true
		h.Precision = p[1]
		length := int(p[2])<<8 | int(p[3])
		n += quantHeaderSize
		// "If the Length field in a received packet is larger than the
		// remaining number of bytes, the packet MUST be discarded" (§3.1.8).
		if length > len(payload)-n {
			return 0, fmt.Errorf("%w: quantization tables of %d bytes, %d left", ErrInvalidPayload, length, len(payload)-n)
		}
		h.QuantTables = payload[n : n+length : n+length]
		n += length
	}
	return n, nil
}

// AppendTo appends the headers to dst. Width and Height are written
// divided by 8, FragmentOffset as 24 bits and RestartCount as 14 bits; the
// restart marker header is written for Type 64 to 127 and the quantization
// table header when HasQuantTables is set.
func (h *Header) AppendTo(dst []byte) []byte {
	off := h.FragmentOffset
	dst = append(dst, h.TypeSpecific, byte(off>>16), byte(off>>8), byte(off),
		h.Type, h.Q, byte(h.Width/8), byte(h.Height/8))
	if h.Type >= TypeRestart && h.Type < 128 {
		c := byte(h.RestartCount>>8) & 0x3F
		if h.RestartFirst {
			c |= 0x80
		}
		if h.RestartLast {
			c |= 0x40
		}
		dst = append(dst, byte(h.RestartInterval>>8), byte(h.RestartInterval), c, byte(h.RestartCount))
	}
	if h.HasQuantTables {
		n := len(h.QuantTables)
		dst = append(dst, 0, h.Precision, byte(n>>8), byte(n))
		dst = append(dst, h.QuantTables...)
	}
	return dst
}
