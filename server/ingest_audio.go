package server

import (
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
)

// Audio timestamps count samples: each unit starts where the previous one
// ended, as receivers expect, whatever the jitter of the caller's calls. The
// clock rule's timestamp only moves them when it is further ahead than
// audioGap (the source really paused: a gap the receiver should hear), or
// the count has run more than audioLead ahead of it (a source faster than
// real time). Bursts after a stall, as from an encoder that was held up, stay
// gapless.
const (
	audioGap  = time.Second
	audioLead = 2 * time.Second
)

// continuous returns the RTP timestamp of an audio unit: next, the end of
// the previous unit, unless the clock rule's ts says otherwise (see above).
func continuous(t *trackClock, started bool, next, ts uint32) uint32 {
	if !started {
		return ts
	}
	d := int64(int32(ts - next)) // > 0: the clock is ahead of the count
	gap := int64(t.rate) * int64(audioGap) / int64(time.Second)
	lead := int64(t.rate) * int64(audioLead) / int64(time.Second)
	if d > gap || d < -lead {
		return ts
	}
	return next
}

// g711Ingest sends G.711 bytes (µ-law or A-law, 8 kHz mono) of any chunk
// size in packets of exactly 20 ms.
type g711Ingest struct {
	f       format.Format
	p       format.Packetizer // the format layer's
	unit    format.Frame
	next    uint32
	started bool
}

// newG711Ingest returns the ingest of PCMU or PCMA audio.
func newG711Ingest(codec format.Codec) *g711Ingest {
	in := &g711Ingest{}
	in.f, _ = format.NewG711(codec) // codec is PCMU or PCMA (newMount)
	in.p, _ = in.f.NewPacketizer(0)
	return in
}

func (in *g711Ingest) format() (format.Format, error) { return in.f, nil }

func (in *g711Ingest) ready() bool { return true }

func (in *g711Ingest) push(t *track, data []byte, m *mount) error {
	if len(data) == 0 {
		return nil
	}
	ts := continuous(&t.clock, in.started, in.next, t.clock.rtpTime(m.audioTime(t)))
	in.started = true
	in.next = ts + uint32(len(data))
	f := m.frames.get(t.index)
	f.key = true
	f.data = append(f.data, data...)
	f.ts = ts
	in.unit.Data = f.data
	err := in.p.Packetize(&f.batch, &t.stream, ts, &in.unit)
	in.unit.Data = nil
	if err != nil {
		f.release()
		return fmt.Errorf("%w: %v", ErrBadMedia, err)
	}
	if f.batch.Len() == 0 {
		f.release() // less than one packet so far: kept by the packetizer
		return nil
	}
	f.seal()
	m.publishAudio(f, in.next)
	return nil
}

// aacIngest sends ADTS frames as RFC 3640 AAC-hbr. The first header sets
// the track's configuration (the SDP's config=) and clock rate; a later
// frame with a different configuration is refused.
type aacIngest struct {
	maxPacket int
	f         format.Format     // set by the first ADTS header (have)
	p         format.Packetizer // the format layer's, made with f
	unit      format.Frame
	cfg       aac.AudioSpecificConfig
	have      bool
	aus       [][]byte
	next      uint32
	started   bool
}

// aacPayloadType is the dynamic payload type of AAC audio.
const aacPayloadType = 97

func newAACIngest(c *Config) *aacIngest { return &aacIngest{maxPacket: c.MaxPacketSize} }

// format is the track's format for the SDP, known from the first ADTS
// header on (RFC 3640 §4.1: config= and the clock rate come from it).
func (in *aacIngest) format() (format.Format, error) {
	if !in.have {
		return format.Format{}, errNotReady
	}
	return in.f, nil
}

func (in *aacIngest) ready() bool { return in.have }

func (in *aacIngest) push(t *track, data []byte, m *mount) error {
	f := m.frames.get(t.index)
	f.key = true
	f.data = append(f.data, data...)
	var h aac.ADTSHeader
	var err error
	in.aus, h, err = aac.SplitADTS(in.aus[:0], f.data)
	if err != nil || len(in.aus) == 0 {
		f.release()
		return fmt.Errorf("%w: not ADTS: %v", ErrBadMedia, err)
	}
	cfg := aac.ConfigFromADTS(h)
	if !in.have {
		fm, err := format.NewAAC(aacPayloadType, cfg)
		var p format.Packetizer
		if err == nil {
			p, err = fm.NewPacketizer(in.maxPacket)
		}
		if err != nil {
			f.release()
			return fmt.Errorf("%w: AAC configuration: %v", ErrBadMedia, err)
		}
		in.f, in.p = fm, p
		in.cfg, in.have = cfg, true
		t.clock.rate = uint32(cfg.ClockRate())
	} else if cfg.ObjectType != in.cfg.ObjectType || cfg.SampleRate != in.cfg.SampleRate || cfg.ChannelConfig != in.cfg.ChannelConfig {
		f.release()
		return fmt.Errorf("%w: AAC configuration changed mid-stream", ErrBadMedia)
	}
	ts := continuous(&t.clock, in.started, in.next, t.clock.rtpTime(m.audioTime(t)))
	in.started = true
	in.next = ts + uint32(len(in.aus)*cfg.FrameSamples())
	f.ts = ts
	in.unit.AUs = in.aus
	err = in.p.Packetize(&f.batch, &t.stream, ts, &in.unit)
	in.unit.AUs = nil
	if err != nil {
		f.release()
		return fmt.Errorf("%w: %v", ErrBadMedia, err)
	}
	f.seal()
	m.publishAudio(f, in.next)
	return nil
}
