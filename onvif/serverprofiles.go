package onvif

import (
	"errors"
	"math"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// ServerProfiles returns the profiles of srv's sessions, board sessions
// and publishers alike, one per session in StreamNames order, as they are
// at each call: the codec from the session, the picture size and frame
// rate from the SPS its SDP carries (once the encoder has sent one), the
// bit rate measured between calls, and the session's URL. frameRate is
// reported when the SPS carries no timing information (rtspd's -fps); 0
// leaves it unknown.
func ServerProfiles(srv *server.Server, frameRate float64) ProfileSource {
	return &serverSource{srv: srv, fps: frameRate, rates: map[string]rateSample{}}
}

// serverSource is ServerProfiles' ProfileSource.
type serverSource struct {
	srv *server.Server
	fps float64

	mu    sync.Mutex
	rates map[string]rateSample
}

// rateSample is a session's video byte count at one time, and the rate
// measured up to it.
type rateSample struct {
	at    time.Time
	bytes uint32
	kbps  int
}

// Profiles implements ProfileSource. A session that closes while being
// listed is left out.
func (s *serverSource) Profiles() ([]Profile, error) {
	names := s.srv.StreamNames()
	out := make([]Profile, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		st, err := s.srv.Stream(name)
		if errors.Is(err, server.ErrUnknownSession) {
			continue
		}
		if err != nil {
			return nil, err
		}
		p, ok := s.profile(st)
		if !ok {
			continue
		}
		seen[name] = true
		out = append(out, p)
	}
	s.forget(seen)
	return out, nil
}

// profile describes one session; ok is false when it has closed.
func (s *serverSource) profile(st *server.Stream) (Profile, bool) {
	stats, err := st.Stats()
	if err != nil {
		return Profile{}, false
	}
	uri, err := st.URL()
	if err != nil {
		return Profile{}, false
	}
	name := st.Name()
	p := Profile{Token: tokenFor("", name), Name: name, URI: uri}
	// Formats fails while an AAC track has had no frame yet; the codecs
	// from Stats are still right then.
	formats, _ := st.Formats()
	if stats.Video != server.VideoNone {
		p.Video = videoOf(stats.Video, find(formats, stats.Video))
		// MJPEG has no parameter sets: its size is each picture's.
		if p.Video.Width == 0 {
			p.Video.Width, p.Video.Height = stats.Width, stats.Height
		}
		p.Video.GovLength = stats.GOPLength
		if p.Video.FrameRate == 0 {
			p.Video.FrameRate = s.fps
		}
		if len(stats.OctetsSent) > 0 {
			p.Video.BitrateKbps = s.rate(name, stats.OctetsSent[0])
		}
	}
	if stats.Audio != server.AudioNone {
		p.Audio = audioOf(stats.Audio, find(formats, stats.Audio))
	}
	return p, true
}

// find returns the format of codec c among fs, or nil.
func find(fs []format.Format, c format.Codec) *format.Format {
	for i := range fs {
		if fs[i].Codec == c {
			return &fs[i]
		}
	}
	return nil
}

// videoOf describes a video track from its codec and, when known, its
// format's parameter sets.
func videoOf(c format.Codec, f *format.Format) *Video {
	v := &Video{Encoding: string(c)}
	var sets [][]byte
	if f != nil {
		sets, _ = f.ParameterSets()
	}
	for _, nal := range sets {
		switch c {
		case format.H264:
			if h26x.H264Type(nal) != h26x.H264NALSPS {
				continue
			}
			sps, err := h26x.ParseH264SPS(nal)
			if err != nil {
				continue
			}
			v.Width, v.Height, v.FrameRate = sps.Width, sps.Height, roundRate(sps.FrameRate())
			v.H264Profile = h264ProfileName(sps.ProfileIDC)
		case format.H265:
			if h26x.H265Type(nal) != h26x.H265NALSPS {
				continue
			}
			sps, err := h26x.ParseH265SPS(nal)
			if err != nil {
				continue
			}
			v.Width, v.Height, v.FrameRate = sps.Width, sps.Height, roundRate(sps.FrameRate())
		}
	}
	return v
}

// roundRate keeps three decimals of a frame rate (29.97).
func roundRate(r float64) float64 { return math.Round(r*1000) / 1000 }

// h264ProfileName maps profile_idc to tt:H264Profile. The High profiles
// with more bits or chroma are reported as High, ONVIF having no name for
// them.
func h264ProfileName(idc uint8) string {
	switch idc {
	case 66:
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	default:
		return "High"
	}
}

// audioOf describes an audio track.
func audioOf(c format.Codec, f *format.Format) *Audio {
	switch c {
	case format.PCMU, format.PCMA:
		return &Audio{Encoding: "G711", SampleRate: 8000, Channels: 1, BitrateKbps: 64}
	}
	a := &Audio{Encoding: string(c), Channels: 1}
	if f != nil {
		a.SampleRate = int(f.ClockRate)
		if f.Channels > 0 {
			a.Channels = f.Channels
		}
	}
	return a
}

// rate returns the session's video bit rate in kbit/s from its byte count
// now and at the previous call at least a second ago; 0 until there are
// two such calls. The count is the RTCP sender report's 32-bit octet
// count, which wraps: the difference is taken modulo 2^32.
func (s *serverSource) rate(name string, bytes uint32) int {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.rates[name]
	if !ok {
		s.rates[name] = rateSample{at: now, bytes: bytes}
		return 0
	}
	if d := now.Sub(prev.at); d >= time.Second {
		kbps := int(float64(bytes-prev.bytes) * 8 / d.Seconds() / 1000)
		s.rates[name] = rateSample{at: now, bytes: bytes, kbps: kbps}
		return kbps
	}
	return prev.kbps
}

// forget drops the samples of sessions that no longer exist.
func (s *serverSource) forget(seen map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.rates {
		if !seen[name] {
			delete(s.rates, name)
		}
	}
}
