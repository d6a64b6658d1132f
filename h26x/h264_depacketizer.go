package h26x

import (
	"github.com/rtspkit/rtspkit/rtp"
)

// H264Depacketizer reassembles H.264 access units from RTP packets in the
// RFC 6184 non-interleaved mode (packetization-mode 0 or 1): single NAL unit
// packets, STAP-A and FU-A. STAP-B, MTAP16, MTAP24 and FU-B belong to the
// interleaved mode and are refused with ErrH264UnsupportedPacket.
//
// It tracks sequence numbers: a duplicate or late packet is discarded, and a
// fragmented NAL unit with a fragment missing (lost, out of order, a start
// without its end or an end without its start) is dropped whole, never
// joined to another. Packets are expected in order; a jitter buffer in front
// of it can reorder them. An access unit ends at the marker bit or, when
// that is lost or not used, at the first packet with another timestamp; a
// sender that sets the marker inside an access unit (after every slice, say)
// gets each part returned as its own RTPAccessUnit with the same Timestamp.
// Its limits bound the memory a stream can make it hold. The zero value is
// ready to use; it is not safe for concurrent use.
type H264Depacketizer struct {
	// MaxNALSize is the largest NAL unit kept; 0 means DefaultMaxNALSize.
	MaxNALSize int
	// MaxAUSize is the largest access unit kept, the sum of its NAL units'
	// sizes; 0 means DefaultMaxAUSize.
	MaxAUSize int
	// MaxNALsPerAU is the most NAL units kept in one access unit; 0 means
	// DefaultMaxNALsPerAU.
	MaxNALsPerAU int

	fu fuDepacketizer
}

// Depacketize consumes one RTP packet and returns the access units it
// completes: none; one, when p has the marker bit or a new timestamp; or
// two, when p has a new timestamp and the marker bit (the previous access
// unit, then p's). The access units and their NAL units are the
// depacketizer's memory, valid until the next call to Depacketize, Flush or
// Reset; copy what must be kept longer. p's payload is copied, so its buffer
// may be reused at once.
//
// A non-nil error concerns p alone (a malformed or unsupported payload, a
// limit exceeded); the access units returned with it are valid all the same,
// and the depacketizer goes on with the next packet. Losses are not errors:
// they are counted in Stats and flagged in RTPAccessUnit.Damaged.
func (d *H264Depacketizer) Depacketize(p *rtp.Packet) ([]RTPAccessUnit, error) {
	return d.fu.depacketize(p, d.MaxNALSize, d.MaxAUSize, d.MaxNALsPerAU, d.payload)
}

// Flush returns the access unit being assembled, if any, as complete: for
// the end of a stream whose last packet had no marker bit.
func (d *H264Depacketizer) Flush() []RTPAccessUnit { return d.fu.flush() }

// Reset forgets the stream (for a new SSRC or after a seek): the access unit
// being assembled is dropped and the next packet is taken as the first.
// Counters and memory are kept.
func (d *H264Depacketizer) Reset() { d.fu.reset() }

// Stats returns the counters since the depacketizer was made.
func (d *H264Depacketizer) Stats() DepacketizerStats { return d.fu.stats }

func (d *H264Depacketizer) payload(pl []byte) error {
	fu := &d.fu
	if len(pl) == 0 {
		fu.endFU()
		fu.invalid(false)
		return errH264Empty
	}
	t := H264NALType(pl[0] & h264NALTypeMask)
	switch t {
	case H264NALFUA:
		return d.fuA(pl)
	case H264NALSTAPA:
		fu.endFU()
		return d.stapA(pl[stapAHeaderSize:])
	}
	fu.endFU()
	switch {
	case t >= H264NALSlice && t < H264NALSTAPA:
		// Single NAL unit packet (§5.6).
		return fu.addNAL(nil, pl)
	case t == H264NALSTAPB:
		fu.invalid(true)
		return errH264STAPB
	case t == H264NALMTAP16 || t == H264NALMTAP24:
		fu.invalid(true)
		return errH264MTAP
	case t == H264NALFUB:
		fu.invalid(true)
		return errH264FUB
	default:
		// 0, 30 and 31 are reserved: RFC 6184 Table 3 says to ignore them.
		fu.invalid(false)
		return errH264Reserved
	}
}

// stapA adds the NAL units of a STAP-A body (RFC 6184 §5.7.1): each behind a
// 16-bit size. The whole packet is checked first, so that a malformed one
// adds nothing. Aggregation units of size 0 are skipped, and so is a single
// byte left at the end, too short to be a size.
func (d *H264Depacketizer) stapA(body []byte) error {
	fu := &d.fu
	if err := stapWalk(body, func(nal []byte) error {
		if H264Type(nal) >= H264NALSTAPA {
			return errH264Nested
		}
		return nil
	}); err != nil {
		fu.invalid(true)
		return err
	}
	var first error
	_ = stapWalk(body, func(nal []byte) error {
		if err := fu.addNAL(nil, nal); err != nil && first == nil {
			first = err
		}
		return nil
	})
	return first
}

// stapWalk calls fn for every non-empty NAL unit of an aggregation body made
// of 16-bit sizes each followed by that many bytes, and stops at the first
// error, its own or fn's.
func stapWalk(body []byte, fn func(nal []byte) error) error {
	for len(body) >= stapSizeField {
		size := int(body[0])<<8 | int(body[1])
		body = body[stapSizeField:]
		if size > len(body) {
			return errH264STAPSize
		}
		if size > 0 {
			if err := fn(body[:size:size]); err != nil {
				return err
			}
		}
		body = body[size:]
	}
	return nil
}

// fuA handles an FU-A (RFC 6184 §5.8). The NAL unit header is rebuilt from
// the F and NRI bits of the FU indicator and the type in the FU header.
func (d *H264Depacketizer) fuA(pl []byte) error {
	fu := &d.fu
	if len(pl) < fuAHeaderSize {
		fu.endFU()
		fu.invalid(true)
		return errH264FUShort
	}
	indicator, hdr := pl[0], pl[1]
	start, end := hdr&0x80 != 0, hdr&0x40 != 0
	typ := hdr & h264NALTypeMask
	frag := pl[fuAHeaderSize:]
	if typ >= byte(H264NALSTAPA) {
		fu.endFU()
		fu.invalid(true)
		return errH264Nested
	}
	nalHdr := [1]byte{indicator&0xe0 | typ}
	switch {
	case start && end:
		// §5.8 forbids a NAL unit in a single FU, but the NAL unit is
		// whole: take it.
		fu.endFU()
		return fu.addNAL(nalHdr[:], frag)
	case start:
		return fu.fuBegin(nalHdr[:], typ, frag)
	default:
		return fu.fuContinue(typ, frag, end)
	}
}
