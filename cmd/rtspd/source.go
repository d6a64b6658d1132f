package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/server"
)

//go:embed sample/sample.h264
var sampleVideo []byte

//go:embed sample/sample.aac
var sampleAudio []byte

// videoSource is a video input: the embedded sample, a file (both looped) or
// standard input (played once).
type videoSource struct {
	name  string
	codec server.VideoType
	data  []byte    // whole file, looped; nil for a stream
	r     io.Reader // stdin
}

func openVideo(path, codec string) (*videoSource, error) {
	if path == "" {
		return &videoSource{name: "the embedded sample", codec: server.VideoH264, data: sampleVideo}, nil
	}
	var vt server.VideoType
	var err error
	if codec != "" {
		vt, err = server.ParseVideoType(codec)
	} else {
		vt, err = videoTypeOf(path)
	}
	if err != nil {
		return nil, err
	}
	if path == "-" {
		return &videoSource{name: "standard input", codec: vt, r: os.Stdin}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &videoSource{name: path, codec: vt, data: data}, nil
}

func videoTypeOf(path string) (server.VideoType, error) {
	if path == "-" {
		return server.VideoH264, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h264", ".264", ".avc":
		return server.VideoH264, nil
	case ".h265", ".265", ".hevc":
		return server.VideoH265, nil
	case ".mjpeg", ".mjpg", ".jpg", ".jpeg":
		return server.VideoMJPEG, nil
	}
	return "", fmt.Errorf("cannot tell the video codec of %q from its name: use -vcodec", path)
}

// pacer sleeps until unit n of a stream with the given period is due.
type pacer struct {
	start  time.Time
	period time.Duration
}

func (p pacer) wait(ctx context.Context, n int64) error {
	due := p.start.Add(time.Duration(n) * p.period)
	d := time.Until(due)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pump sends the video at fps until ctx ends (or stdin does). H.264/H.265
// go NAL unit by NAL unit, as the board's encoder packs do, each access unit
// paced by the frame rate; the timestamp is the access unit's presentation
// time in milliseconds.
func (v *videoSource) pump(ctx context.Context, srv *server.Server, name string, fps float64, start time.Time) error {
	p := pacer{start: start, period: time.Duration(float64(time.Second) / fps)}
	var n int64 // access units sent, across loops
	if v.codec == server.VideoMJPEG {
		for {
			frames, err := mjpeg.SplitFrames(nil, v.data)
			if len(frames) == 0 {
				return fmt.Errorf("%s: no JPEG pictures: %v", v.name, err)
			}
			for _, f := range frames {
				if err := p.wait(ctx, n); err != nil {
					return nil
				}
				if err := srv.SendVideoData(name, f, uint64(n)*1000/uint64(fps)); err != nil && !errors.Is(err, server.ErrBadMedia) {
					return err
				}
				n++
			}
		}
	}
	hevc := v.codec == server.VideoH265
	for {
		var src io.Reader = v.r
		if v.data != nil {
			src = bytes.NewReader(v.data)
		}
		ar := h26x.NewAnnexBReader(src)
		var d264 h26x.H264AUDetector
		var d265 h26x.H265AUDetector
		first := true
		var buf []byte
		for {
			nal, err := ar.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("%s: %w", v.name, err)
			}
			var newAU bool
			if hevc {
				newAU = d265.StartsNewAU(nal)
			} else {
				newAU = d264.StartsNewAU(nal)
			}
			if newAU {
				if !first {
					n++
				}
				first = false
				if err := p.wait(ctx, n); err != nil {
					return nil
				}
			}
			buf = h26x.AppendAnnexB(buf[:0], nal)
			ts := uint64(float64(n) * 1000 / fps)
			if err := srv.SendVideoData(name, buf, ts); err != nil && !errors.Is(err, server.ErrBadMedia) {
				return err
			}
		}
		if v.data == nil {
			return nil // standard input ended
		}
		n++
	}
}

// audioSource is an audio input, always looped.
type audioSource struct {
	codec server.AudioType
	name  string
	data  []byte
}

func openAudio(path string, sample bool) (*audioSource, error) {
	if path == "" {
		if sample {
			return &audioSource{codec: server.AudioAAC, name: "sample", data: sampleAudio}, nil
		}
		return nil, nil
	}
	var at server.AudioType
	switch strings.ToLower(filepath.Ext(path)) {
	case ".aac", ".adts":
		at = server.AudioAAC
	case ".ulaw", ".pcmu", ".mulaw", ".ul":
		at = server.AudioPCMU
	case ".alaw", ".pcma", ".al":
		at = server.AudioPCMA
	default:
		return nil, fmt.Errorf("cannot tell the audio codec of %q: use .aac, .ulaw or .alaw", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &audioSource{codec: at, name: path, data: data}, nil
}

// pump sends the audio in real time: one ADTS frame at a time for AAC, 20 ms
// chunks for G.711; the timestamp is the chunk's time in milliseconds.
func (a *audioSource) pump(ctx context.Context, srv *server.Server, name string, start time.Time) error {
	if a.codec == server.AudioAAC {
		frames, h, err := aac.SplitADTS(nil, a.data)
		if len(frames) == 0 {
			return fmt.Errorf("%s: no ADTS frames: %v", a.name, err)
		}
		rate := h.SampleRate()
		period := time.Duration(1024 * float64(time.Second) / float64(rate))
		p := pacer{start: start, period: period}
		// Re-split keeping the headers: SendAudioData takes ADTS frames.
		var units [][]byte
		for rest := a.data; len(rest) > 0; {
			h, _, r, err := aac.NextADTS(rest)
			if err != nil {
				break
			}
			units = append(units, rest[:h.FrameLength])
			rest = r
		}
		for n := int64(0); ; n++ {
			if err := p.wait(ctx, n); err != nil {
				return nil
			}
			u := units[n%int64(len(units))]
			if err := srv.SendAudioData(name, u, uint64(n*1024*1000/int64(rate))); err != nil && !errors.Is(err, server.ErrBadMedia) {
				return err
			}
		}
	}
	const chunk = 160 // 20 ms at 8 kHz
	p := pacer{start: start, period: 20 * time.Millisecond}
	off := 0
	for n := int64(0); ; n++ {
		if err := p.wait(ctx, n); err != nil {
			return nil
		}
		if off+chunk > len(a.data) {
			off = 0
		}
		end := min(off+chunk, len(a.data))
		if err := srv.SendAudioData(name, a.data[off:end], uint64(n*20)); err != nil && !errors.Is(err, server.ErrBadMedia) {
			return err
		}
		off = end
	}
}
