package h26x

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Errors returned by H264Packetizer and H265Packetizer.
var (
	// ErrMaxPacketSize means MaxPacketSize is too small to carry a
	// fragmentation unit with one byte of payload, or larger than 65535 (the
	// most an RTSP interleaved frame can carry).
	ErrMaxPacketSize = errors.New("h26x: MaxPacketSize out of range")
	// ErrH264PacketizationType means a caller passed an H.264 NAL unit of
	// type 0 or 24 to 31. Types 24 to 29 are the RTP payload structures of
	// RFC 6184 (§5.2): a receiver would take the NAL unit for one; 0, 30
	// and 31 are reserved there, and receivers ignore them (Table 3).
	ErrH264PacketizationType = errors.New("h26x: H.264 NAL unit types 0 and 24-31 cannot be packetized")
)

var errFUNilBatch = errors.New("h26x: nil rtp.Batch or rtp.Stream")

// Sizes of the RFC 6184 payload structures.
const (
	stapAHeaderSize = 1 // STAP-A NAL unit header (§5.7.1)
	stapSizeField   = 2 // NALU size in front of each aggregated NAL unit
	fuAHeaderSize   = 2 // FU indicator and FU header (§5.8)
	fuMaxRTPPacket  = 65535
	h264rtpMinSize  = rtp.HeaderSize + fuAHeaderSize + 1
)

// H264Packetizer turns H.264 NAL units into RTP packets as RFC 6184 specifies
// for packetization-mode=1 (non-interleaved): a single NAL unit packet when a
// NAL unit fits (§5.6), a STAP-A when several consecutive small NAL units fit
// together in one packet (§5.7.1), FU-A fragments when a NAL unit is larger
// than one packet (§5.8). The zero value is ready to use; it keeps no state
// between calls, so one packetizer may serve many streams.
type H264Packetizer struct {
	// MaxPacketSize is the largest RTP packet written, header included; 0
	// means rtp.DefaultMaxPacketSize. It must be between 15 and 65535.
	MaxPacketSize int
	// DisableAggregation sends every NAL unit that fits in its own packet
	// instead of gathering small ones into STAP-A packets, for receivers
	// that mishandle aggregation.
	DisableAggregation bool
}

// Packetize appends to b the RTP packets that carry nals, NAL units without
// start codes, all with RTP timestamp ts, and advances s.Seq by one per
// packet. When endOfAU is true, the nals end an access unit and the marker
// bit is set on the last packet written (RFC 6184 §5.1), and on no other;
// an access unit may be given in several calls with endOfAU only on the
// last (a last call that writes no packet sets no marker).
//
// Single NAL unit and FU-A packets reference the NAL bytes with
// rtp.Batch.SetBody, without copying: nals must stay unchanged while b is in
// use. Only the small NAL units of a STAP-A are copied, into b's head arena.
// Once b has grown, Packetize allocates nothing.
//
// Empty NAL units are skipped. A NAL unit with the forbidden_zero_bit set is
// sent as it is. A NAL unit of type 0 or 24 to 31 is refused with
// ErrH264PacketizationType; an invalid MaxPacketSize with ErrMaxPacketSize.
// On error nothing has been appended and s is unchanged.
func (p *H264Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, endOfAU bool) error {
	if b == nil || s == nil {
		return errFUNilBatch
	}
	maxSize, err := fuPacketSize(p.MaxPacketSize, h264rtpMinSize)
	if err != nil {
		return err
	}
	for i, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		if t := nal[0] & h264NALTypeMask; t == 0 || t >= uint8(H264NALSTAPA) {
			return fmt.Errorf("%w: NAL unit %d has type %d", ErrH264PacketizationType, i, t)
		}
	}
	fuPacketize(b, s, ts, nals, endOfAU, maxSize, p.DisableAggregation, stapAHeaderSize, h264rtpSTAPA, h264rtpFUA)
	return nil
}

// fuPacketSize resolves a packetizer's MaxPacketSize (0: the default) and
// checks it against the smallest size the payload format can work with.
func fuPacketSize(size, min int) (int, error) {
	if size == 0 {
		size = rtp.DefaultMaxPacketSize
	}
	if size < min || size > fuMaxRTPPacket {
		return 0, fmt.Errorf("%w: %d (want %d to %d)", ErrMaxPacketSize, size, min, fuMaxRTPPacket)
	}
	return size, nil
}

// fuPacketize is the packetization both RFC 6184 and RFC 7798 use, on
// validated input: consecutive small NAL units in one aggregation packet
// (STAP-A or AP, written by aggregate) when at least two fit, a NAL unit
// that fits alone in a single NAL unit packet (its payload is the NAL unit
// as it is in both formats), a larger one in fragmentation units (written
// by fragment); the marker on the last packet when endOfAU.
func fuPacketize(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, endOfAU bool, maxSize int, noAggregation bool, aggHeader int,
	aggregate func(*rtp.Batch, *rtp.Stream, uint32, [][]byte), fragment func(*rtp.Batch, *rtp.Stream, uint32, []byte, int)) {
	room := maxSize - rtp.HeaderSize // payload bytes per packet
	first := b.Len()
	for i := 0; i < len(nals); {
		nal := nals[i]
		if len(nal) == 0 {
			i++
			continue
		}
		if !noAggregation {
			if end, count := apRun(nals, i, room, aggHeader); count >= 2 {
				aggregate(b, s, ts, nals[i:end])
				i = end
				continue
			}
		}
		if len(nal) <= room {
			b.Begin(s, ts)
			b.SetBody(nal)
		} else {
			fragment(b, s, ts, nal, room)
		}
		i++
	}
	if endOfAU && b.Len() > first {
		b.SetMarker(b.Len() - 1)
	}
}

// apRun returns the end of the longest run of NAL units from nals[start]
// that fits in one aggregation packet of room payload bytes: an hdr-byte
// header (1 for a STAP-A, RFC 6184 §5.7.1; 2 for an AP, RFC 7798 §4.4.2),
// then each NAL unit behind its 16-bit size. count is the number of
// non-empty NAL units in the run; an aggregation is worth sending only when
// it is at least 2.
func apRun(nals [][]byte, start, room, hdr int) (end, count int) {
	total := hdr
	end = start
	for end < len(nals) {
		n := len(nals[end])
		if n == 0 {
			end++
			continue
		}
		if n > 0xffff || total+stapSizeField+n > room {
			break
		}
		total += stapSizeField + n
		count++
		end++
	}
	return end, count
}

// h264rtpSTAPA writes one STAP-A packet (RFC 6184 §5.7.1) carrying nals,
// which apRun found to fit. The STAP-A header has F set when any NAL unit
// has F set, and the highest NRI of them (§5.3: "the value of NRI MUST be the
// maximum of all the NAL units carried in the aggregation packet").
func h264rtpSTAPA(b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte) {
	var f, nri byte
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		f |= nal[0] & 0x80
		nri = max(nri, nal[0]&0x60)
	}
	b.Begin(s, ts)
	b.AppendHead(f | nri | byte(H264NALSTAPA))
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		b.AppendHead(byte(len(nal)>>8), byte(len(nal)))
		b.AppendHead(nal...)
	}
}

// h264rtpFUA writes nal, which does not fit in room payload bytes, as FU-A
// packets (RFC 6184 §5.8). The FU indicator keeps F and NRI of the NAL unit
// with type 28; the FU header carries the NAL unit's type with S on the first
// fragment and E on the last. The NAL header byte itself is not sent: the
// fragments are nal[1:], split into parts of equal size but the last, so
// that a NAL unit a little larger than a packet does not leave a tiny one. Since len(nal) > room there are at least two
// fragments, so S and E are never set together, as §5.8 requires.
func h264rtpFUA(b *rtp.Batch, s *rtp.Stream, ts uint32, nal []byte, room int) {
	indicator := nal[0]&0xe0 | byte(H264NALFUA)
	typ := nal[0] & h264NALTypeMask
	fuFragments(b, s, ts, nal[1:], room-fuAHeaderSize, func(first, last bool) {
		hdr := typ
		if first {
			hdr |= 0x80
		}
		if last {
			hdr |= 0x40
		}
		b.AppendHead(indicator, hdr)
	})
}

// fuFragments splits data into the fewest fragments of at most chunk bytes,
// all of one size but the last, which may be smaller, and for each begins a packet, lets head write the
// payload-format header and points the body at the fragment.
func fuFragments(b *rtp.Batch, s *rtp.Stream, ts uint32, data []byte, chunk int, head func(first, last bool)) {
	n := (len(data) + chunk - 1) / chunk
	size := (len(data) + n - 1) / n
	for off := 0; off < len(data); off += size {
		end := min(off+size, len(data))
		b.Begin(s, ts)
		head(off == 0, end == len(data))
		b.SetBody(data[off:end])
	}
}
