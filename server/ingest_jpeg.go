package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// jpegIngest sends JPEG pictures as RFC 2435 payloads: each call holds one
// or more whole baseline JPEGs; every picture is a keyframe.
type jpegIngest struct {
	p             format.Packetizer // the format layer's
	unit          format.Frame
	frames        [][]byte
	width, height int // the latest picture's, 0 before the first
}

func newJPEGIngest(c *Config) *jpegIngest {
	in := &jpegIngest{}
	in.p, _ = format.NewJPEG().NewPacketizer(c.MaxPacketSize) // cannot fail for JPEG
	return in
}

// format is the track's format for the SDP: JPEG needs nothing from the
// stream (RFC 2435 §3: every header field travels in each packet).
func (in *jpegIngest) format() (format.Format, error) { return format.NewJPEG(), nil }

// ready is true from the start: the JPEG SDP needs nothing from the stream.
func (in *jpegIngest) ready() bool { return true }

func (in *jpegIngest) close() {}

func (in *jpegIngest) frameDuration() time.Duration { return 0 }

func (in *jpegIngest) size() (width, height int) { return in.width, in.height }

func (in *jpegIngest) push(t *track, data []byte, m *mount) error {
	var err error
	in.frames, err = mjpeg.SplitFrames(in.frames[:0], data)
	if len(in.frames) == 0 {
		return fmt.Errorf("%w: no JPEG picture: %v", ErrBadMedia, err)
	}
	if err != nil {
		// Whole pictures before the damage still go out.
		err = fmt.Errorf("%w: %v", ErrBadMedia, err)
	}
	for _, pic := range in.frames {
		f := m.frames.get(t.index)
		f.key = true
		f.data = append(f.data, pic...)
		ts := m.videoStamp(t)
		f.ts = ts
		in.unit.Data = f.data
		perr := in.p.Packetize(&f.batch, &t.stream, ts, &in.unit)
		if errors.Is(perr, mjpeg.ErrNonStandardHuffman) || errors.Is(perr, mjpeg.ErrUnsupportedSampling) {
			// RFC 2435 cannot carry optimised Huffman tables nor ffmpeg's
			// 4:2:2 layout: re-code the picture losslessly (costs about a
			// millisecond per 320x240 picture), then send it.
			if c, cerr := mjpeg.Conform(pic); cerr == nil {
				f.batch.Reset()
				f.data = append(f.data[:0], c...)
				in.unit.Data = f.data
				perr = in.p.Packetize(&f.batch, &t.stream, ts, &in.unit)
			}
		}
		in.unit.Data = nil
		if perr != nil {
			f.release()
			err = fmt.Errorf("%w: %v", ErrBadMedia, perr)
			continue
		}
		// The size, from the RFC 2435 main header (§3.1) after the RTP
		// header: width and height in 8-pixel blocks, bytes 6 and 7.
		if h := f.batch.Head(0); len(h) >= rtp.HeaderSize+8 && h[0]&0x1f == 0 {
			in.width, in.height = int(h[rtp.HeaderSize+6])*8, int(h[rtp.HeaderSize+7])*8
		}
		f.seal()
		m.publish(f)
	}
	return err
}
