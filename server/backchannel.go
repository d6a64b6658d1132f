package server

import (
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// The audio backchannel (ONVIF Streaming Specification §5.3, two-way
// audio for intercoms and doorbells): a player that sends
// "Require: www.onvif.org/ver20/backchannel" with its requests is
// described, for a session created with the backchannel on, an extra
// audio media marked a=sendonly (the client sends it; the others are
// a=recvonly), G.711 µ-law at 8 kHz. It sets that media up like any other
// (TCP interleaved or UDP), and the RTP it sends is depacketized and
// handed to Config.OnBackChannelData. A player without the header sees the
// usual description; a session without the backchannel refuses the tag
// with 551, as the specification asks, so that the player can retry
// without it.

// backchannelTag is the ONVIF feature-tag of the backchannel.
const backchannelTag = "www.onvif.org/ver20/backchannel"

// backControl is the control of the backchannel media.
const backControl = "backchannel"

// backFormat is what a player sends on the backchannel: PCMU, 8 kHz, mono
// (the board's OnBackChannelData takes µ-law).
var backFormat, _ = format.NewG711(format.PCMU)

// SessionAttr is the board's SessionAttr (RtspServer_CreateSession of the
// C wrapper): what a session carries.
type SessionAttr struct {
	WithVideo, WithAudio, WithAudioBackchannel bool
	// VideoType is the video codec (VideoH264, VideoH265, VideoMJPEG).
	VideoType VideoType
	// AudioType is the audio codec WithAudio gives (not in the board's
	// struct): AudioPCMU, as on the board, when empty.
	AudioType AudioType
}

// CreateSessionAttr creates a session as the board's C wrapper does: video
// of attr.VideoType when WithVideo, G.711 µ-law audio when WithAudio (at
// least one of the two), and the audio backchannel when
// WithAudioBackchannel, whose audio is handed to Config.OnBackChannelData.
func (s *Server) CreateSessionAttr(name string, attr SessionAttr) error {
	video := VideoNone
	if attr.WithVideo {
		if video = attr.VideoType; video == VideoNone {
			return fmt.Errorf("%w: WithVideo without a VideoType", ErrUnknownVideoType)
		}
	}
	audio := AudioNone
	if attr.WithAudio {
		audio = attr.AudioType
		if audio == AudioNone {
			audio = AudioPCMU
		}
	}
	_, err := s.newStream(name, video, audio, attr.WithAudioBackchannel)
	return err
}

// wantsBackchannel reports whether a request carries the backchannel tag.
func wantsBackchannel(req *rtsp.Request) bool {
	for _, v := range req.Header.Values("Require") {
		for _, tag := range strings.Split(v, ",") {
			if strings.TrimSpace(tag) == backchannelTag {
				return true
			}
		}
	}
	return false
}

// backchannelOK reports whether the request's stream has the backchannel,
// which makes its Require tag a supported one.
func (c *conn) backchannelOK(req *rtsp.Request) bool {
	if s := c.sessionOf(req); s != nil {
		return s.m.backchannel
	}
	m, _, _ := c.mountOf(req.URL)
	return m != nil && m.backchannel
}

// describeBackchannel adds the backchannel media to a description: the
// stream's own media marked a=recvonly, the backchannel a=sendonly.
func describeBackchannel(s *sdp.Session) {
	for _, md := range s.Media {
		md.Attributes = append(md.Attributes, sdp.Attribute{Key: "recvonly"})
	}
	md := backFormat.Media(backControl)
	md.Attributes = append(md.Attributes, sdp.Attribute{Key: "sendonly"})
	s.Media = append(s.Media, md)
}

// newBackTrack is the receiving side of a session's backchannel: a
// publisher's track whose frames go to Config.OnBackChannelData rather
// than to a stream.
func newBackTrack(name string, fn func(session string, data []byte, timestamp uint32)) *pubTrack {
	t := &pubTrack{control: backControl, format: backFormat}
	t.depack, _ = backFormat.NewDepacketizer()
	t.deliver = func(f format.Frame) {
		if fn != nil && len(f.Data) > 0 {
			fn(name, f.Data, f.Timestamp)
		}
	}
	t.emit = t.onFrame
	return t
}

// backSlot is 1 when sessions of m have a backchannel slot.
func backSlot(m *mount) int {
	if m.backchannel {
		return 1
	}
	return 0
}
