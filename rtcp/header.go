package rtcp

import (
	"encoding/binary"
	"errors"
	"io"
)

// Version is the only RTCP version this package reads and writes.
const Version = 2

// HeaderSize is the size of the header every RTCP packet starts with.
const HeaderSize = 4

// MaxCount is the largest value of the 5-bit count field: the most reception
// reports, SDES chunks or BYE sources one packet can carry.
const MaxCount = 31

// maxPacketSize is the largest packet the 16-bit length field can describe.
const maxPacketSize = (0xffff + 1) * 4

// Packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2).
const (
	TypeSenderReport      uint8 = 200 // SR
	TypeReceiverReport    uint8 = 201 // RR
	TypeSourceDescription uint8 = 202 // SDES
	TypeGoodbye           uint8 = 203 // BYE
	TypeApplication       uint8 = 204 // APP
	TypeTransportFeedback uint8 = 205 // RTPFB, RFC 4585
	TypePayloadFeedback   uint8 = 206 // PSFB, RFC 4585
	TypeExtendedReport    uint8 = 207 // XR, RFC 3611
)

// Errors returned when parsing and marshalling.
var (
	ErrEmpty       = errors.New("rtcp: empty compound packet")
	ErrShortPacket = errors.New("rtcp: packet shorter than its header or length field says")
	ErrVersion     = errors.New("rtcp: version is not 2")
	ErrPadding     = errors.New("rtcp: invalid padding")
	ErrLength      = errors.New("rtcp: length field inconsistent with the contents")
	ErrType        = errors.New("rtcp: packet is not of the expected type")
	ErrTooMany     = errors.New("rtcp: more than 31 reports, chunks or sources")
	ErrTooLong     = errors.New("rtcp: SDES item or BYE reason longer than 255 bytes")
	ErrItemType    = errors.New("rtcp: SDES item type 0 is the end marker")
	ErrAlignment   = errors.New("rtcp: data is not a multiple of 4 bytes")
	ErrTooLarge    = errors.New("rtcp: packet larger than the length field can describe")
)

// errShortBuffer is returned when a MarshalTo buffer is too small.
var errShortBuffer = io.ErrShortBuffer

// Packet is one RTCP packet of a compound: *SenderReport, *ReceiverReport,
// *SourceDescription, *Goodbye or RawPacket.
type Packet interface {
	// MarshalSize is the number of bytes MarshalTo writes.
	MarshalSize() int
	// MarshalTo writes the packet, header included, into buf and returns
	// the number of bytes written (io.ErrShortBuffer if buf is too small).
	MarshalTo(buf []byte) (int, error)
}

// Header is the first 32-bit word of every RTCP packet (RFC 3550 §6.4.1).
type Header struct {
	// Padding is the P bit: the packet ends with padding whose last byte is
	// its length. Only the last packet of a compound may have it.
	Padding bool
	// Count is the 5-bit field: reception reports (SR, RR), chunks (SDES),
	// sources (BYE), subtype (APP) or feedback message type (RTPFB, PSFB).
	Count uint8
	// Type is the packet type, one of the Type constants or another.
	Type uint8
	// Length is the packet's size in 32-bit words minus one, header and
	// padding included.
	Length uint16
}

// Size is the packet's size in bytes as the length field says.
func (h *Header) Size() int { return (int(h.Length) + 1) * 4 }

// Unmarshal parses the header at the start of buf. It checks the version
// only; the length against the data is checked by the packet parsers.
func (h *Header) Unmarshal(buf []byte) error {
	if len(buf) < HeaderSize {
		return ErrShortPacket
	}
	if buf[0]>>6 != Version {
		return ErrVersion
	}
	h.Padding = buf[0]&0x20 != 0
	h.Count = buf[0] & 0x1f
	h.Type = buf[1]
	h.Length = binary.BigEndian.Uint16(buf[2:])
	return nil
}

// MarshalTo writes the header into buf, which must hold 4 bytes.
func (h *Header) MarshalTo(buf []byte) (int, error) {
	if len(buf) < HeaderSize {
		return 0, errShortBuffer
	}
	if h.Count > MaxCount {
		return 0, ErrTooMany
	}
	putHeader(buf, h.Padding, h.Count, h.Type, h.Size())
	return HeaderSize, nil
}

// putHeader writes a header for a packet of size bytes (a multiple of 4).
func putHeader(buf []byte, padding bool, count, typ uint8, size int) {
	b0 := byte(Version<<6) | count&0x1f
	if padding {
		b0 |= 0x20
	}
	buf[0] = b0
	buf[1] = typ
	binary.BigEndian.PutUint16(buf[2:], uint16(size/4-1))
}

// parse checks that buf is exactly one RTCP packet, with a consistent
// length and padding, and returns its header and body: the bytes after the
// header without the padding. Typed packets need padding of whole words, as
// their contents are.
func parse(buf []byte, typ uint8) (Header, []byte, error) {
	var h Header
	if err := h.Unmarshal(buf); err != nil {
		return h, nil, err
	}
	if typ != 0 && h.Type != typ {
		return h, nil, ErrType
	}
	size := h.Size()
	if len(buf) < size {
		return h, nil, ErrShortPacket
	}
	if len(buf) > size {
		return h, nil, ErrLength
	}
	body := buf[HeaderSize:size]
	if h.Padding {
		// RFC 3550 §6.4.1: the last octet counts the padding, itself
		// included; it cannot be zero or reach into the header.
		pad := int(buf[size-1])
		if pad == 0 || pad > len(body) || (typ != 0 && pad%4 != 0) {
			return h, nil, ErrPadding
		}
		body = body[:len(body)-pad]
	}
	return h, body, nil
}

// checkSize reports an error when a packet of size bytes cannot be written
// into buf or described by the length field.
func checkSize(buf []byte, size int) error {
	if size > maxPacketSize {
		return ErrTooLarge
	}
	if len(buf) < size {
		return errShortBuffer
	}
	return nil
}
