package aac

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// ErrLatePacket is returned by Depacketizer for a packet whose sequence
// number is not after the previous one (duplicated or reordered); it is
// ignored.
var ErrLatePacket = errors.New("aac: late or duplicate RTP packet")

// DefaultMaxAUSize bounds a reassembled access unit when
// Depacketizer.MaxAUSize is 0. AAC-hbr cannot exceed 8191 bytes.
const DefaultMaxAUSize = 1 << 16

// AU is one access unit with the RTP timestamp of its first sample.
type AU struct {
	Timestamp uint32
	Data      []byte
}

// Depacketizer turns RTP packets of mpeg4-generic (RFC 3640) back into
// access units. Packets are expected in sequence-number order; a receiver
// that reorders does so before.
//
// Access units that a packet holds whole are returned aliasing the packet's
// payload. A fragmented access unit (§3.2.3) is gathered in an internal
// buffer and returned when its last byte arrives, aliasing that buffer until
// the next call. A fragmented access unit is dropped, never spliced, when a
// sequence gap falls inside it, when it is preceded by a gap (its first
// fragment may have been the lost packet; the one exception is a single
// lost packet that must have been the previous access unit's last
// fragment), when its fragments disagree on timestamp or size, or when the
// packet with the marker leaves it short.
//
// Timestamps: the first access unit of a packet has the packet's timestamp;
// later ones add FrameSamples times their AU-Index distance (AU-Index-delta
// + 1, §3.2.1.1), or the CTS-delta when the layout has one. Interleaved
// streams get correct timestamps but are returned in packet order, not
// de-interleaved.
type Depacketizer struct {
	// Layout is the AU-header layout from the fmtp line; the zero value
	// means AAC-hbr (13/3/3). Use ParseFMTP to obtain it.
	Layout AUHeaderLayout
	// FrameSamples is the duration of one access unit in RTP clock ticks
	// (constantDuration); 0 means 1024.
	FrameSamples uint32
	// MaxAUSize bounds access units; 0 means DefaultMaxAUSize.
	MaxAUSize int

	// LostPackets counts packets missing from the sequence.
	LostPackets uint64
	// DroppedAUs counts fragmented access units discarded as incomplete.
	DroppedAUs uint64
	// LatePackets counts packets ignored with ErrLatePacket.
	LatePackets uint64

	hdrs     []auHeader
	haveSeq  bool
	lastSeq  uint16
	frag     []byte
	fragSize int
	fragTS   uint32
	fragOn   bool
	skipOn   bool // discarding the fragments of skipTS
	skipTS   uint32
}

// maxMisorder is how far back a sequence number may be and still count as
// reordered rather than as a restarted sequence (RFC 3550 A.1 uses 100).
const maxMisorder = 100

// Reset forgets the sequence and any partial access unit; counters and
// settings are kept.
func (d *Depacketizer) Reset() {
	d.haveSeq, d.fragOn, d.skipOn = false, false, false
}

func (d *Depacketizer) layout() *AUHeaderLayout {
	if d.Layout == (AUHeaderLayout{}) {
		return &LayoutAACHbr
	}
	return &d.Layout
}

// Depacketize appends the access units that packet p completes to dst. A
// packet that only carries part of a fragmented access unit appends
// nothing. On a malformed payload it returns dst unchanged and an error
// wrapping ErrMalformed; the next packets are still read.
func (d *Depacketizer) Depacketize(dst []AU, p *rtp.Packet) ([]AU, error) {
	l := d.layout()
	if err := l.Validate(); err != nil {
		return dst, err
	}
	seq := p.SequenceNumber
	gap := false
	if d.haveSeq {
		switch delta := int16(seq - d.lastSeq); {
		case delta <= 0 && delta > -maxMisorder:
			d.LatePackets++
			return dst, ErrLatePacket
		case delta <= 0:
			// A jump far back: the sender restarted its sequence
			// (RFC 3550 A.1 reasons the same way); start over from here.
			gap = true
			d.dropFragment()
		case delta == 2 && d.fragOn:
			// One packet lost while a fragmented AU was open. That AU
			// needed at least one more packet and its packets precede
			// the next AU's, so the lost packet was its own: a packet
			// with another timestamp starts a new AU cleanly.
			d.LostPackets++
			d.dropFragment()
			gap = p.Timestamp == d.skipTS
		case delta > 1:
			gap = true
			d.LostPackets += uint64(delta - 1)
			d.dropFragment()
		}
	}
	d.haveSeq, d.lastSeq = true, seq

	var data []byte
	var err error
	d.hdrs, data, err = l.parsePayload(d.hdrs[:0], p.Payload)
	if err != nil {
		d.dropFragment()
		return dst, err
	}
	maxAU := d.MaxAUSize
	if maxAU <= 0 {
		maxAU = DefaultMaxAUSize
	}
	if len(d.hdrs) == 1 && d.hdrs[0].size > len(data) {
		return d.fragment(dst, p, d.hdrs[0].size, data, gap, maxAU)
	}

	// Complete access units.
	d.dropFragment()
	d.skipOn = false
	total := 0
	for _, h := range d.hdrs {
		if h.size > maxAU {
			return dst, fmt.Errorf("%w: AU of %d bytes exceeds %d", ErrMalformed, h.size, maxAU)
		}
		total += h.size
	}
	if total > len(data) {
		return dst, fmt.Errorf("%w: AU-sizes total %d bytes, data section has %d", ErrMalformed, total, len(data))
	}
	dur := d.FrameSamples
	if dur == 0 {
		dur = DefaultFrameSamples
	}
	n0 := len(dst)
	var index uint32
	off := 0
	for k, h := range d.hdrs {
		if k > 0 {
			index += h.index + 1 // AU-Index-delta (§3.2.1.1)
		}
		ts := p.Timestamp + index*dur
		if h.hasCTS {
			ts = p.Timestamp + uint32(h.ctsDelta)
		}
		if h.size == 0 {
			continue // nothing to decode; not an error
		}
		dst = append(dst, AU{Timestamp: ts, Data: data[off : off+h.size : off+h.size]})
		off += h.size
	}
	if len(dst) == n0 {
		return dst, fmt.Errorf("%w: no access unit data", ErrMalformed)
	}
	return dst, nil
}

// fragment handles a packet carrying one fragment of an AU of size bytes.
func (d *Depacketizer) fragment(dst []AU, p *rtp.Packet, size int, data []byte, gap bool, maxAU int) ([]AU, error) {
	ts := p.Timestamp
	if d.fragOn && (ts != d.fragTS || size != d.fragSize) {
		// A new AU began without the old one ending.
		d.dropFragment()
	}
	if d.skipOn && ts == d.skipTS {
		return dst, nil
	}
	d.skipOn = false
	if !d.fragOn {
		if size > maxAU {
			d.startSkip(ts)
			return dst, fmt.Errorf("%w: fragmented AU of %d bytes exceeds %d", ErrMalformed, size, maxAU)
		}
		if gap {
			// The lost packet may have been this AU's first fragment.
			d.startSkip(ts)
			return dst, nil
		}
		d.fragOn, d.fragTS, d.fragSize = true, ts, size
		d.frag = d.frag[:0]
	}
	if len(d.frag)+len(data) > d.fragSize {
		d.dropFragment()
		return dst, fmt.Errorf("%w: fragments exceed AU-size %d", ErrMalformed, size)
	}
	d.frag = append(d.frag, data...)
	if len(d.frag) == d.fragSize {
		d.fragOn = false
		return append(dst, AU{Timestamp: ts, Data: d.frag[:len(d.frag):len(d.frag)]}), nil
	}
	if p.Marker {
		// The last fragment came and the AU is still short: we joined in
		// the middle or the sender lied.
		d.dropFragment()
	}
	return dst, nil
}

// dropFragment discards a partial AU, counts it, and ignores its remaining
// fragments.
func (d *Depacketizer) dropFragment() {
	if d.fragOn {
		d.fragOn = false
		d.DroppedAUs++
		d.skipOn, d.skipTS = true, d.fragTS
	}
}

// startSkip discards every fragment with timestamp ts.
func (d *Depacketizer) startSkip(ts uint32) {
	d.DroppedAUs++
	d.skipOn, d.skipTS = true, ts
}
