package format

import (
	"fmt"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// Depacketizer turns one track's RTP packets, in sequence order (put an
// rtp.ReorderBuffer in front of it for UDP), back into frames. It serves
// one stream (one SSRC) and is not safe for concurrent use.
type Depacketizer interface {
	// Depacketize consumes p and calls emit for each frame it completes,
	// in order; it returns an error when p itself was refused (malformed,
	// late, over a limit), and goes on with the next packet. Losses are
	// not errors: they show as Frame.Damaged. The frames' slices are the
	// depacketizer's memory, valid only during emit; p's memory may be
	// reused once Depacketize returns.
	Depacketize(p *rtp.Packet, emit func(Frame)) error
	// Reset forgets the stream, for a new SSRC or after a seek: a frame
	// being assembled is dropped and the next packet is taken as the
	// first.
	Reset()
}

// NewDepacketizer returns the depacketizer of f's codec: H.264 in
// packetization-mode 0 or 1 (RFC 6184), H.265 without DONL (RFC 7798), JPEG
// (RFC 2435), PCMU and PCMA (RFC 3551), and AAC (RFC 3640) with the
// AU-header layout of the fmtp, AAC-hbr, AAC-lbr or another, and the access
// unit duration of its constantDuration or config.
//
// A codec outside the constants gives an error wrapping ErrUnsupported (a
// client still gets its RTP packets); an AAC format whose fmtp does not
// describe a stream gives AACConfig's error.
func (f Format) NewDepacketizer() (Depacketizer, error) {
	switch f.Codec {
	case H264:
		return &h264Depacketizer{}, nil
	case H265:
		return &h265Depacketizer{}, nil
	case JPEG:
		return &jpegDepacketizer{}, nil
	case PCMU, PCMA:
		return &g711Depacketizer{codec: f.Codec}, nil
	case AAC:
		fm, err := f.AACConfig()
		if err != nil {
			return nil, err
		}
		d := &aacDepacketizer{}
		d.d.Layout = fm.AUHeaderLayout
		d.d.FrameSamples = frameSamples(fm)
		return d, nil
	}
	return nil, fmt.Errorf("%w: no depacketizer for %q", ErrUnsupported, f.Codec)
}

// h26xFrames emits the access units of an H.264 or H.265 depacketizer.
func h26xFrames(codec Codec, aus []h26x.RTPAccessUnit, emit func(Frame)) {
	for _, au := range aus {
		f := Frame{Codec: codec, Timestamp: au.Timestamp, Marker: au.Marker, Damaged: au.Damaged, NALUs: au.NALs}
		if codec == H264 {
			f.Keyframe = h26x.H264IsKeyframe(au.NALs)
		} else {
			f.Keyframe = h26x.H265IsKeyframe(au.NALs)
		}
		emit(f)
	}
}

type h264Depacketizer struct{ d h26x.H264Depacketizer }

func (d *h264Depacketizer) Depacketize(p *rtp.Packet, emit func(Frame)) error {
	aus, err := d.d.Depacketize(p)
	h26xFrames(H264, aus, emit)
	return err
}

func (d *h264Depacketizer) Reset() { d.d.Reset() }

type h265Depacketizer struct{ d h26x.H265Depacketizer }

func (d *h265Depacketizer) Depacketize(p *rtp.Packet, emit func(Frame)) error {
	aus, err := d.d.Depacketize(p)
	h26xFrames(H265, aus, emit)
	return err
}

func (d *h265Depacketizer) Reset() { d.d.Reset() }

type aacDepacketizer struct {
	d   aac.Depacketizer
	aus []aac.AU
	// losses is the aac package's count of lost packets and dropped
	// access units when the last access unit was emitted.
	losses uint64
}

// Depacketize emits one Frame per access unit. A loss the aac package has
// counted since the last access unit it returned (a lost packet, a dropped
// fragmented access unit) marks the next one as Damaged: the gap is just
// before it. The loss may have been seen on an earlier packet than the one
// that completes the access unit (a fragment, RFC 3640 §3.2.3), so it is
// remembered until then.
func (d *aacDepacketizer) Depacketize(p *rtp.Packet, emit func(Frame)) error {
	var err error
	d.aus, err = d.d.Depacketize(d.aus[:0], p)
	losses := d.d.DroppedAUs + d.d.LostPackets
	for i, au := range d.aus {
		emit(Frame{Codec: AAC, Timestamp: au.Timestamp, Marker: p.Marker, Data: au.Data, Damaged: i == 0 && losses != d.losses})
	}
	if len(d.aus) > 0 {
		d.losses = losses
	}
	return err
}

func (d *aacDepacketizer) Reset() {
	d.d.Reset()
	d.losses = d.d.DroppedAUs + d.d.LostPackets // a new stream has lost nothing
}

type g711Depacketizer struct {
	codec Codec
	d     g711.Depacketizer
}

func (d *g711Depacketizer) Depacketize(p *rtp.Packet, emit func(Frame)) error {
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

func (d *g711Depacketizer) Reset() { d.d = g711.Depacketizer{} }

type jpegDepacketizer struct{ d mjpeg.Depacketizer }

func (d *jpegDepacketizer) Depacketize(p *rtp.Packet, emit func(Frame)) error {
	img, err := d.d.Depacketize(p)
	if img != nil {
		emit(Frame{Codec: JPEG, Timestamp: p.Timestamp, Marker: p.Marker, Keyframe: true, Data: img})
	}
	return err
}

func (d *jpegDepacketizer) Reset() { d.d.Reset() }
