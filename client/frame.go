package client

import (
	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// Frame is one media unit rebuilt from a track's RTP packets, given to
// OnFrame. Its slices live in the depacketizer's memory and are valid only
// during the call: copy what must be kept.
type Frame struct {
	// Codec is the track's codec.
	Codec Codec
	// Timestamp is the RTP timestamp of the unit (for AAC, of this access
	// unit, which need not be the packet's).
	Timestamp uint32
	// Marker reports that the unit ended with the RTP marker bit: the last
	// packet of an H.264/H.265 access unit (RFC 6184 §5.1, RFC 7798 §4.1)
	// or of a JPEG frame (RFC 2435 §3).
	Marker bool
	// Damaged reports that part of the unit, or of the data just before
	// it, is known to be missing (a lost packet, a dropped fragment). For
	// G.711 it means samples are missing before Data (see MissingSamples).
	Damaged bool
	// Keyframe reports an H.264 IDR or H.265 IRAP access unit, or a JPEG
	// picture (each is one).
	Keyframe bool
	// NALUs is the access unit of H.264 or H.265, its NAL units in order
	// without start codes (h26x.AppendAnnexB writes them as Annex-B).
	NALUs [][]byte
	// Data is one AAC access unit, G.711 samples (one byte each) or a
	// whole JPEG picture (SOI to EOI, as a file holds it).
	Data []byte
	// MissingSamples is, for G.711, the number of samples between the
	// previous packet and these that never came: play that much silence.
	MissingSamples uint32
}

// depacketizer turns one track's in-order RTP packets into Frames.
type depacketizer interface {
	// push consumes p and calls emit for each unit it completes; it
	// returns an error when p itself was refused.
	push(p *rtp.Packet, emit func(Frame)) error
	// reset forgets the stream (a new SSRC).
	reset()
}

// newDepacketizer returns the depacketizer for a track's codec, or nil
// when this package has none (the track still gets OnPacket).
func newDepacketizer(t Track) depacketizer {
	switch t.Codec {
	case CodecH264:
		return &h264Depack{}
	case CodecH265:
		return &h265Depack{}
	case CodecAAC:
		f, err := aac.ParseFMTP(fmtpParams(t.FMTP))
		if err != nil {
			return nil
		}
		d := &aacDepack{}
		d.d.Layout = f.AUHeaderLayout
		if f.ConstantDuration > 0 {
			d.d.FrameSamples = uint32(f.ConstantDuration)
		} else if cfg, err := f.AudioConfig(); err == nil {
			d.d.FrameSamples = uint32(cfg.FrameSamples())
		}
		return d
	case CodecPCMU, CodecPCMA:
		return &g711Depack{codec: t.Codec}
	case CodecJPEG:
		return &jpegDepack{}
	}
	return nil
}

// h26xFrames emits the access units of an H.264 or H.265 depacketizer.
func h26xFrames(codec Codec, aus []h26x.RTPAccessUnit, emit func(Frame)) {
	for _, au := range aus {
		f := Frame{Codec: codec, Timestamp: au.Timestamp, Marker: au.Marker, Damaged: au.Damaged, NALUs: au.NALs}
		if codec == CodecH264 {
			f.Keyframe = h26x.H264IsKeyframe(au.NALs)
		} else {
			f.Keyframe = h26x.H265IsKeyframe(au.NALs)
		}
		emit(f)
	}
}

type h264Depack struct{ d h26x.H264Depacketizer }

func (d *h264Depack) push(p *rtp.Packet, emit func(Frame)) error {
	aus, err := d.d.Depacketize(p)
	h26xFrames(CodecH264, aus, emit)
	return err
}

func (d *h264Depack) reset() { d.d.Reset() }

type h265Depack struct{ d h26x.H265Depacketizer }

func (d *h265Depack) push(p *rtp.Packet, emit func(Frame)) error {
	aus, err := d.d.Depacketize(p)
	h26xFrames(CodecH265, aus, emit)
	return err
}

func (d *h265Depack) reset() { d.d.Reset() }

type aacDepack struct {
	d   aac.Depacketizer
	aus []aac.AU
}

func (d *aacDepack) push(p *rtp.Packet, emit func(Frame)) error {
	dropped := d.d.DroppedAUs + d.d.LostPackets
	var err error
	d.aus, err = d.d.Depacketize(d.aus[:0], p)
	damaged := d.d.DroppedAUs+d.d.LostPackets != dropped
	for i, au := range d.aus {
		emit(Frame{Codec: CodecAAC, Timestamp: au.Timestamp, Marker: p.Marker, Data: au.Data, Damaged: damaged && i == 0})
	}
	return err
}

func (d *aacDepack) reset() { d.d.Reset() }

type g711Depack struct {
	codec Codec
	d     g711.Depacketizer
}

func (d *g711Depack) push(p *rtp.Packet, emit func(Frame)) error {
	samples, missing, err := d.d.Depacketize(p)
	if err != nil || len(samples) == 0 {
		return err
	}
	// The first sample of what is returned: the packet may have been
	// trimmed at the front (overlap with samples already returned).
	ts := p.Timestamp + uint32(len(p.Payload)-len(samples))
	emit(Frame{Codec: d.codec, Timestamp: ts, Marker: p.Marker, Data: samples, Damaged: missing > 0, MissingSamples: missing})
	return nil
}

func (d *g711Depack) reset() { d.d = g711.Depacketizer{} }

type jpegDepack struct{ d mjpeg.Depacketizer }

func (d *jpegDepack) push(p *rtp.Packet, emit func(Frame)) error {
	img, err := d.d.Depacketize(p)
	if img != nil {
		emit(Frame{Codec: CodecJPEG, Timestamp: p.Timestamp, Marker: p.Marker, Keyframe: true, Data: img})
	}
	return err
}

func (d *jpegDepack) reset() { d.d.Reset() }
