package server

import (
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/format"
)

// VideoType is the codec of a session's video track. It is the format
// package's Codec (one codec vocabulary for the server, the client and the
// command), so its values are RTP encoding names ("H264", "H265",
// "JPEG"); the board's spellings are accepted as they are wherever a
// session is created: CreateSession("test", "h264", false).
type VideoType = format.Codec

// Video types. MediaH264, MediaH265 and MediaMJPEG are the board's constant
// names (media_h264, media_h265, media_mjpeg).
const (
	// VideoNone is an audio-only session: NewStream and
	// CreateSessionAttr (WithVideo false) take it with an audio codec.
	VideoNone  format.Codec = ""
	VideoH264               = format.H264
	VideoH265               = format.H265
	VideoMJPEG              = format.JPEG

	MediaH264  = VideoH264
	MediaH265  = VideoH265
	MediaMJPEG = VideoMJPEG
)

// ParseVideoType accepts the board's numbers "0", "1", "2" (its enum
// order: H.264, H.265, MJPEG) and any video codec name format.ParseCodec
// knows ("h264", "AVC", "hevc", "mjpeg", "jpeg"... in any case).
func ParseVideoType(s string) (VideoType, error) {
	switch strings.TrimSpace(s) {
	case "0":
		return VideoH264, nil
	case "1":
		return VideoH265, nil
	case "2":
		return VideoMJPEG, nil
	}
	if c, err := format.ParseCodec(s); err == nil && c.Media() == "video" {
		return c, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownVideoType, s)
}

// AudioType is the codec of a session's audio track, a format.Codec like
// VideoType; AudioNone ("") is none.
type AudioType = format.Codec

// Audio types. AudioPCMU (G.711 µ-law, 8 kHz mono) is what the board sends.
const (
	AudioNone format.Codec = ""
	AudioPCMU              = format.PCMU // G.711 µ-law, RTP payload type 0
	AudioPCMA              = format.PCMA // G.711 A-law, RTP payload type 8
	AudioAAC               = format.AAC  // AAC in ADTS frames, sent as RFC 3640 AAC-hbr
)

// ParseAudioType accepts "" and "none" (no audio) and any audio codec
// name format.ParseCodec knows ("pcmu", "ulaw", "g711", "alaw", "aac",
// "MPEG4-GENERIC"... in any case).
func ParseAudioType(s string) (AudioType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none":
		return AudioNone, nil
	}
	if c, err := format.ParseCodec(s); err == nil && c.Media() == "audio" {
		return c, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownAudioType, s)
}

// validName checks a session name: it becomes the path of the URL, so it
// must be a single clean path segment.
func validName(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("%w: %q (1 to 128 characters)", ErrBadSessionName, name)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w: %q", ErrBadSessionName, name)
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("/\\?#%\"<>", r) {
			return fmt.Errorf("%w: %q (no spaces, control characters or /\\?#%%\"<>)", ErrBadSessionName, name)
		}
	}
	return nil
}
