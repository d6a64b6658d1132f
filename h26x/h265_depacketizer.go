package h26x

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// ErrH265UnsupportedPacket means an H.265 payload of type 50 (PACI, RFC 7798
// §4.4.4), which is skipped, or of an unspecified type (51 to 63), which is
// ignored.
var ErrH265UnsupportedPacket = errors.New("h26x: unsupported H.265 RTP payload type")

var (
	errH265Short    = fmt.Errorf("%w: payload shorter than a 2-byte payload header", ErrMalformedRTPPayload)
	errH265APUnit   = fmt.Errorf("%w: aggregated NAL unit shorter than its 2-byte header", ErrMalformedRTPPayload)
	errH265FUShort  = fmt.Errorf("%w: fragmentation unit shorter than its 3-byte header", ErrMalformedRTPPayload)
	errH265PACI     = fmt.Errorf("%w: PACI", ErrH265UnsupportedPacket)
	errH265Reserved = fmt.Errorf("%w: unspecified type", ErrH265UnsupportedPacket)
)

// H265Depacketizer reassembles H.265 access units from RTP packets as RFC
// 7798 specifies for a single RTP stream without decoding order numbers:
// single NAL unit packets (§4.4.1), aggregation packets (§4.4.2) and
// fragmentation units (§4.4.3). PACI packets (§4.4.4) are skipped with
// ErrH265UnsupportedPacket.
//
// DONL and DOND fields are not supported: they are present only when the
// SDP signals sprop-max-don-diff greater than 0 (or sprop-depack-buf-nalus
// or sprop-depack-buf-bytes greater than 0, or several RTP streams), and a
// receiver must refuse such a session at setup. Fed such packets, the
// depacketizer misreads the 2-byte DONL as part of the NAL unit (in an FU)
// or as a NALU size (in an AP, which then usually fails with
// ErrMalformedRTPPayload); it never panics or exceeds its limits.
//
// Loss handling, limits and the validity of what it returns are those of
// H264Depacketizer. The zero value is ready to use; it is not safe for
// concurrent use.
type H265Depacketizer struct {
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
// completes, as H264Depacketizer.Depacketize does. Every NAL unit returned
// is at least 2 bytes long.
func (d *H265Depacketizer) Depacketize(p *rtp.Packet) ([]RTPAccessUnit, error) {
	return d.fu.depacketize(p, d.MaxNALSize, d.MaxAUSize, d.MaxNALsPerAU, d.payload)
}

// Flush returns the access unit being assembled, if any, as complete.
func (d *H265Depacketizer) Flush() []RTPAccessUnit { return d.fu.flush() }

// Reset forgets the stream; counters and memory are kept.
func (d *H265Depacketizer) Reset() { d.fu.reset() }

// Stats returns the counters since the depacketizer was made.
func (d *H265Depacketizer) Stats() DepacketizerStats { return d.fu.stats }

func (d *H265Depacketizer) payload(pl []byte) error {
	fu := &d.fu
	if len(pl) < h265NALHeaderSize {
		fu.endFU()
		fu.invalid(len(pl) > 0)
		return errH265Short
	}
	t := H265Type(pl)
	if t == H265NALFU {
		return d.fu265(pl)
	}
	fu.endFU()
	switch {
	case t < H265NALAP:
		// Single NAL unit packet (§4.4.1), DONL absent.
		return fu.addNAL(nil, pl)
	case t == H265NALAP:
		return d.ap(pl[apHeaderSize:])
	case t == H265NALPACI:
		fu.invalid(true)
		return errH265PACI
	default:
		fu.invalid(false)
		return errH265Reserved
	}
}

// ap adds the NAL units of an aggregation packet body (§4.4.2) without
// DONL/DOND: each behind a 16-bit size. The whole packet is checked first;
// a malformed one adds nothing. §4.4.2 requires at least two aggregation
// units, but one is accepted. Units of size 0 are skipped, and so is a
// single byte left at the end.
func (d *H265Depacketizer) ap(body []byte) error {
	fu := &d.fu
	if err := stapWalk(body, func(nal []byte) error {
		switch {
		case len(nal) < h265NALHeaderSize:
			return errH265APUnit
		case H265Type(nal) >= H265NALAP:
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

// fu265 handles a fragmentation unit (§4.4.3). The 2-byte NAL unit header is
// rebuilt from the F, LayerId and TID of the PayloadHdr and the FuType of
// the FU header.
func (d *H265Depacketizer) fu265(pl []byte) error {
	fu := &d.fu
	if len(pl) < fuH265HdrSize {
		fu.endFU()
		fu.invalid(true)
		return errH265FUShort
	}
	fh := pl[2]
	start, end := fh&0x80 != 0, fh&0x40 != 0
	typ := fh & 0x3f
	frag := pl[fuH265HdrSize:]
	if typ >= byte(H265NALAP) {
		fu.endFU()
		fu.invalid(true)
		return errH264Nested
	}
	nalHdr := [2]byte{pl[0]&0x81 | typ<<1, pl[1]}
	switch {
	case start && end:
		// §4.4.3 forbids a NAL unit in a single FU, but it is whole.
		fu.endFU()
		return fu.addNAL(nalHdr[:], frag)
	case start:
		return fu.fuBegin(nalHdr[:], typ, frag)
	default:
		return fu.fuContinue(typ, frag, end)
	}
}
