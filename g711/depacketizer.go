package g711

import (
	"errors"

	"github.com/rtspkit/rtspkit/rtp"
)

// ErrLatePacket is returned by Depacketizer for a packet whose samples have
// all been received already (a duplicate or a reordered packet).
var ErrLatePacket = errors.New("g711: late or duplicate packet")

// maxBackJump is how far back a timestamp may go and still be taken for
// a late packet rather than a restarted stream: one second.
const maxBackJump = ClockRate

// Depacketizer checks the timestamps of received G.711 packets, whose
// payload is the samples themselves. The zero value is ready to use.
type Depacketizer struct {
	next    uint32
	started bool

	// MissingSamples counts samples skipped by timestamp gaps (lost
	// packets or silence the sender did not send).
	MissingSamples uint64
	// LatePackets counts packets refused with ErrLatePacket.
	LatePackets uint64
}

// Depacketize returns the samples of p, aliasing its payload, and the
// number of samples between the end of the previous packet and the first
// of these (0 when contiguous) that the receiver may fill with silence. A
// packet that overlaps samples already returned is trimmed to the new ones;
// one with nothing new gives ErrLatePacket. A timestamp more than a second
// back is taken as a restarted stream.
func (d *Depacketizer) Depacketize(p *rtp.Packet) (samples []byte, missing uint32, err error) {
	samples = p.Payload
	ts := p.Timestamp
	if d.started {
		diff := int32(ts - d.next)
		switch {
		case diff > 0:
			missing = uint32(diff)
			d.MissingSamples += uint64(missing)
		case diff < 0 && -int64(diff) <= maxBackJump:
			old := -int64(diff)
			if old >= int64(len(samples)) {
				d.LatePackets++
				return nil, 0, ErrLatePacket
			}
			samples = samples[old:]
			ts = d.next
		}
	}
	d.started = true
	d.next = ts + uint32(len(samples))
	return samples, missing, nil
}
