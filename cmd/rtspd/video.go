package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/server"
)

//go:embed sample/sample.h264
var sampleVideo []byte

// errInputEnded is how a source reports that standard input ended.
var errInputEnded = errors.New("standard input ended")

// videoSource is a video input: a file or the embedded sample, looped, or
// standard input, played once.
type videoSource struct {
	name  string
	codec server.VideoType
	nals  [][]byte  // H.264/H.265 file: its NAL units
	jpegs [][]byte  // MJPEG file: its pictures
	r     io.Reader // standard input
	note  string    // a warning to print at start
}

// openVideo opens the -video input ("-": stdin) and checks that it holds
// video the server can send, so that a wrong file fails at start rather
// than serving nothing.
func openVideo(path, codec string, stdin io.Reader) (*videoSource, error) {
	if path == "" {
		v := &videoSource{name: "the embedded sample", codec: server.VideoH264}
		return v, v.load(sampleVideo)
	}
	if path == "-" {
		vt := server.VideoH264
		if codec != "" {
			var err error
			if vt, err = server.ParseVideoType(codec); err != nil {
				return nil, fmt.Errorf("-vcodec: %w", err)
			}
		}
		if vt == server.VideoMJPEG {
			return nil, errors.New("-video - reads H.264 or H.265 only: give MJPEG as a .mjpeg file")
		}
		return &videoSource{name: "standard input", codec: vt, r: stdin}, nil
	}
	data, err := readInput("-video", path)
	if err != nil {
		return nil, err
	}
	v := &videoSource{name: path}
	if codec != "" {
		if v.codec, err = server.ParseVideoType(codec); err != nil {
			return nil, fmt.Errorf("-vcodec: %w", err)
		}
	} else if v.codec, err = videoTypeOf(path); err != nil {
		return nil, err
	}
	return v, v.load(data)
}

func videoTypeOf(path string) (server.VideoType, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h264", ".264", ".avc":
		return server.VideoH264, nil
	case ".h265", ".265", ".hevc":
		return server.VideoH265, nil
	case ".mjpeg", ".mjpg", ".jpg", ".jpeg":
		return server.VideoMJPEG, nil
	}
	return "", fmt.Errorf("cannot tell the video codec of %q from its name: use -vcodec h264, h265 or mjpeg", path)
}

// load splits a file's data and checks it.
func (v *videoSource) load(data []byte) error {
	if v.codec == server.VideoMJPEG {
		return v.loadJPEG(data)
	}
	v.nals = h26x.SplitNALs(nil, data)
	if len(v.nals) == 0 {
		return fmt.Errorf("%s: no %s NAL units: not an Annex-B stream (NAL units after 00 00 01 start codes)",
			v.name, v.codec.Label())
	}
	// A dry run of what pump does finds the pictures and whether they
	// can be timed, and stops at once on a stream that cannot.
	p := newPresenter(v.codec, true, func([]byte, int64, int64) error { return nil })
	for _, nal := range v.nals {
		if err := p.push(nal); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
	}
	_ = p.end()
	if p.decodable == 0 {
		return fmt.Errorf("%s: no usable %s: none of its %d NAL units is a picture with its parameter sets (SPS, PPS) before it",
			v.name, v.codec.Label(), len(v.nals))
	}
	return nil
}

func (v *videoSource) loadJPEG(data []byte) error {
	var err error
	v.jpegs, err = mjpeg.SplitFrames(nil, data)
	if len(v.jpegs) == 0 {
		return fmt.Errorf("%s: no JPEG pictures: %v", v.name, err)
	}
	if err != nil {
		v.note = fmt.Sprintf("%s: %d JPEG pictures, then %v: looping the %d", v.name, len(v.jpegs), err, len(v.jpegs))
	}
	// The server sends what RFC 2435 can carry, re-coding what it can;
	// one picture that passes is enough to know the file is not wrong
	// altogether.
	var first error
	for _, j := range v.jpegs {
		_, err := mjpeg.Conform(j)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("%s: no JPEG picture RTP can carry (RFC 2435): %v", v.name, first)
}

// pump sends the video at fps until ctx ends or standard input does
// (errInputEnded). Each picture is paced by its decoding index; its
// timestamp, in milliseconds, is its presentation index over fps. note
// receives messages about the stream for the user.
func (v *videoSource) pump(ctx context.Context, out sender, fps float64, pace paceFunc, note func(string)) error {
	var err error
	if v.codec == server.VideoMJPEG {
		err = v.pumpJPEG(ctx, out, fps, pace)
	} else {
		err = v.pumpAnnexB(ctx, out, fps, pace, note)
	}
	if ctx.Err() != nil {
		return nil // stopped
	}
	return err
}

func (v *videoSource) pumpJPEG(ctx context.Context, out sender, fps float64, pace paceFunc) error {
	for n := int64(0); ; n++ {
		if err := pace(ctx, n); err != nil {
			return err
		}
		j := v.jpegs[n%int64(len(v.jpegs))]
		if err := sendMedia(out.WriteVideo(j, unitTime(n, fps))); err != nil {
			return err
		}
	}
}

// pumpAnnexB sends H.264/H.265 NAL unit by NAL unit, as a camera's encoder
// hands them over, every NAL unit of a picture with the picture's
// presentation time.
func (v *videoSource) pumpAnnexB(ctx context.Context, out sender, fps float64, pace paceFunc, note func(string)) error {
	paced := int64(-1)
	var buf []byte
	p := newPresenter(v.codec, v.r == nil, func(nal []byte, pic, pres int64) error {
		if pic != paced {
			if err := pace(ctx, pic); err != nil {
				return err
			}
			paced = pic
		}
		buf = h26x.AppendAnnexB(buf[:0], nal)
		return sendMedia(out.WriteVideo(buf, unitTime(pres, fps)))
	})
	noted := false
	push := func(nal []byte) error {
		err := p.push(nal)
		if !noted && p.reordered() {
			noted = true
			note(fmt.Sprintf("%s has B-frames: their timestamps follow the picture order count", v.name))
		}
		return err
	}
	if v.r != nil {
		return v.pumpReader(p, push)
	}
	for {
		for _, nal := range v.nals {
			if err := push(nal); err != nil {
				return err
			}
		}
		if err := p.end(); err != nil {
			return err
		}
	}
}

// pumpReader reads standard input to its end.
func (v *videoSource) pumpReader(p *presenter, push func([]byte) error) error {
	ar := h26x.NewAnnexBReader(v.r)
	for {
		nal, err := ar.Next()
		if err == io.EOF {
			if err := p.end(); err != nil {
				return err
			}
			if p.decodable == 0 {
				return fmt.Errorf("%s ended before any %s picture", v.name, v.codec.Label())
			}
			return errInputEnded
		}
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		// The reader reuses its buffer; the presenter may hold the NAL
		// unit back.
		if err := push(bytes.Clone(nal)); err != nil {
			return err
		}
	}
}

// sendMedia filters a send's error: media the server refuses as bad is
// skipped (it recovers at the next keyframe); anything else stops the
// source.
func sendMedia(err error) error {
	if errors.Is(err, server.ErrBadMedia) || errors.Is(err, server.ErrMediaTooLarge) {
		return nil
	}
	return err
}
