package rtcp

import "encoding/binary"

// ReceptionReportSize is the size of one reception report block.
const ReceptionReportSize = 24

// ReceptionReport is one report block of an SR or RR (RFC 3550 §6.4.1): what
// the reporter received from one source since its previous report.
type ReceptionReport struct {
	// SSRC is the source this block reports on.
	SSRC uint32
	// FractionLost is the fraction of packets lost since the previous
	// report, as a fixed-point number with the binary point at the left
	// (lost*256/expected).
	FractionLost uint8
	// CumulativeLost is the number of packets lost since reception began: a
	// signed 24-bit field, negative when duplicates outnumber losses.
	// MarshalTo clamps it to [-0x800000, 0x7fffff] as RFC 3550 A.3 does.
	CumulativeLost int32
	// ExtendedHighestSeq is the highest sequence number received, with the
	// count of wraps in the high 16 bits.
	ExtendedHighestSeq uint32
	// Jitter is the interarrival jitter in timestamp units (RFC 3550 A.8).
	Jitter uint32
	// LSR is the middle 32 bits of the NTP time of the last SR received
	// from the source, 0 if none.
	LSR uint32
	// DLSR is the delay since that SR was received, in 1/65536 seconds; 0
	// if none.
	DLSR uint32
}

// Cumulative-lost bounds of the signed 24-bit field.
const (
	maxCumulativeLost = 1<<23 - 1
	minCumulativeLost = -1 << 23
)

// marshalTo writes the block into buf, which holds 24 bytes.
func (r *ReceptionReport) marshalTo(buf []byte) {
	binary.BigEndian.PutUint32(buf, r.SSRC)
	lost := min(max(r.CumulativeLost, minCumulativeLost), maxCumulativeLost)
	binary.BigEndian.PutUint32(buf[4:], uint32(r.FractionLost)<<24|uint32(lost)&0xffffff)
	binary.BigEndian.PutUint32(buf[8:], r.ExtendedHighestSeq)
	binary.BigEndian.PutUint32(buf[12:], r.Jitter)
	binary.BigEndian.PutUint32(buf[16:], r.LSR)
	binary.BigEndian.PutUint32(buf[20:], r.DLSR)
}

// unmarshal parses the block in buf, which holds 24 bytes.
func (r *ReceptionReport) unmarshal(buf []byte) {
	r.SSRC = binary.BigEndian.Uint32(buf)
	r.FractionLost = buf[4]
	// Sign-extend the 24-bit field.
	r.CumulativeLost = int32(binary.BigEndian.Uint32(buf[4:])<<8) >> 8
	r.ExtendedHighestSeq = binary.BigEndian.Uint32(buf[8:])
	r.Jitter = binary.BigEndian.Uint32(buf[12:])
	r.LSR = binary.BigEndian.Uint32(buf[16:])
	r.DLSR = binary.BigEndian.Uint32(buf[20:])
}

// unmarshalReports parses count blocks at the start of body, reusing dst's
// capacity, and returns them and what follows them.
func unmarshalReports(dst []ReceptionReport, body []byte, count int) ([]ReceptionReport, []byte, error) {
	if len(body) < count*ReceptionReportSize {
		return dst, nil, ErrLength
	}
	dst = dst[:0]
	if count == 0 {
		return dst, body, nil
	}
	dst = append(dst, make([]ReceptionReport, count)...)
	for i := range dst {
		dst[i].unmarshal(body[i*ReceptionReportSize:])
	}
	return dst, body[count*ReceptionReportSize:], nil
}
