package h26x

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Errors returned by H265Packetizer.
var (
	// ErrH265PacketizationType means a caller passed an H.265 NAL unit of
	// type 48 to 63. RFC 7798 uses 48 (AP), 49 (FU) and 50 (PACI) for its
	// payload structures and leaves the other unspecified types to future
	// ones: a receiver would take the NAL unit for one.
	ErrH265PacketizationType = errors.New("h26x: H.265 NAL unit types 48-63 cannot be packetized")
	// ErrH265ShortNAL means an H.265 NAL unit is shorter than its 2-byte
	// header.
	ErrH265ShortNAL = errors.New("h26x: H.265 NAL unit shorter than its 2-byte header")
)

// Sizes of the RFC 7798 payload structures.
const (
	apHeaderSize   = 2 // PayloadHdr of an AP (§4.4.2)
	fuH265HdrSize  = 3 // PayloadHdr and FU header (§4.4.3)
	h265rtpMinSize = rtp.HeaderSize + fuH265HdrSize + 1
)

// H265Packetizer turns H.265 NAL units into RTP packets as RFC 7798
// specifies, without DONL fields (sprop-max-don-diff absent or 0, a single
// RTP stream): a single NAL unit packet when a NAL unit fits (§4.4.1), an
// aggregation packet (AP) when several consecutive small NAL units fit
// together in one packet (§4.4.2), fragmentation units (FU) when a NAL unit
// is larger than one packet (§4.4.3). The zero value is ready to use; it
// keeps no state between calls.
type H265Packetizer struct {
	// MaxPacketSize is the largest RTP packet written, header included; 0
	// means rtp.DefaultMaxPacketSize. It must be between 16 and 65535.
	MaxPacketSize int
	// DisableAggregation sends every NAL unit that fits in its own packet
	// instead of gathering small ones into APs.
	DisableAggregation bool
}

// Packetize appends to b the RTP packets that carry nals, NAL units without
// start codes, all with RTP timestamp ts, and advances s.Seq by one per
// packet. When endOfAU is true the marker bit is set on the last packet
// written and on no other (RFC 7798 §4.1); an access unit may be given in
// several calls with endOfAU only on the last.
//
// Single NAL unit packets and FUs reference the NAL bytes with
// rtp.Batch.SetBody, without copying: nals must stay unchanged while b is in
// use. Only the small NAL units of an AP are copied into b's head arena.
// Once b has grown, Packetize allocates nothing.
//
// Empty NAL units are skipped. A NAL unit with the forbidden_zero_bit set, or
// with a non-zero nuh_layer_id, is sent as it is. A 1-byte NAL unit is
// refused with ErrH265ShortNAL, a NAL unit of type 48 to 63 with
// ErrH265PacketizationType, an invalid MaxPacketSize with ErrMaxPacketSize.
// On error nothing has been appended and s is unchanged.
func (p *H265Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, endOfAU bool) error {
	if b == nil || s == nil {
		return errFUNilBatch
	}
	maxSize, err := fuPacketSize(p.MaxPacketSize, h265rtpMinSize)
	if err != nil {
		return err
	}
	for i, nal := range nals {
		switch {
		case len(nal) == 0:
		case len(nal) < h265NALHeaderSize:
			return fmt.Errorf("%w: NAL unit %d", ErrH265ShortNAL, i)
		case H265Type(nal) >= H265NALAP:
			return fmt.Errorf("%w: NAL unit %d has type %d", ErrH265PacketizationType, i, H265Type(nal))
		}
	}
	fuPacketize(b, s, ts, nals, endOfAU, maxSize, p.DisableAggregation, apHeaderSize, h265rtpAP, h265rtpFU)
	return nil
}

// h265rtpAP writes one aggregation packet (RFC 7798 §4.4.2) carrying nals,
// which apRun found to fit. Its PayloadHdr follows §4.4.2: F is 1 when the F
// bit of any aggregated NAL unit is 1, Type is 48, LayerId is the lowest
// LayerId and TID the lowest TID of the aggregated NAL units. Without DONL,
// each aggregation unit is a 16-bit NALU size and the NAL unit.
func h265rtpAP(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte) {
	var f byte
	layer, tid := 0x3f, 0x7
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		f |= nal[0] & 0x80
		layer = min(layer, int(nal[0]&1)<<5|int(nal[1]>>3))
		tid = min(tid, int(nal[1]&7))
	}
	b.Begin(s, ts)
	b.AppendHead(f|byte(H265NALAP)<<1|byte(layer>>5), byte(layer&0x1f)<<3|byte(tid))
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		b.AppendHead(byte(len(nal)>>8), byte(len(nal)))
		b.AppendHead(nal...)
	}
}

// h265rtpFU writes nal, which does not fit in room payload bytes, as FUs
// (RFC 7798 §4.4.3). The PayloadHdr has Type 49 and the F, LayerId and TID
// of the NAL unit; the FU header has S on the first fragment, E on the last
// and FuType, the NAL unit's type. The 2-byte NAL unit header is not sent:
// the fragments are nal[2:]. Since len(nal) > room there are at least two
// fragments, none empty, so S and E are never set together.
func h265rtpFU(b *rtp.Batch, s *rtp.Stream, ts uint32, nal []byte, room int) {
	hdr0 := nal[0]&0x81 | byte(H265NALFU)<<1
	hdr1 := nal[1]
	typ := byte(H265Type(nal))
	fuFragments(b, s, ts, nal[h265NALHeaderSize:], room-fuH265HdrSize, func(first, last bool) {
		fh := typ
		if first {
			fh |= 0x80
		}
		if last {
			fh |= 0x40
		}
		b.AppendHead(hdr0, hdr1, fh)
	})
}
