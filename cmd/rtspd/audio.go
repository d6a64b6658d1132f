package main

import (
	"context"
	_ "embed"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/server"
)

//go:embed sample/sample.aac
var sampleAudio []byte

// g711Chunk is 20 ms of 8 kHz G.711, one byte per sample: what a camera
// hands over per call, and one RTP packet.
const g711Chunk = 160

// audioSource is an audio input, always looped: ADTS frames for AAC, 20 ms
// chunks for G.711.
type audioSource struct {
	codec  server.AudioType
	name   string
	units  [][]byte
	period time.Duration // playing time of one unit
	rate   float64       // units per second
	note   string        // a warning to print at start
}

// openAudio opens the -audio input (the sample's audio when there is none
// and the video is the sample) and checks that it holds audio.
func openAudio(path string, sampleVideo bool) (*audioSource, error) {
	if path == "" {
		if !sampleVideo {
			return nil, nil
		}
		a := &audioSource{codec: server.AudioAAC, name: "the sample's audio"}
		return a, a.loadAAC(sampleAudio)
	}
	data, err := readInput("-audio", path)
	if err != nil {
		return nil, err
	}
	a := &audioSource{name: path}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".aac", ".adts":
		a.codec = server.AudioAAC
		return a, a.loadAAC(data)
	case ".ulaw", ".pcmu", ".mulaw", ".ul":
		a.codec = server.AudioPCMU
	case ".alaw", ".pcma", ".al":
		a.codec = server.AudioPCMA
	default:
		return nil, fmt.Errorf("cannot tell the audio codec of %q from its name: use .aac, .ulaw or .alaw", path)
	}
	return a, a.loadG711(data)
}

// loadAAC keeps the ADTS frames of data, headers included, as
// Stream.WriteAudio takes them.
func (a *audioSource) loadAAC(data []byte) error {
	var first aac.ADTSHeader
	rest := data
	for len(rest) > 0 {
		h, _, r, err := aac.NextADTS(rest)
		if err != nil {
			if len(a.units) == 0 {
				return fmt.Errorf("%s: no ADTS frames: not an ADTS .aac file (%v)", a.name, err)
			}
			a.note = fmt.Sprintf("%s: %d ADTS frames, then at byte %d: %v: looping the %d",
				a.name, len(a.units), len(data)-len(rest), err, len(a.units))
			break
		}
		if len(a.units) == 0 {
			first = h
		}
		a.units = append(a.units, rest[:h.FrameLength])
		rest = r
	}
	if len(a.units) == 0 {
		return fmt.Errorf("%s: empty", a.name)
	}
	sr := first.SampleRate()
	if sr <= 0 {
		return fmt.Errorf("%s: ADTS sampling frequency index %d is not a rate", a.name, first.SampleRateIndex)
	}
	a.rate = float64(sr) / 1024 // an AAC-LC frame is 1024 samples
	a.period = time.Duration(float64(time.Second) / a.rate)
	return nil
}

// loadG711 cuts data into 20 ms chunks; a last partial chunk is left out,
// so that every call carries exactly 20 ms.
func (a *audioSource) loadG711(data []byte) error {
	if len(data) < g711Chunk {
		return fmt.Errorf("%s: %d bytes, less than the 20 ms (%d bytes at 8 kHz) of one packet", a.name, len(data), g711Chunk)
	}
	for off := 0; off+g711Chunk <= len(data); off += g711Chunk {
		a.units = append(a.units, data[off:off+g711Chunk])
	}
	a.rate = 8000 / g711Chunk
	a.period = 20 * time.Millisecond
	return nil
}

// pump sends the audio in real time, looped, until ctx ends; the timestamp
// is the unit's time in milliseconds.
func (a *audioSource) pump(ctx context.Context, out sender, pace paceFunc) error {
	for n := int64(0); ; n++ {
		if err := pace(ctx, n); err != nil {
			return nil // stopped
		}
		u := a.units[n%int64(len(a.units))]
		if err := sendMedia(out.WriteAudio(u, unitTime(n, a.rate))); err != nil {
			return err
		}
	}
}
