package rtcp

import (
	"fmt"
	"slices"
)

// Unmarshal splits a compound RTCP packet (one UDP datagram or one
// interleaved frame) into its packets: *SenderReport, *ReceiverReport,
// *SourceDescription, *Goodbye, and RawPacket for every other type.
//
// It validates per RFC 3550 §6.1 and Appendix A.2: every packet has version
// 2 and a length that fits the data, the lengths add up to len(buf), and
// only the last packet has padding. Unlike A.2 it does not require the
// first packet to be an SR or RR, nor an SDES CNAME: RFC 5506 allows
// reduced-size RTCP, and some cameras send a lone SDES, BYE or APP.
//
// Raw packets and report profile extensions alias buf; SDES and BYE text is
// copied. The packets allocated are bounded by len(buf).
func Unmarshal(buf []byte) ([]Packet, error) {
	n, err := split(buf, nil)
	if err != nil {
		return nil, err
	}
	pkts := make([]Packet, 0, n)
	_, err = split(buf, func(p []byte, typ uint8) error {
		i := len(pkts)
		var pk Packet
		var err error
		switch typ {
		case TypeSenderReport:
			sr := &SenderReport{}
			pk, err = sr, sr.Unmarshal(p)
		case TypeReceiverReport:
			rr := &ReceiverReport{}
			pk, err = rr, rr.Unmarshal(p)
		case TypeSourceDescription:
			sd := &SourceDescription{}
			pk, err = sd, sd.Unmarshal(p)
		case TypeGoodbye:
			bye := &Goodbye{}
			pk, err = bye, bye.Unmarshal(p)
		default:
			var raw RawPacket
			err = raw.Unmarshal(p[:len(p):len(p)])
			pk = raw
		}
		if err != nil {
			return fmt.Errorf("rtcp: packet %d of the compound (type %d): %w", i, typ, err)
		}
		pkts = append(pkts, pk)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pkts, nil
}

// Split calls fn for each packet of a compound, in order, with the packet's
// bytes (header and padding included) and type, after checking the framing
// as Unmarshal does. It parses nothing else and allocates nothing, so a
// receiver can pick the packets it wants and Unmarshal them into reused
// values. It stops at the first error fn returns.
func Split(buf []byte, fn func(pkt []byte, typ uint8) error) error {
	_, err := split(buf, fn)
	return err
}

// split checks the framing of the compound in buf, calls fn (if not nil)
// for each packet, and returns the number of packets.
func split(buf []byte, fn func([]byte, uint8) error) (int, error) {
	if len(buf) == 0 {
		return 0, ErrEmpty
	}
	n := 0
	for off := 0; off < len(buf); n++ {
		var h Header
		if err := h.Unmarshal(buf[off:]); err != nil {
			return 0, err
		}
		size := h.Size()
		if size > len(buf)-off {
			return 0, ErrShortPacket
		}
		// RFC 3550 A.2: padding only in the last packet of a compound.
		if h.Padding && off+size != len(buf) {
			return 0, ErrPadding
		}
		if fn != nil {
			if err := fn(buf[off:off+size], h.Type); err != nil {
				return 0, err
			}
		}
		off += size
	}
	return n, nil
}

// CompoundSize is the number of bytes MarshalCompoundTo writes for pkts.
func CompoundSize(pkts ...Packet) int {
	n := 0
	for _, p := range pkts {
		n += p.MarshalSize()
	}
	return n
}

// MarshalCompoundTo writes pkts one after the other into buf as one
// compound packet and returns the bytes written. RFC 3550 §6.1 wants a
// compound to start with an SR or RR and to carry an SDES CNAME; that is
// the caller's choice (RFC 5506 allows others). Only the last packet may
// have padding, which only a RawPacket can carry.
func MarshalCompoundTo(buf []byte, pkts ...Packet) (int, error) {
	if len(pkts) == 0 {
		return 0, ErrEmpty
	}
	if len(buf) < CompoundSize(pkts...) {
		return 0, errShortBuffer
	}
	off := 0
	for i, p := range pkts {
		n, err := p.MarshalTo(buf[off:])
		if err != nil {
			return 0, err
		}
		if n > 0 && buf[off]&0x20 != 0 && i != len(pkts)-1 {
			return 0, ErrPadding
		}
		off += n
	}
	return off, nil
}

// AppendCompound appends pkts as one compound packet to dst. It allocates
// only when dst lacks the capacity. On error it returns dst unchanged.
func AppendCompound(dst []byte, pkts ...Packet) ([]byte, error) {
	n := CompoundSize(pkts...)
	out := slices.Grow(dst, n)
	m, err := MarshalCompoundTo(out[len(dst):len(dst)+n], pkts...)
	if err != nil {
		return dst, err
	}
	return out[:len(dst)+m], nil
}

// MarshalCompound returns pkts as one compound packet in a new buffer.
func MarshalCompound(pkts ...Packet) ([]byte, error) {
	return AppendCompound(nil, pkts...)
}
