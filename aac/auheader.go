package aac

import (
	"errors"
	"fmt"
	"math"
)

// RFC 3640 §3.2: an mpeg4-generic payload is an AU Header Section
// (AU-headers-length in bits, 16 bits, then the AU-headers padded to a
// byte), an optional Auxiliary Section, and the Access Unit Data Section.

// ErrMalformed is returned for an RTP payload that does not follow the
// signalled AU-header layout.
var ErrMalformed = errors.New("aac: malformed mpeg4-generic payload")

// maxFieldBits bounds every length parameter: fields are read 32 bits at a
// time, and nothing in MPEG-4 needs more.
const maxFieldBits = 32

// AUHeaderLayout is the set of fmtp parameters that shape the AU-headers and
// the Auxiliary Section (RFC 3640 §3.2.1, §3.2.2, §4.1). A length of 0 means
// the field is absent. Receivers need it to find the access units in a
// packet.
type AUHeaderLayout struct {
	SizeLength       int // sizeLength: bits of AU-size
	IndexLength      int // indexLength: bits of AU-Index (first header)
	IndexDeltaLength int // indexDeltaLength: bits of AU-Index-delta (later headers)
	CTSDeltaLength   int // CTSDeltaLength: CTS-flag and CTS-delta are present when > 0
	DTSDeltaLength   int // DTSDeltaLength: DTS-flag and DTS-delta are present when > 0
	// RandomAccessIndication adds a RAP-flag bit to every AU-header.
	RandomAccessIndication bool
	StreamStateIndication  int // bits of Stream-state
	// AuxiliaryDataSizeLength is the width of auxiliary-data-size; 0 means
	// no Auxiliary Section.
	AuxiliaryDataSizeLength int
	// ConstantSize is the size of every AU when SizeLength is 0.
	ConstantSize int
}

// Layouts of the two AAC modes of RFC 3640 (§3.3.5, §3.3.6).
var (
	LayoutAACHbr = AUHeaderLayout{SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3}
	LayoutAACLbr = AUHeaderLayout{SizeLength: 6, IndexLength: 2, IndexDeltaLength: 2}
)

// Validate checks that every length is within 0 to 32 bits and that AU
// sizes can be known: by SizeLength, or by ConstantSize with at least one
// AU-header field present to count the AUs.
func (l *AUHeaderLayout) Validate() error {
	for _, n := range [...]int{l.SizeLength, l.IndexLength, l.IndexDeltaLength, l.CTSDeltaLength,
		l.DTSDeltaLength, l.StreamStateIndication, l.AuxiliaryDataSizeLength} {
		if n < 0 || n > maxFieldBits {
			return fmt.Errorf("%w: AU-header field length %d", ErrFMTP, n)
		}
	}
	if l.ConstantSize < 0 {
		return fmt.Errorf("%w: constantSize %d", ErrFMTP, l.ConstantSize)
	}
	if l.SizeLength == 0 && l.ConstantSize == 0 {
		return fmt.Errorf("%w: neither sizeLength nor constantSize", ErrFMTP)
	}
	if !l.hasHeaders() {
		return fmt.Errorf("%w: empty AU-headers are not supported", ErrFMTP)
	}
	return nil
}

// hasHeaders reports whether the AU Header Section is present (§3.2.1: it
// is absent when every AU-header field has length 0).
func (l *AUHeaderLayout) hasHeaders() bool {
	return l.SizeLength > 0 || l.IndexLength > 0 || l.IndexDeltaLength > 0 ||
		l.CTSDeltaLength > 0 || l.DTSDeltaLength > 0 || l.RandomAccessIndication ||
		l.StreamStateIndication > 0
}

// auHeader is one parsed AU-header.
type auHeader struct {
	size     int
	index    uint32 // AU-Index, or AU-Index-delta for later headers
	ctsDelta int32
	hasCTS   bool
}

// parsePayload splits an mpeg4-generic payload into its AU-headers, appended
// to hdrs, and the Access Unit Data Section. It checks every length against
// the bytes present.
func (l *AUHeaderLayout) parsePayload(hdrs []auHeader, payload []byte) ([]auHeader, []byte, error) {
	if len(payload) < 2 {
		return hdrs, nil, fmt.Errorf("%w: no AU-headers-length", ErrMalformed)
	}
	bits := int(payload[0])<<8 | int(payload[1])
	nbytes := (bits + 7) / 8
	if 2+nbytes > len(payload) {
		return hdrs, nil, fmt.Errorf("%w: AU-headers-length %d bits exceeds the payload", ErrMalformed, bits)
	}
	if bits == 0 {
		return hdrs, nil, fmt.Errorf("%w: no AU-header", ErrMalformed)
	}
	r := bitReader{b: payload[2 : 2+nbytes]}
	limit := bits // r.pos must end exactly here
	for first := true; r.pos < limit; first = false {
		var h auHeader
		var err error
		if h, err = l.readHeader(&r, first); err != nil || r.pos > limit {
			return hdrs, nil, fmt.Errorf("%w: AU-header overruns AU-headers-length", ErrMalformed)
		}
		hdrs = append(hdrs, h)
	}
	rest := payload[2+nbytes:]
	if l.AuxiliaryDataSizeLength > 0 {
		ar := bitReader{b: rest}
		n, err := ar.read(l.AuxiliaryDataSizeLength)
		if err != nil {
			return hdrs, nil, fmt.Errorf("%w: auxiliary-data-size truncated", ErrMalformed)
		}
		total := (uint64(l.AuxiliaryDataSizeLength) + uint64(n) + 7) / 8
		if total > uint64(len(rest)) {
			return hdrs, nil, fmt.Errorf("%w: auxiliary data exceeds the payload", ErrMalformed)
		}
		rest = rest[total:]
	}
	return hdrs, rest, nil
}

// readHeader reads one AU-header; the first of a packet has AU-Index, the
// others AU-Index-delta (§3.2.1).
func (l *AUHeaderLayout) readHeader(r *bitReader, first bool) (auHeader, error) {
	var h auHeader
	v, err := r.read(l.SizeLength)
	if err != nil {
		return h, err
	}
	// Keep the size positive on 32-bit platforms; anything this large is
	// refused by the caller's size bound anyway.
	h.size = int(min(v, math.MaxInt32))
	if l.SizeLength == 0 {
		h.size = l.ConstantSize
	}
	n := l.IndexDeltaLength
	if first {
		n = l.IndexLength
	}
	if h.index, err = r.read(n); err != nil {
		return h, err
	}
	if l.CTSDeltaLength > 0 {
		if h.hasCTS, err = r.flag(); err != nil {
			return h, err
		}
		if h.hasCTS {
			d, err := r.read(l.CTSDeltaLength)
			if err != nil {
				return h, err
			}
			h.ctsDelta = signExtend(d, l.CTSDeltaLength)
		}
	}
	if l.DTSDeltaLength > 0 {
		f, err := r.flag()
		if err != nil {
			return h, err
		}
		if f {
			if err := r.skip(l.DTSDeltaLength); err != nil {
				return h, err
			}
		}
	}
	if l.RandomAccessIndication {
		if err := r.skip(1); err != nil {
			return h, err
		}
	}
	if err := r.skip(l.StreamStateIndication); err != nil {
		return h, err
	}
	return h, nil
}

// signExtend interprets the low n bits of v as a two's complement number
// (CTS-delta is signed, §3.2.1.1).
func signExtend(v uint32, n int) int32 {
	if n <= 0 || n >= 32 {
		return int32(v)
	}
	shift := 32 - n
	return int32(v<<shift) >> shift
}
