package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// pubTrack turns one track of a publisher's RTP back into the units the
// session's ingest takes (Annex-B access units, JPEG pictures, G.711
// bytes, ADTS frames), with the RTP timestamps as microseconds. Nothing a
// publisher sends reaches players unchecked: packets that do not parse,
// carry another payload type or are out of the reordering window are
// dropped; an SSRC change restarts the depacketizer; a damaged or lost
// video unit is dropped, and so is video up to the next keyframe (a
// picture whose references were lost would decode corrupt); and the
// ingest then checks every unit as it checks the board's.
type pubTrack struct {
	control string        // the publisher's control for this media
	format  format.Format // as its SDP says
	m       *mount
	index   int // the session's track

	mu       sync.Mutex // one feeder at a time (UDP read loop or the connection)
	depack   format.Depacketizer
	reorder  *rtp.ReorderBuffer // UDP only: made on the first UDP packet
	pkt      rtp.Packet
	ssrc     uint32
	haveSSRC bool
	// RTP timestamps, unwrapped: ext is the latest, base the first of the
	// current source, shift the microseconds the current source starts at.
	lastTS        uint32
	ext, base     int64
	shift, lastUS int64
	needKey       bool
	buf           []byte
	aacCfg        aac.AudioSpecificConfig
	emit          func(format.Frame)
	// deliver, when set, takes the frames instead of a stream (the
	// backchannel: backchannel.go).
	deliver func(format.Frame)

	dropped atomic.Uint64 // packets or units refused
}

// pubEpochUS is where a publisher's timeline starts, in microseconds: far
// enough from 0 that B-frames presented before the first decoded picture
// keep positive timestamps.
const pubEpochUS = 10_000_000

// init binds t to track index of m, seeding the session with what the SDP
// already carries (H.264/H.265 parameter sets, the AAC configuration).
func (t *pubTrack) init(m *mount, index int) error {
	t.m, t.index = m, index
	d, err := t.format.NewDepacketizer()
	if err != nil {
		return err
	}
	t.depack = d
	t.needKey = t.isVideo()
	t.emit = t.onFrame
	switch t.format.Codec {
	case format.H264, format.H265:
		if ps, err := t.format.ParameterSets(); err == nil && len(ps) > 0 {
			m.mu.Lock()
			if in, ok := m.vid.(*h26xIngest); ok {
				in.seedParams(ps)
			}
			m.checkReady()
			m.mu.Unlock()
		}
	case format.AAC:
		fm, err := t.format.AACConfig()
		if err != nil {
			return err
		}
		if t.aacCfg, err = fm.AudioConfig(); err != nil {
			return err
		}
	}
	return nil
}

func (t *pubTrack) isVideo() bool { return t.format.Codec.Media() == "video" }

// push takes one RTP packet of the track as it arrives; udp says it came
// over UDP, where packets may come out of order.
func (t *pubTrack) push(b []byte, arrival time.Time, udp bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := &t.pkt
	if err := p.Unmarshal(b); err != nil || p.PayloadType != t.format.PayloadType {
		t.dropped.Add(1)
		return
	}
	if t.haveSSRC && p.SSRC != t.ssrc {
		// Another source (an encoder restart): start over, keeping the
		// timeline going from where it was.
		t.depack.Reset()
		if t.reorder != nil {
			t.reorder.Reset()
		}
		t.haveSSRC = false
		t.needKey = t.isVideo()
	}
	if !t.haveSSRC {
		t.ssrc, t.haveSSRC = p.SSRC, true
		t.lastTS, t.ext, t.base = p.Timestamp, 0, 0
		t.shift = t.lastUS
	}
	if !udp {
		t.depacketize(p, 0)
		return
	}
	if t.reorder == nil {
		t.reorder = rtp.NewReorderBuffer(64, 100*time.Millisecond)
	}
	if err := t.reorder.Push(p, arrival); err != nil {
		t.dropped.Add(1)
		return
	}
	for {
		q, lost, ok := t.reorder.Pop(arrival)
		if !ok {
			return
		}
		t.depacketize(q, lost)
	}
}

// depacketize hands one in-order packet to the depacketizer; lost is the
// number of packets missing just before it.
func (t *pubTrack) depacketize(p *rtp.Packet, lost int) {
	if lost > 0 && t.isVideo() {
		t.needKey = true
	}
	d := int64(int32(p.Timestamp - t.lastTS))
	t.lastTS = p.Timestamp
	t.ext += d
	if err := t.depack.Depacketize(p, t.emit); err != nil {
		t.dropped.Add(1)
	}
}

// micros converts an RTP timestamp of the current source to the session's
// microseconds (Config.TimestampUnit is Microseconds for a published
// session).
func (t *pubTrack) micros(ts uint32) uint64 {
	ext := t.ext + int64(int32(ts-t.lastTS))
	rate := int64(t.format.ClockRate)
	if rate <= 0 {
		rate = 90000
	}
	us := pubEpochUS + t.shift + (ext-t.base)*1_000_000/rate
	if us < 0 {
		us = 0
	}
	t.lastUS = us - pubEpochUS
	return uint64(us)
}

// onFrame feeds one unit to the session. Called by the depacketizer, with
// t.mu held.
func (t *pubTrack) onFrame(f format.Frame) {
	if f.Damaged && t.isVideo() {
		t.needKey = true
	}
	if t.isVideo() && t.needKey {
		if f.Damaged || !f.Keyframe {
			t.dropped.Add(1)
			return
		}
		t.needKey = false
	}
	if t.deliver != nil {
		t.deliver(f)
		return
	}
	ts := t.micros(f.Timestamp)
	var err error
	switch t.format.Codec {
	case format.H264, format.H265:
		t.buf = h26x.AppendAnnexB(t.buf[:0], f.NALUs...)
		err = t.m.sendVideo(t.buf, ts)
	case format.JPEG:
		err = t.m.sendVideo(f.Data, ts)
	case format.PCMU, format.PCMA:
		err = t.m.sendAudio(f.Data, ts)
	case format.AAC:
		if t.buf, err = aac.AppendADTS(t.buf[:0], t.aacCfg, f.Data); err == nil {
			err = t.m.sendAudio(t.buf, ts)
		}
	}
	if err != nil {
		t.dropped.Add(1)
	}
}

// seedParams caches parameter sets an SDP carried (sprop-parameter-sets,
// sprop-vps/sps/pps) as if the stream had sent them, so that the session
// can be described before the first keyframe. Sets that do not parse are
// left out, as in-band ones are. Called with the mount's lock held.
func (in *h26xIngest) seedParams(nals [][]byte) {
	for _, nal := range nals {
		if len(nal) == 0 || in.invalid(nal) != "" {
			continue
		}
		if slot := in.paramSlot(nal); slot != nil {
			if slot == &in.sps {
				in.frameDur, in.width, in.height = in.spsInfo(nal)
			}
			*slot = append((*slot)[:0], nal...)
		}
	}
}
