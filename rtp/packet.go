package rtp

import "io"

// Packet is an RTP header and its payload.
type Packet struct {
	Header
	// Payload aliases the input buffer after Unmarshal.
	Payload []byte
	// PaddingSize is the number of padding bytes (RFC 3550 §5.1: the last
	// padding byte holds the count, itself included). MarshalTo appends that
	// many bytes and sets the P bit when it is not zero; Unmarshal reports
	// what it stripped.
	PaddingSize uint8
}

// MarshalSize is the number of bytes MarshalTo writes.
func (p *Packet) MarshalSize() int {
	return p.Header.MarshalSize() + len(p.Payload) + int(p.PaddingSize)
}

// MarshalTo writes the packet into buf and returns the bytes written.
func (p *Packet) MarshalTo(buf []byte) (int, error) {
	if len(buf) < p.MarshalSize() {
		return 0, io.ErrShortBuffer
	}
	h := p.Header
	h.Padding = p.PaddingSize > 0
	n, err := h.MarshalTo(buf)
	if err != nil {
		return 0, err
	}
	n += copy(buf[n:], p.Payload)
	if p.PaddingSize > 0 {
		pad := buf[n : n+int(p.PaddingSize)]
		clear(pad)
		pad[len(pad)-1] = p.PaddingSize
		n += len(pad)
	}
	return n, nil
}

// Marshal returns the packet in a new buffer.
func (p *Packet) Marshal() ([]byte, error) {
	buf := make([]byte, p.MarshalSize())
	n, err := p.MarshalTo(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// Unmarshal parses a whole RTP packet. Payload aliases buf; padding is
// stripped and its length kept in PaddingSize.
func (p *Packet) Unmarshal(buf []byte) error {
	n, err := p.Header.Unmarshal(buf)
	if err != nil {
		return err
	}
	end := len(buf)
	p.PaddingSize = 0
	if p.Header.Padding {
		if end <= n {
			return ErrPadding
		}
		pad := int(buf[end-1])
		if pad == 0 || pad > end-n {
			return ErrPadding
		}
		p.PaddingSize = uint8(pad)
		end -= pad
	}
	p.Payload = buf[n:end:end]
	return nil
}

// Clone returns a deep copy that shares no memory with p.
func (p *Packet) Clone() *Packet {
	c := *p
	c.CSRC = append([]uint32(nil), p.CSRC...)
	if p.ExtensionPayload != nil {
		c.ExtensionPayload = append([]byte{}, p.ExtensionPayload...)
	}
	if p.Payload != nil {
		c.Payload = append([]byte{}, p.Payload...)
	}
	return &c
}
