package server

import (
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/g711"
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
	p       g711.Packetizer
	next    uint32
	started bool
}

func newG711Ingest(*Config) *g711Ingest { return &g711Ingest{} }

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
	if err := in.p.Packetize(&f.batch, &t.stream, ts, f.data); err != nil {
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
	p       aac.Packetizer
	cfg     aac.AudioSpecificConfig
	have    bool
	aus     [][]byte
	next    uint32
	started bool
}

func newAACIngest(c *Config) *aacIngest {
	return &aacIngest{p: aac.Packetizer{MaxPacketSize: c.MaxPacketSize}}
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
	if err := in.p.Packetize(&f.batch, &t.stream, ts, in.aus); err != nil {
		f.release()
		return fmt.Errorf("%w: %v", ErrBadMedia, err)
	}
	f.seal()
	m.publishAudio(f, in.next)
	return nil
}
