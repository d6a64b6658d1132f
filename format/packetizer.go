package format

import (
	"fmt"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// Packetizer turns frames of one codec into RTP packets. Which fields of a
// Frame it reads depends on the codec: see Frame. A Packetizer serves one
// stream and is not safe for concurrent use.
type Packetizer interface {
	// Packetize appends to b the RTP packets carrying f, stamped ts and
	// numbered from s.Seq, which it advances. The packets reference f's
	// bytes without copying. It does not allocate in steady state, once b
	// has grown to the size of the largest frame: a server sends every
	// frame through it. On error nothing has been appended and s is
	// unchanged.
	Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error
}

// NewPacketizer returns the packetizer of f's codec. maxPacketSize bounds
// the RTP packets written, header included; 0 means
// rtp.DefaultMaxPacketSize. An invalid size is reported by Packetize, as the
// codec packages check it there. G.711 does not use it: its packets hold 20
// ms (RFC 3551 §4.5), 172 bytes.
//
// The packetizers write what the constructors announce, whatever f's fmtp
// says otherwise: H.264 in packetization-mode 1 (RFC 6184 §6.3), H.265
// without DONL (RFC 7798 §4.4), and AAC in AAC-hbr (RFC 3640 §3.3.6), for
// which an AAC format's fmtp must give that layout. A server relaying a
// publisher's stream announces its own Format (NewH264...) rather than the
// publisher's.
//
// A codec outside the constants, or an AAC layout other than AAC-hbr, gives
// an error wrapping ErrUnsupported.
func (f Format) NewPacketizer(maxPacketSize int) (Packetizer, error) {
	switch f.Codec {
	case H264:
		return &h264Packetizer{p: h26x.H264Packetizer{MaxPacketSize: maxPacketSize}}, nil
	case H265:
		return &h265Packetizer{p: h26x.H265Packetizer{MaxPacketSize: maxPacketSize}}, nil
	case JPEG:
		return &jpegPacketizer{p: mjpeg.Packetizer{MaxPacketSize: maxPacketSize}}, nil
	case PCMU, PCMA:
		return &g711Packetizer{}, nil
	case AAC:
		fm, err := f.AACConfig()
		if err != nil {
			return nil, err
		}
		if fm.AUHeaderLayout != aac.LayoutAACHbr {
			return nil, fmt.Errorf("%w: AAC packetizing is AAC-hbr only (sizelength=13;indexlength=3;indexdeltalength=3), not %+v", ErrUnsupported, fm.AUHeaderLayout)
		}
		return &aacPacketizer{p: aac.Packetizer{MaxPacketSize: maxPacketSize, FrameSamples: frameSamples(fm)}}, nil
	}
	return nil, fmt.Errorf("%w: no packetizer for %q", ErrUnsupported, f.Codec)
}

// frameSamples is the duration of one AAC access unit in RTP ticks:
// constantDuration when the fmtp gives it (RFC 3640 §4.1), else the
// configuration's frame length (1024, 960, or twice that with SBR), else 0,
// which the aac package reads as 1024.
func frameSamples(fm aac.FMTP) uint32 {
	if fm.ConstantDuration > 0 {
		return uint32(fm.ConstantDuration)
	}
	if cfg, err := fm.AudioConfig(); err == nil {
		return uint32(cfg.FrameSamples())
	}
	return 0
}

type h264Packetizer struct{ p h26x.H264Packetizer }

func (p *h264Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	return p.p.Packetize(b, s, ts, f.NALUs, f.Marker)
}

type h265Packetizer struct{ p h26x.H265Packetizer }

func (p *h265Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	return p.p.Packetize(b, s, ts, f.NALUs, f.Marker)
}

type jpegPacketizer struct{ p mjpeg.Packetizer }

func (p *jpegPacketizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	return p.p.Packetize(b, s, ts, f.Data)
}

// g711Packetizer keeps the samples that do not fill a packet for the next
// frame (see g711.Packetizer): this is state, hence one per stream.
type g711Packetizer struct{ p g711.Packetizer }

func (p *g711Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	return p.p.Packetize(b, s, ts, f.Data)
}

type aacPacketizer struct {
	p   aac.Packetizer
	one [1][]byte // Data as a list of one access unit, without allocating
}

func (p *aacPacketizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	if len(f.AUs) > 0 {
		return p.p.Packetize(b, s, ts, f.AUs)
	}
	if len(f.Data) == 0 {
		return nil // nothing to send, as an H.264 frame without NAL units
	}
	p.one[0] = f.Data
	err := p.p.Packetize(b, s, ts, p.one[:])
	p.one[0] = nil // the batch references Data; the packetizer need not
	return err
}
