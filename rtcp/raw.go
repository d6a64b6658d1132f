package rtcp

// RawPacket is a whole RTCP packet, header included, kept as bytes: APP
// (RFC 3550 §6.7), the feedback messages of RFC 4585 (RTPFB, PSFB: NACK,
// PLI, FIR...), XR and any type this package does not model. After
// Unmarshal it aliases the input.
type RawPacket []byte

// Unmarshal checks that buf is one RTCP packet (version, length, padding)
// and keeps it as is, without copying.
func (r *RawPacket) Unmarshal(buf []byte) error {
	if _, _, err := parse(buf, 0); err != nil {
		return err
	}
	*r = buf
	return nil
}

// Header returns the packet's header; it is the zero Header when the packet
// is shorter than one.
func (r RawPacket) Header() Header {
	var h Header
	if h.Unmarshal(r) != nil {
		return Header{}
	}
	return h
}

// Body returns the bytes after the header without padding, or nil when the
// packet is not valid.
func (r RawPacket) Body() []byte {
	_, body, err := parse(r, 0)
	if err != nil {
		return nil
	}
	return body
}

// MarshalSize is the length of the packet.
func (r RawPacket) MarshalSize() int { return len(r) }

// MarshalTo copies the packet into buf after checking that it is a valid
// RTCP packet.
func (r RawPacket) MarshalTo(buf []byte) (int, error) {
	if _, _, err := parse(r, 0); err != nil {
		return 0, err
	}
	if len(buf) < len(r) {
		return 0, errShortBuffer
	}
	return copy(buf, r), nil
}
