package server

import (
	"fmt"
	"strings"
)

// VideoType is the codec of a session's video track. It is a string type, so
// the board's spellings work as they are: CreateSession("test", "h264", false).
type VideoType string

// Video types. MediaH264, MediaH265 and MediaMJPEG are the board's constant
// names (media_h264, media_h265, media_mjpeg).
const (
	VideoH264  VideoType = "h264"
	VideoH265  VideoType = "h265"
	VideoMJPEG VideoType = "mjpeg"

	MediaH264  = VideoH264
	MediaH265  = VideoH265
	MediaMJPEG = VideoMJPEG
)

// ParseVideoType accepts "h264", "h265", "mjpeg" in any case, "avc", "hevc"
// and "jpeg", and the board's numbers "0", "1", "2".
func ParseVideoType(s string) (VideoType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "h264", "avc", "0":
		return VideoH264, nil
	case "h265", "hevc", "1":
		return VideoH265, nil
	case "mjpeg", "jpeg", "2":
		return VideoMJPEG, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownVideoType, s)
}

// AudioType is the codec of a session's audio track.
type AudioType string

// Audio types. AudioPCMU (G.711 µ-law, 8 kHz mono) is what the board sends.
const (
	AudioNone AudioType = ""
	AudioPCMU AudioType = "pcmu" // G.711 µ-law, RTP payload type 0
	AudioPCMA AudioType = "pcma" // G.711 A-law, RTP payload type 8
	AudioAAC  AudioType = "aac"  // AAC in ADTS frames, sent as RFC 3640 AAC-hbr
)

// ParseAudioType accepts "pcmu"/"ulaw"/"g711u", "pcma"/"alaw"/"g711a",
// "aac" and "" or "none".
func ParseAudioType(s string) (AudioType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none":
		return AudioNone, nil
	case "pcmu", "ulaw", "mulaw", "g711u", "g711":
		return AudioPCMU, nil
	case "pcma", "alaw", "g711a":
		return AudioPCMA, nil
	case "aac":
		return AudioAAC, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownAudioType, s)
}

func (a AudioType) valid() bool {
	return a == AudioNone || a == AudioPCMU || a == AudioPCMA || a == AudioAAC
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
