package g711

import (
	"errors"
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

// DefaultPacketDuration is the packet duration RFC 3551 §4.5 recommends
// for frame-less audio such as G.711 (and the default ptime).
const DefaultPacketDuration = 20 * time.Millisecond

// ErrPacketDuration is returned when PacketDuration is shorter than one
// sample or too long for one packet of rtp.DefaultMaxPacketSize.
var ErrPacketDuration = errors.New("g711: packet duration out of range")

// MaxPacketSamples is the most samples one packet may hold: what fits in
// rtp.DefaultMaxPacketSize after the RTP header (173 ms).
const MaxPacketSamples = rtp.DefaultMaxPacketSize - rtp.HeaderSize

// Packetizer cuts a G.711 byte stream that arrives in chunks of any size
// (an encoder hands over whatever it has) into RTP packets of exactly
// PacketDuration worth of samples: 160 bytes at the default 20 ms. The
// bytes left over after the last whole packet are copied into an internal
// buffer (smaller than one packet) and sent first with the next chunk, so
// no sample is lost or repeated and every packet's timestamp is that of its
// first sample.
//
// Each chunk comes with the RTP timestamp of its first sample. When it does
// not continue the previous chunk (a gap, or a jump back), the left-over
// samples are sent at once as a short packet and the new chunk starts a new
// run. Flush sends the left-over samples too, for example at the end of a
// stream or before a pause.
//
// Marker bit (RFC 3551 §4.1): it marks the first packet of a talkspurt,
// that is the first packet after a period in which none were sent. The
// packetizer sets it on the first packet of the stream and on the first
// packet after a timestamp discontinuity, which is how a pause in the
// source shows; continuous audio has it on the first packet only.
//
// Whole packets inside a chunk reference the chunk without copying, so the
// chunk must stay unchanged while the batch is in use; a packet that begins
// with left-over samples carries them in its head and the rest of its
// samples as its body. The zero value is ready to use.
type Packetizer struct {
	// PacketDuration is the duration of one packet; 0 means 20 ms. It is
	// rounded down to whole samples (125 µs).
	PacketDuration time.Duration

	pending   [MaxPacketSamples]byte
	npending  int
	pendingTS uint32 // timestamp of pending[0]
	nextTS    uint32 // timestamp the next chunk must have to continue
	started   bool   // a chunk was seen: nextTS is valid
	mark      bool   // the next packet starts a talkspurt
}

// PacketSamples returns the number of samples (bytes) in a full packet, or
// an error when PacketDuration is out of range.
func (p *Packetizer) PacketSamples() (int, error) {
	d := p.PacketDuration
	if d == 0 {
		d = DefaultPacketDuration
	}
	n := int64(d) * ClockRate / int64(time.Second)
	if d < 0 || n < 1 || n > MaxPacketSamples {
		return 0, fmt.Errorf("%w: %v", ErrPacketDuration, p.PacketDuration)
	}
	return int(n), nil
}

// Packetize appends to b the packets of stream s that chunk completes. ts
// is the RTP timestamp of chunk's first sample. It may append nothing when
// the samples do not yet fill a packet.
func (p *Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, chunk []byte) error {
	size, err := p.PacketSamples()
	if err != nil {
		return err
	}
	if len(chunk) == 0 {
		return nil
	}
	if !p.started || ts != p.nextTS {
		// A new run: send what is left of the old one, and mark the first
		// packet of the new one (RFC 3551 §4.1).
		p.flush(b, s)
		p.mark = true
		p.pendingTS = ts
	}
	p.started = true
	p.nextTS = ts + uint32(len(chunk))
	if p.npending >= size {
		// PacketDuration shrank since the samples were kept.
		p.flush(b, s)
	}

	if p.npending > 0 {
		need := size - p.npending
		if len(chunk) < need {
			p.npending += copy(p.pending[p.npending:], chunk)
			return nil
		}
		p.begin(b, s, p.pendingTS)
		b.AppendHead(p.pending[:p.npending]...)
		b.SetBody(chunk[:need])
		chunk = chunk[need:]
		p.pendingTS += uint32(size)
		p.npending = 0
	}
	for len(chunk) >= size {
		p.begin(b, s, p.pendingTS)
		b.SetBody(chunk[:size:size])
		chunk = chunk[size:]
		p.pendingTS += uint32(size)
	}
	p.npending = copy(p.pending[:], chunk)
	return nil
}

// Flush appends the left-over samples, if any, as one short packet.
func (p *Packetizer) Flush(b *rtp.Batch, s *rtp.Stream) {
	p.flush(b, s)
}

func (p *Packetizer) flush(b *rtp.Batch, s *rtp.Stream) {
	if p.npending == 0 {
		return
	}
	p.begin(b, s, p.pendingTS)
	b.AppendHead(p.pending[:p.npending]...)
	p.pendingTS += uint32(p.npending)
	p.npending = 0
}

// Pending returns the number of samples waiting for the next chunk.
func (p *Packetizer) Pending() int { return p.npending }

// begin starts a packet and sets the marker on the first of a run.
func (p *Packetizer) begin(b *rtp.Batch, s *rtp.Stream, ts uint32) {
	b.Begin(s, ts)
	if p.mark {
		b.SetMarker(b.Len() - 1)
		p.mark = false
	}
}
