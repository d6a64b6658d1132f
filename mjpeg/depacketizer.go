package mjpeg

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Errors returned by the Depacketizer.
var (
	// ErrUnsupportedType means a packet has an RFC 2435 type other than 0,
	// 1, 64 and 65: types 2 to 63 (and 66 to 127) are reserved, 128 to 255
	// need a mapping set up out of band (§3.1.3).
	ErrUnsupportedType = errors.New("mjpeg: unsupported RTP/JPEG type")
	// ErrNoQuantTables means a frame with Q 128 to 254 came without its
	// tables (Length 0) and none were received before for that Q (§3.1.8).
	ErrNoQuantTables = errors.New("mjpeg: quantization tables for this Q not received")
	// ErrFrameTooLarge means a frame's data grew past MaxFrameSize.
	ErrFrameTooLarge = errors.New("mjpeg: frame larger than MaxFrameSize")
)

// DefaultMaxFrameSize is the default bound on a frame's entropy-coded data
// in the Depacketizer: more than a 2040x2040 4:2:0 picture at the highest
// quality needs.
const DefaultMaxFrameSize = 8 << 20

// DepacketizerStats counts what a Depacketizer did.
type DepacketizerStats struct {
	// Packets is the number of packets given to Depacketize.
	Packets uint64
	// PacketsLost is the number of sequence numbers skipped (a packet that
	// arrives late is counted here too, and then as dropped).
	PacketsLost uint64
	// Frames is the number of complete frames returned.
	Frames uint64
	// FramesDropped is the number of frames begun and abandoned: a packet
	// was lost or came out of order (a sequence gap, a fragment offset that
	// does not continue, a timestamp change before the marker), a packet of
	// the frame was invalid, the frame grew past MaxFrameSize, or its
	// quantization tables were missing.
	FramesDropped uint64
	// PacketsDropped is the number of packets not used: invalid ones,
	// duplicates, and those of a frame already abandoned or whose first
	// packet never came.
	PacketsDropped uint64
	// PacketsInvalid is the number of packets refused as malformed or
	// unsupported (also counted in PacketsDropped).
	PacketsInvalid uint64
}

// quantCache holds the tables received for one Q of 128 to 254, which a
// sender may omit from later frames (§3.1.8).
type quantCache struct {
	precision uint8
	tables    []byte
}

// Depacketizer rebuilds JPEG frames from RTP/JPEG packets (RFC 2435): it
// reassembles each frame's scan data from its fragments and puts in front of
// it the headers that RFC 2435 Appendix B describes (SOI, the quantization
// tables, DRI, SOF0, the Annex K Huffman tables, SOS), and EOI after it, so
// that any baseline decoder reads the result.
//
// Packets must be given in sequence order (put a reordering buffer in front
// when the network reorders). A frame is returned only when every fragment
// arrived: a sequence gap, a fragment offset that does not continue or a
// timestamp change drops the frame being assembled, so two frames are never
// spliced. Frames of an interlaced source (Header.TypeSpecific 1 to 3) are
// returned field by field. The zero value is ready to use; a Depacketizer
// serves one RTP stream and is not safe for concurrent use.
type Depacketizer struct {
	// MaxFrameSize bounds a frame's entropy-coded data; 0 means
	// DefaultMaxFrameSize.
	MaxFrameSize int

	out       []byte // the JPEG being assembled: headers, then scan data
	scanStart int    // where the scan data starts in out
	active    bool   // a frame is being assembled
	haveSeq   bool
	seq       uint16 // sequence number of the last packet used
	haveLast  bool
	lastSeq   uint16 // highest sequence number seen, for loss counting
	ts        uint32
	ssrc      uint32
	next      uint32 // fragment offset expected next
	cur       Header // main and restart fields of the frame being assembled

	madeQ  uint8 // Q of madeTables, 0 when none
	made   [2][64]byte
	cached map[uint8]*quantCache

	stats DepacketizerStats
}

// Stats returns the counters.
func (d *Depacketizer) Stats() DepacketizerStats { return d.stats }

// Reset forgets the frame being assembled (without counting it as dropped)
// and the last sequence number, for example when the stream restarts.
// Cached quantization tables are kept.
func (d *Depacketizer) Reset() {
	d.active = false
	d.haveSeq = false
	d.haveLast = false
}

// Depacketize consumes one RTP packet. When the packet completes a frame,
// it returns the whole JPEG (SOI to EOI); the slice is reused by the next
// call, so copy it to keep it. Otherwise it returns nil.
//
// It returns an error, and uses nothing of the packet, when the payload is
// malformed (ErrInvalidPayload) or uses a type this package cannot decode
// (ErrUnsupportedType), when a frame's tables are missing
// (ErrNoQuantTables) or when the frame grows past MaxFrameSize
// (ErrFrameTooLarge); the frame being assembled is then dropped. Loss is
// not an error: it is counted in Stats.
func (d *Depacketizer) Depacketize(pkt *rtp.Packet) ([]byte, error) {
	d.stats.Packets++
	d.countLoss(pkt.SequenceNumber)
	var h Header
	n, err := h.Unmarshal(pkt.Payload)
	if err == nil {
		err = checkHeader(&h)
	}
	if err != nil {
		d.stats.PacketsInvalid++
		d.dropPacket()
		return nil, err
	}
	if d.haveSeq && pkt.SequenceNumber == d.seq && pkt.Timestamp == d.ts && pkt.SSRC == d.ssrc {
		d.stats.PacketsDropped++ // a duplicate of the last packet used
		return nil, nil
	}
	data := pkt.Payload[n:]
	if h.FragmentOffset == 0 {
		if d.active {
			d.dropFrame()
		}
		if err := d.begin(&h, pkt); err != nil {
			d.stats.FramesDropped++
			d.stats.PacketsDropped++
			return nil, err
		}
	} else if !d.active {
		d.stats.PacketsDropped++
		return nil, nil
	} else if !d.continues(&h, pkt) {
		d.dropPacket()
		return nil, nil
	}
	if d.maxFrameSize()-(len(d.out)-d.scanStart) < len(data) {
		d.dropPacket()
		return nil, fmt.Errorf("%w: more than %d bytes", ErrFrameTooLarge, d.maxFrameSize())
	}
	d.out = append(d.out, data...)
	d.next += uint32(len(data))
	d.seq, d.haveSeq = pkt.SequenceNumber, true
	if !pkt.Marker {
		return nil, nil
	}
	d.active = false
	if n := len(d.out); n-d.scanStart < 2 || d.out[n-2] != 0xFF || d.out[n-1] != markerEOI {
		d.out = append(d.out, 0xFF, markerEOI) // unless the sender sent EOI
	}
	d.stats.Frames++
	return d.out, nil
}

// maxDropout is the largest forward jump of sequence numbers counted as
// loss rather than as a restart of the sender's numbering (RFC 3550
// Appendix A.1).
const maxDropout = 3000

func (d *Depacketizer) countLoss(seq uint16) {
	if !d.haveLast {
		d.haveLast, d.lastSeq = true, seq
		return
	}
	gap := seq - d.lastSeq // packets from the last one to this one
	switch {
	case gap == 0 || gap >= 0x8000:
		return // a duplicate or a late packet
	case gap < maxDropout:
		d.stats.PacketsLost += uint64(gap - 1)
	}
	d.lastSeq = seq
}

func (d *Depacketizer) maxFrameSize() int {
	if d.MaxFrameSize > 0 {
		return d.MaxFrameSize
	}
	return DefaultMaxFrameSize
}

// dropPacket counts a packet not used and drops the frame it belonged to.
func (d *Depacketizer) dropPacket() {
	d.stats.PacketsDropped++
	if d.active {
		d.dropFrame()
	}
}

func (d *Depacketizer) dropFrame() {
	d.active = false
	d.stats.FramesDropped++
}

// checkHeader refuses what RFC 2435 reserves or this package cannot
// decode.
func checkHeader(h *Header) error {
	if h.Type >= 128 || h.Type&^TypeRestart > Type420 {
		return fmt.Errorf("%w: %d", ErrUnsupportedType, h.Type)
	}
	if h.Q == 0 || (h.Q >= 100 && h.Q < 128) {
		return fmt.Errorf("%w: reserved Q %d", ErrInvalidPayload, h.Q)
	}
	if h.Width == 0 || h.Height == 0 {
		return fmt.Errorf("%w: size %dx%d", ErrInvalidPayload, h.Width, h.Height)
	}
	if h.Type&TypeRestart != 0 && h.RestartInterval == 0 {
		// "This value MUST NOT be zero" (§3.1.7).
		return fmt.Errorf("%w: restart interval 0", ErrInvalidPayload)
	}
	if h.HasQuantTables {
		if h.Q == 255 && len(h.QuantTables) == 0 {
			// "Packets MUST NOT contain Q = 255 and Length = 0" (§3.1.8).
			return fmt.Errorf("%w: Q 255 without tables", ErrInvalidPayload)
		}
		// Types 0 and 1 use two tables: luma, then chroma (§3.1.8).
		p := h.Precision & 3
		if need := tableSize(p, 0) + tableSize(p, 1); len(h.QuantTables) != 0 && len(h.QuantTables) < need {
			return fmt.Errorf("%w: %d bytes of quantization tables, want %d", ErrInvalidPayload, len(h.QuantTables), need)
		}
	}
	return nil
}

// begin starts a frame at its first packet: it writes the JPEG headers. It
// fails only when the frame's quantization tables are unknown.
func (d *Depacketizer) begin(h *Header, pkt *rtp.Packet) error {
	var tables [2][]byte
	var precision uint8
	switch {
	case h.Q < 128:
		// Appendix A: tables derived from Q.
		if d.madeQ != h.Q {
			d.made[0], d.made[1] = MakeTables(int(h.Q))
			d.madeQ = h.Q
		}
		tables = [2][]byte{d.made[0][:], d.made[1][:]}
	case len(h.QuantTables) == 0:
		c := d.cached[h.Q]
		if c == nil {
			return fmt.Errorf("%w: Q %d", ErrNoQuantTables, h.Q)
		}
		precision = c.precision
		tables = splitTables(c.tables, precision)
	default:
		// checkHeader made sure both tables are there. Bits of Precision
		// beyond the two tables "MUST be ignored" (§3.1.8).
		precision = h.Precision & 3
		need := tableSize(precision, 0) + tableSize(precision, 1)
		tables = splitTables(h.QuantTables, precision)
		if h.Q < 255 {
			d.cache(h.Q, precision, h.QuantTables[:need])
		}
	}
	d.out = appendHeaders(d.out[:0], h.Type, h.Width, h.Height, &tables, precision, h.RestartInterval)
	d.scanStart = len(d.out)
	d.active = true
	d.cur = *h
	d.cur.QuantTables = nil // it aliases the packet
	d.ts, d.ssrc = pkt.Timestamp, pkt.SSRC
	d.next = 0
	return nil
}

// continues reports whether a packet with a non-zero fragment offset is
// the next fragment of the frame being assembled.
func (d *Depacketizer) continues(h *Header, pkt *rtp.Packet) bool {
	c := &d.cur
	return pkt.SequenceNumber == d.seq+1 && pkt.Timestamp == d.ts && pkt.SSRC == d.ssrc &&
		h.FragmentOffset == d.next &&
		h.Type == c.Type && h.Q == c.Q && h.Width == c.Width && h.Height == c.Height &&
		h.TypeSpecific == c.TypeSpecific && h.RestartInterval == c.RestartInterval
}

func (d *Depacketizer) cache(q, precision uint8, tables []byte) {
	if d.cached == nil {
		d.cached = make(map[uint8]*quantCache)
	}
	c := d.cached[q]
	if c == nil {
		c = &quantCache{}
		d.cached[q] = c
	}
	c.precision = precision
	c.tables = append(c.tables[:0], tables...)
}

// tableSize is the size of table i given the Precision bits.
func tableSize(precision uint8, i int) int {
	return 64 << (precision >> i & 1)
}

func splitTables(b []byte, precision uint8) [2][]byte {
	n0 := tableSize(precision, 0)
	n1 := tableSize(precision, 1)
	return [2][]byte{b[:n0:n0], b[n0 : n0+n1 : n0+n1]}
}
