package server

import (
	"fmt"

	"github.com/rtspkit/rtspkit/mjpeg"
)

// jpegIngest sends JPEG pictures as RFC 2435 payloads: each call holds one
// or more whole baseline JPEGs; every picture is a keyframe.
type jpegIngest struct {
	p      mjpeg.Packetizer
	frames [][]byte
	seen   bool
}

func newJPEGIngest(c *Config) *jpegIngest {
	return &jpegIngest{p: mjpeg.Packetizer{MaxPacketSize: c.MaxPacketSize}}
}

// ready is true from the start: the JPEG SDP needs nothing from the stream.
func (in *jpegIngest) ready() bool { return true }

func (in *jpegIngest) close() {}

func (in *jpegIngest) push(t *track, data []byte, tsNow func() uint32, emit func(*frame)) error {
	var err error
	in.frames, err = mjpeg.SplitFrames(in.frames[:0], data)
	if len(in.frames) == 0 {
		return fmt.Errorf("%w: no JPEG picture: %v", ErrBadMedia, err)
	}
	for _, pic := range in.frames {
		f := newFrame(t.index)
		f.key = true
		f.data = append(f.data, pic...)
		ts := tsNow()
		f.ts = ts
		if perr := in.p.Packetize(&f.batch, &t.stream, ts, f.data); perr != nil {
			f.release()
			err = fmt.Errorf("%w: %v", ErrBadMedia, perr)
			continue
		}
		f.seal()
		emit(f)
	}
	return err
}
