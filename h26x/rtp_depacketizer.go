package h26x

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Default limits of H264Depacketizer and H265Depacketizer. They bound the
// memory a hostile or broken stream can make a depacketizer hold: at most
// two access units of DefaultMaxAUSize each. A 4K intra picture at a high
// bit rate is a few megabytes.
const (
	DefaultMaxNALSize   = 8 << 20  // largest NAL unit kept
	DefaultMaxAUSize    = 16 << 20 // largest access unit (sum of its NAL units) kept
	DefaultMaxNALsPerAU = 4096     // most NAL units kept in one access unit
)

// Errors returned by H264Depacketizer and H265Depacketizer. Each concerns
// the packet just given; the depacketizer has already counted and dropped
// what it could not use, and goes on with the next packet.
var (
	// ErrMalformedRTPPayload means a payload is truncated or inconsistent:
	// empty, an aggregation unit longer than the packet, a fragmentation
	// unit without its header, or a payload structure nested in another.
	ErrMalformedRTPPayload = errors.New("h26x: malformed RTP payload")
	// ErrH264UnsupportedPacket means an H.264 payload of type STAP-B, MTAP16,
	// MTAP24 or FU-B (interleaved mode only, RFC 6184 §5.7-5.8) or of a
	// reserved type (0, 30, 31), which is ignored.
	ErrH264UnsupportedPacket = errors.New("h26x: unsupported H.264 RTP payload type")
	// ErrNALTooLarge means a NAL unit exceeded MaxNALSize and was dropped.
	ErrNALTooLarge = errors.New("h26x: NAL unit exceeds MaxNALSize")
	// ErrAUTooLarge means an access unit exceeded MaxAUSize or
	// MaxNALsPerAU; the NAL unit that did not fit was dropped.
	ErrAUTooLarge = errors.New("h26x: access unit exceeds MaxAUSize or MaxNALsPerAU")
)

// Errors with their detail, made once so that a stream that keeps sending
// bad packets does not make the depacketizer allocate.
var (
	errH264Empty    = fmt.Errorf("%w: empty payload", ErrMalformedRTPPayload)
	errFUNilPacket  = fmt.Errorf("%w: nil packet", ErrMalformedRTPPayload)
	errH264STAPSize = fmt.Errorf("%w: aggregation unit longer than the payload", ErrMalformedRTPPayload)
	errH264Nested   = fmt.Errorf("%w: payload structure inside an aggregation or fragmentation unit", ErrMalformedRTPPayload)
	errH264FUShort  = fmt.Errorf("%w: fragmentation unit shorter than its header", ErrMalformedRTPPayload)
	errH264STAPB    = fmt.Errorf("%w: STAP-B", ErrH264UnsupportedPacket)
	errH264MTAP     = fmt.Errorf("%w: MTAP", ErrH264UnsupportedPacket)
	errH264FUB      = fmt.Errorf("%w: FU-B", ErrH264UnsupportedPacket)
	errH264Reserved = fmt.Errorf("%w: reserved NAL unit type", ErrH264UnsupportedPacket)
	errFUType       = fmt.Errorf("%w: fragment of another NAL unit type inside a fragmented NAL unit", ErrMalformedRTPPayload)
	errFUAUSize     = fmt.Errorf("%w: size", ErrAUTooLarge)
	errFUAUCount    = fmt.Errorf("%w: NAL unit count", ErrAUTooLarge)
)

// RTPAccessUnit is an access unit reassembled from RTP packets by an
// H264Depacketizer or H265Depacketizer: the NAL units that share one RTP
// timestamp, without start codes.
type RTPAccessUnit struct {
	// Timestamp is the RTP timestamp of the packets.
	Timestamp uint32
	// NALs are the NAL units in the order received, none empty. They live in
	// the depacketizer's memory: see Depacketize for how long they stay
	// valid. Each has its capacity capped at its length, so appending to one
	// copies it rather than overwriting the next.
	NALs [][]byte
	// Damaged reports that part of the access unit is known to be missing:
	// a packet of it (or next to it) was lost, a NAL unit of it was dropped
	// (an incomplete fragmented NAL unit, one over a limit, a malformed or
	// unsupported packet). The NAL units present are whole and intact; a
	// decoder may use them or wait for the next random access point.
	Damaged bool
	// Marker reports that the access unit ended with the RTP marker bit
	// (RFC 6184 §5.1, RFC 7798 §4.1). It is false for one that ended because
	// a packet with another timestamp arrived, or because of Flush.
	Marker bool
}

// DepacketizerStats counts what a depacketizer received, lost and dropped.
type DepacketizerStats struct {
	Packets        uint64 // packets given to Depacketize
	PacketsLost    uint64 // sequence numbers skipped (a late packet that then arrives was counted here too; a restart of the numbering is not)
	PacketsLate    uint64 // duplicate or late (out-of-order) packets, discarded
	PacketsInvalid uint64 // malformed or unsupported payloads, discarded
	NALsDropped    uint64 // NAL units dropped: fragmented ones missing a fragment, over a limit
	AUs            uint64 // access units returned
	AUsDamaged     uint64 // access units returned with Damaged set
	AUsDropped     uint64 // damaged access units with no NAL unit left, not returned
}

// fuMaxMisorder is how far behind the last sequence number a packet is taken
// as late, and fuMaxDropout how far ahead as following a loss, rather than
// as a restart of the sender's numbering (RFC 3550 Appendix A.1 uses the
// same bounds).
const (
	fuMaxMisorder = 100
	fuMaxDropout  = 3000
)

// fuDepacketizer is the part of H264Depacketizer and H265Depacketizer that
// does not depend on the codec: sequence tracking, access-unit boundaries,
// reassembly of fragmented NAL units, limits and counters.
//
// Access units are assembled in two buffers used in turn, so that the one
// returned stays intact while the next one is assembled: a packet with a
// new timestamp completes one access unit and may complete the next (when it
// has the marker bit) in the same call.
type fuDepacketizer struct {
	maxNAL, maxAU, maxNALs int

	started bool
	lastSeq uint16
	markers bool // the stream has used the marker bit

	bufs    [2]fuAUBuffer
	cur     int    // index in bufs of the access unit being assembled
	inAU    bool   // an access unit is being assembled
	ts      uint32 // its timestamp
	damaged bool   // and it is damaged

	fuOpen    bool // a fragmented NAL unit is being reassembled
	fuStart   int  // where it starts in bufs[cur].data
	fuType    byte // its type
	fuDiscard bool // fragments are being discarded until the next start or end

	out   [2]RTPAccessUnit
	nout  int
	stats DepacketizerStats
}

// fuAUBuffer holds the NAL units of one access unit back to back in data;
// ends[i] is where NAL unit i ends.
type fuAUBuffer struct {
	data []byte
	ends []int
	nals [][]byte
}

func (d *fuDepacketizer) setLimits(maxNAL, maxAU, maxNALs int) {
	d.maxNAL, d.maxAU, d.maxNALs = maxNAL, maxAU, maxNALs
	if d.maxNAL <= 0 {
		d.maxNAL = DefaultMaxNALSize
	}
	if d.maxAU <= 0 {
		d.maxAU = DefaultMaxAUSize
	}
	if d.maxNALs <= 0 {
		d.maxNALs = DefaultMaxNALsPerAU
	}
}

// depacketize is Depacketize for both codecs: sequence and access-unit
// handling here, the codec's payload parsing in payload (which does not
// escape, so passing a method value allocates nothing).
func (d *fuDepacketizer) depacketize(p *rtp.Packet, maxNAL, maxAU, maxNALs int, payload func([]byte) error) ([]RTPAccessUnit, error) {
	if p == nil {
		return nil, errFUNilPacket
	}
	d.setLimits(maxNAL, maxAU, maxNALs)
	if !d.begin(p) {
		return nil, nil
	}
	err := payload(p.Payload)
	d.finish(p.Marker)
	return d.output(), err
}

// begin handles the sequence number and timestamp of p: it reports false for
// a duplicate or late packet, which must be discarded, and otherwise ends the
// current access unit when p has another timestamp and makes sure one is
// being assembled for p.
func (d *fuDepacketizer) begin(p *rtp.Packet) bool {
	d.nout = 0
	d.stats.Packets++
	lost := 0 // packets missing before p; -1 for a restart
	if d.started {
		switch delta := int16(p.SequenceNumber - d.lastSeq); {
		case delta == 1:
		case delta > 1 && delta <= fuMaxDropout:
			lost = int(delta) - 1
			d.stats.PacketsLost += uint64(lost)
		case delta <= 0 && delta > -fuMaxMisorder:
			// A duplicate or a packet overtaken by later ones: what it
			// carried has been given up for already.
			d.stats.PacketsLate++
			return false
		default:
			// Far behind or far ahead: the sender restarted its
			// numbering. The access units around are flagged, but no
			// loss is counted.
			lost = -1
		}
	}
	d.started = true
	d.lastSeq = p.SequenceNumber
	if lost != 0 {
		// RFC 6184 §5.8 and RFC 7798 §4.4.3: when a fragment is lost, the
		// rest of the fragmented NAL unit is discarded.
		if d.fuOpen {
			d.dropFU()
		} else {
			// Whatever was being discarded may have ended in the gap.
			d.fuDiscard = false
		}
		if d.inAU {
			d.damaged = true
		}
	}
	// The lost packets may have been the start of p's access unit, unless a
	// single packet is missing between an access unit that did not end with
	// the marker bit, in a stream that uses it, and p with a new timestamp:
	// then that packet was the last of the previous access unit.
	damageNext := lost != 0 && !(lost == 1 && d.inAU && p.Timestamp != d.ts && d.markers)
	if d.inAU && p.Timestamp != d.ts {
		// The marker bit was lost or is not used: a new timestamp ends the
		// access unit. A fragmented NAL unit cannot go on into the next.
		d.dropFU()
		d.emit(false)
	}
	if !d.inAU {
		d.startAU(p.Timestamp)
	}
	if damageNext {
		d.damaged = true
	}
	if p.Marker {
		d.markers = true
	}
	return true
}

// finish ends the access unit when p had the marker bit.
func (d *fuDepacketizer) finish(marker bool) {
	if marker {
		d.dropFU()
		d.emit(true)
	}
}

func (d *fuDepacketizer) startAU(ts uint32) {
	d.cur ^= 1
	b := &d.bufs[d.cur]
	b.data = b.data[:0]
	b.ends = b.ends[:0]
	d.inAU = true
	d.ts = ts
	d.damaged = false
	d.fuOpen = false
	d.fuDiscard = false
}

// emit ends the access unit being assembled and, unless it has no NAL unit,
// adds it to the output.
func (d *fuDepacketizer) emit(marker bool) {
	d.inAU = false
	b := &d.bufs[d.cur]
	if len(b.ends) == 0 {
		if d.damaged {
			d.stats.AUsDropped++
		}
		return
	}
	b.nals = b.nals[:0]
	start := 0
	for _, end := range b.ends {
		b.nals = append(b.nals, b.data[start:end:end])
		start = end
	}
	d.out[d.nout] = RTPAccessUnit{Timestamp: d.ts, NALs: b.nals, Damaged: d.damaged, Marker: marker}
	d.nout++
	d.stats.AUs++
	if d.damaged {
		d.stats.AUsDamaged++
	}
}

func (d *fuDepacketizer) output() []RTPAccessUnit { return d.out[:d.nout:d.nout] }

// flush ends the access unit being assembled, if any.
func (d *fuDepacketizer) flush() []RTPAccessUnit {
	d.nout = 0
	if d.inAU {
		d.dropFU()
		d.emit(false)
	}
	return d.output()
}

// reset forgets the stream but keeps memory and counters.
func (d *fuDepacketizer) reset() {
	d.started = false
	d.markers = false
	d.inAU = false
	d.fuOpen = false
	d.fuDiscard = false
	d.nout = 0
}

// invalid counts a payload that was discarded and marks the access unit
// damaged when the payload may have carried media.
func (d *fuDepacketizer) invalid(damage bool) {
	d.stats.PacketsInvalid++
	if damage {
		d.damaged = true
	}
}

// dropFU discards the fragmented NAL unit being reassembled, if any, and the
// fragments of it still to come.
func (d *fuDepacketizer) dropFU() {
	if !d.fuOpen {
		return
	}
	b := &d.bufs[d.cur]
	b.data = b.data[:d.fuStart]
	d.fuOpen = false
	d.fuDiscard = true
	d.stats.NALsDropped++
	d.damaged = true
}

// endFU is called for every packet that is not a fragmentation unit: RFC 6184
// §5.8 and RFC 7798 §4.4.3 send the fragments of a NAL unit with nothing
// between them, so one still open is incomplete.
func (d *fuDepacketizer) endFU() {
	d.dropFU()
	d.fuDiscard = false
}

// check reports whether n more bytes fit in the access unit, and a new NAL
// unit when newNAL is true.
func (d *fuDepacketizer) check(b *fuAUBuffer, n int, newNAL bool) error {
	switch {
	case len(b.data)+n > d.maxAU:
		return errFUAUSize
	case newNAL && len(b.ends) >= d.maxNALs:
		return errFUAUCount
	}
	return nil
}

// drop counts a NAL unit dropped for err and returns err.
func (d *fuDepacketizer) drop(err error) error {
	d.stats.NALsDropped++
	d.damaged = true
	return err
}

// addNAL adds the NAL unit made of hdr followed by body.
func (d *fuDepacketizer) addNAL(hdr, body []byte) error {
	n := len(hdr) + len(body)
	if n == 0 {
		return nil
	}
	if n > d.maxNAL {
		return d.drop(ErrNALTooLarge)
	}
	b := &d.bufs[d.cur]
	if err := d.check(b, n, true); err != nil {
		return d.drop(err)
	}
	b.data = append(b.data, hdr...)
	b.data = append(b.data, body...)
	b.ends = append(b.ends, len(b.data))
	return nil
}

// fuBegin starts reassembling a NAL unit of type typ whose rebuilt header is
// hdr and whose first fragment is frag.
func (d *fuDepacketizer) fuBegin(hdr []byte, typ byte, frag []byte) error {
	// A new start while a NAL unit is open: that one lost its end.
	d.dropFU()
	d.fuDiscard = false
	n := len(hdr) + len(frag)
	if n > d.maxNAL {
		d.fuDiscard = true
		return d.drop(ErrNALTooLarge)
	}
	b := &d.bufs[d.cur]
	if err := d.check(b, n, true); err != nil {
		d.fuDiscard = true
		return d.drop(err)
	}
	d.fuStart = len(b.data)
	b.data = append(b.data, hdr...)
	b.data = append(b.data, frag...)
	d.fuOpen = true
	d.fuType = typ
	return nil
}

// fuContinue adds a fragment that is not the first of its NAL unit; end says
// it is the last.
func (d *fuDepacketizer) fuContinue(typ byte, frag []byte, end bool) (err error) {
	if !d.fuOpen {
		// Its start was lost or dropped: count the NAL unit once.
		if !d.fuDiscard {
			d.stats.NALsDropped++
			d.damaged = true
			d.fuDiscard = true
		}
		if end {
			d.fuDiscard = false
		}
		return nil
	}
	b := &d.bufs[d.cur]
	switch {
	case typ != d.fuType:
		err = errFUType
		d.stats.PacketsInvalid++
	case len(b.data)-d.fuStart+len(frag) > d.maxNAL:
		err = ErrNALTooLarge
	default:
		err = d.check(b, len(frag), false)
	}
	if err != nil {
		d.dropFU()
		if end {
			d.fuDiscard = false
		}
		return err
	}
	b.data = append(b.data, frag...)
	if end {
		b.ends = append(b.ends, len(b.data))
		d.fuOpen = false
	}
	return nil
}
