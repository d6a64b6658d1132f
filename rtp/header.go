package rtp

import (
	"encoding/binary"
	"errors"
	"io"
)

// Version is the only RTP version this package reads and writes (RFC 3550 §5.1).
const Version = 2

// HeaderSize is the size of a fixed RTP header with no CSRC and no extension.
const HeaderSize = 12

// MaxCSRC is the largest CSRC count a header can carry (a 4-bit field).
const MaxCSRC = 15

// Errors returned by Unmarshal and MarshalTo.
var (
	ErrShortPacket   = errors.New("rtp: packet shorter than its header says")
	ErrVersion       = errors.New("rtp: version is not 2")
	ErrPadding       = errors.New("rtp: invalid padding length")
	ErrTooManyCSRC   = errors.New("rtp: more than 15 CSRC identifiers")
	ErrExtensionSize = errors.New("rtp: header extension length is not a multiple of 4 or exceeds 65535 words")
)

// Header is an RTP fixed header, its CSRC list and its optional header
// extension (RFC 3550 §5.1, §5.3.1).
type Header struct {
	// Padding is set by Unmarshal when the P bit was set. Packet.MarshalTo
	// sets the bit itself from Packet.PaddingSize; Header.MarshalTo writes it
	// as given.
	Padding        bool
	Marker         bool
	PayloadType    uint8 // 7 bits
	SequenceNumber uint16
	Timestamp      uint32
	SSRC           uint32
	// CSRC holds the contributing sources. Unmarshal reuses its capacity, so
	// a Header that is unmarshalled into repeatedly does not allocate.
	CSRC []uint32
	// Extension says a header extension follows. Its payload, without the
	// 4-byte profile/length word, is ExtensionPayload; its length must be a
	// multiple of 4. After Unmarshal it aliases the input buffer.
	Extension        bool
	ExtensionProfile uint16
	ExtensionPayload []byte
}

// MarshalSize is the number of bytes MarshalTo writes.
func (h *Header) MarshalSize() int {
	n := HeaderSize + 4*len(h.CSRC)
	if h.Extension {
		n += 4 + len(h.ExtensionPayload)
	}
	return n
}

// MarshalTo writes the header into buf and returns the bytes written.
// It returns io.ErrShortBuffer when buf is too small, ErrTooManyCSRC and
// ErrExtensionSize when the header cannot be represented. PayloadType is
// written modulo 128 (a 7-bit field).
func (h *Header) MarshalTo(buf []byte) (int, error) {
	if err := h.check(); err != nil {
		return 0, err
	}
	n := h.MarshalSize()
	if len(buf) < n {
		return 0, io.ErrShortBuffer
	}
	b0 := byte(Version<<6) | byte(len(h.CSRC))
	if h.Padding {
		b0 |= 1 << 5
	}
	if h.Extension {
		b0 |= 1 << 4
	}
	buf[0] = b0
	b1 := h.PayloadType & 0x7f
	if h.Marker {
		b1 |= 0x80
	}
	buf[1] = b1
	binary.BigEndian.PutUint16(buf[2:], h.SequenceNumber)
	binary.BigEndian.PutUint32(buf[4:], h.Timestamp)
	binary.BigEndian.PutUint32(buf[8:], h.SSRC)
	off := HeaderSize
	for _, c := range h.CSRC {
		binary.BigEndian.PutUint32(buf[off:], c)
		off += 4
	}
	if h.Extension {
		binary.BigEndian.PutUint16(buf[off:], h.ExtensionProfile)
		binary.BigEndian.PutUint16(buf[off+2:], uint16(len(h.ExtensionPayload)/4))
		off += 4
		off += copy(buf[off:], h.ExtensionPayload)
	}
	return off, nil
}

// check reports why the header cannot be marshalled, if it cannot.
func (h *Header) check() error {
	if len(h.CSRC) > MaxCSRC {
		return ErrTooManyCSRC
	}
	if h.Extension && (len(h.ExtensionPayload)%4 != 0 || len(h.ExtensionPayload) > 0xffff*4) {
		return ErrExtensionSize
	}
	return nil
}

// Unmarshal parses the header at the start of buf and returns its size.
// ExtensionPayload aliases buf; CSRC reuses its previous capacity.
func (h *Header) Unmarshal(buf []byte) (int, error) {
	if len(buf) < HeaderSize {
		return 0, ErrShortPacket
	}
	if buf[0]>>6 != Version {
		return 0, ErrVersion
	}
	h.Padding = buf[0]&(1<<5) != 0
	h.Extension = buf[0]&(1<<4) != 0
	cc := int(buf[0] & 0x0f)
	h.Marker = buf[1]&0x80 != 0
	h.PayloadType = buf[1] & 0x7f
	h.SequenceNumber = binary.BigEndian.Uint16(buf[2:])
	h.Timestamp = binary.BigEndian.Uint32(buf[4:])
	h.SSRC = binary.BigEndian.Uint32(buf[8:])
	off := HeaderSize
	if len(buf) < off+4*cc {
		return 0, ErrShortPacket
	}
	h.CSRC = h.CSRC[:0]
	for i := 0; i < cc; i++ {
		h.CSRC = append(h.CSRC, binary.BigEndian.Uint32(buf[off:]))
		off += 4
	}
	h.ExtensionProfile = 0
	h.ExtensionPayload = nil
	if h.Extension {
		if len(buf) < off+4 {
			return 0, ErrShortPacket
		}
		h.ExtensionProfile = binary.BigEndian.Uint16(buf[off:])
		extLen := int(binary.BigEndian.Uint16(buf[off+2:])) * 4
		off += 4
		if len(buf) < off+extLen {
			return 0, ErrShortPacket
		}
		h.ExtensionPayload = buf[off : off+extLen : off+extLen]
		off += extLen
	}
	return off, nil
}
