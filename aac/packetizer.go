package aac

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Errors returned by Packetizer.
var (
	// ErrAUTooLarge is returned for an access unit that AAC-hbr's 13-bit
	// AU-size cannot describe.
	ErrAUTooLarge = errors.New("aac: access unit larger than 8191 bytes")
	// ErrEmptyAU is returned for an access unit of zero bytes, which RFC
	// 3640 §3.2 does not allow in the Access Unit Data Section.
	ErrEmptyAU = errors.New("aac: empty access unit")
	// ErrPacketSize is returned when MaxPacketSize leaves no room for one
	// byte of access unit after the RTP header and an AU-header.
	ErrPacketSize = errors.New("aac: MaxPacketSize too small")
)

// MaxAUSizeHbr is the largest access unit AAC-hbr can carry: AU-size has 13
// bits, and RFC 3640 §3.3.6 caps an AU at 8191 bytes.
const MaxAUSizeHbr = 1<<13 - 1

// DefaultFrameSamples is the duration of one AAC access unit in samples.
const DefaultFrameSamples = 1024

// hbrHeaderSize is the size of one AAC-hbr AU-header (13 + 3 bits).
const hbrHeaderSize = 2

// Packetizer turns AAC access units into RTP packets of mpeg4-generic in
// AAC-hbr mode (RFC 3640 §3.3.6: sizeLength 13, indexLength 3,
// indexDeltaLength 3).
//
// Consecutive access units share a packet while they fit; each carries a
// 16-bit AU-header with its size and an AU-Index (first) or AU-Index-delta
// (others) of 0, as they are consecutive (§3.2.1.1). An access unit that does
// not fit into a packet on its own is fragmented (§3.2.3): each fragment
// travels alone with one AU-header giving the size of the whole access unit
// and the access unit's timestamp.
//
// The RTP marker bit is set on every packet that holds complete access
// units and on the last fragment of a fragmented one (§3.1: "the RTP packet
// payload contains either the final fragment of a fragmented Access Unit or
// one or more complete Access Units").
//
// Memory: the AU-headers are written into the batch's arena, and the last
// (often the only) access unit of a packet, or a fragment, is referenced as
// the packet's body without copying. When several access units share a
// packet the data section must be contiguous, so all but the last are
// copied into the head; audio frames are a few hundred bytes, so this copy
// is cheap, and it keeps Batch's one-body-per-packet shape. The access
// units must stay unchanged while the batch is in use.
type Packetizer struct {
	// MaxPacketSize is the largest RTP packet, header included; 0 means
	// rtp.DefaultMaxPacketSize.
	MaxPacketSize int
	// FrameSamples is the duration of one access unit in RTP clock ticks;
	// 0 means 1024 (see AudioSpecificConfig.FrameSamples).
	FrameSamples uint32
}

func (p *Packetizer) maxPayload() int {
	n := p.MaxPacketSize
	if n == 0 {
		n = rtp.DefaultMaxPacketSize
	}
	return n - rtp.HeaderSize
}

func (p *Packetizer) frameSamples() uint32 {
	if p.FrameSamples == 0 {
		return DefaultFrameSamples
	}
	return p.FrameSamples
}

// Packetize appends the packets of stream s that carry aus to b. ts is the
// RTP timestamp of the first access unit; each next one is FrameSamples
// later, and a packet's timestamp is that of its first access unit. The
// access units are all checked before anything is written, so an error
// leaves b and s unchanged.
func (p *Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, aus [][]byte) error {
	maxPayload := p.maxPayload()
	// AU-headers-length, one AU-header and at least one byte of data.
	if maxPayload < 2+hbrHeaderSize+1 {
		return fmt.Errorf("%w: %d", ErrPacketSize, p.MaxPacketSize)
	}
	for i, au := range aus {
		if len(au) == 0 {
			return fmt.Errorf("access unit %d: %w", i, ErrEmptyAU)
		}
		if len(au) > MaxAUSizeHbr {
			return fmt.Errorf("access unit %d of %d bytes: %w", i, len(au), ErrAUTooLarge)
		}
	}
	dur := p.frameSamples()
	for i := 0; i < len(aus); {
		auTS := ts + uint32(i)*dur
		// One AU alone: headers length, one header, the data.
		if 2+hbrHeaderSize+len(aus[i]) > maxPayload {
			p.fragment(b, s, auTS, aus[i], maxPayload)
			i++
			continue
		}
		// Take AUs while they fit.
		size := 2 + hbrHeaderSize + len(aus[i])
		j := i + 1
		for j < len(aus) && size+hbrHeaderSize+len(aus[j]) <= maxPayload {
			size += hbrHeaderSize + len(aus[j])
			j++
		}
		p.aggregate(b, s, auTS, aus[i:j])
		i = j
	}
	return nil
}

// aggregate writes one packet holding the complete access units aus.
func (p *Packetizer) aggregate(b *rtp.Batch, s *rtp.Stream, ts uint32, aus [][]byte) {
	b.Begin(s, ts)
	n := len(aus)
	hdr := b.HeadSpace(2 + hbrHeaderSize*n)
	bits := 16 * n // AU-headers-length counts bits (§3.2.1)
	hdr[0], hdr[1] = byte(bits>>8), byte(bits)
	for k, au := range aus {
		putHbrHeader(hdr[2+hbrHeaderSize*k:], len(au))
	}
	for _, au := range aus[:n-1] {
		b.AppendHead(au...)
	}
	b.SetBody(aus[n-1])
	b.SetMarker(b.Len() - 1)
}

// fragment writes au as fragments of at most maxPayload bytes of payload.
func (p *Packetizer) fragment(b *rtp.Batch, s *rtp.Stream, ts uint32, au []byte, maxPayload int) {
	room := maxPayload - 2 - hbrHeaderSize
	for off := 0; off < len(au); off += room {
		end := min(off+room, len(au))
		b.Begin(s, ts)
		hdr := b.HeadSpace(2 + hbrHeaderSize)
		hdr[0], hdr[1] = 0, 16
		// The AU-size of a fragment is the size of the whole AU (§3.2.1.1).
		putHbrHeader(hdr[2:], len(au))
		b.SetBody(au[off:end])
		if end == len(au) {
			b.SetMarker(b.Len() - 1)
		}
	}
}

// putHbrHeader writes a 13-bit AU-size and a 3-bit AU-Index(-delta) of 0.
func putHbrHeader(dst []byte, size int) {
	v := uint16(size) << 3
	dst[0], dst[1] = byte(v>>8), byte(v)
}
