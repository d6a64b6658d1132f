package format

import (
	"errors"
	"fmt"
	"strings"
)

// Codec names an RTP payload format by its SDP encoding name, upper-cased
// (RFC 8866 §6.6; RFC 3551 §6 for the static payload types). Encoding names
// are case-insensitive (RFC 4855 §3), so upper-casing makes them comparable
// with ==. Unknown encodings keep their upper-cased name: the vocabulary is
// open, but only the constants have packetizers and depacketizers.
type Codec string

// Codecs this package can packetize and depacketize.
const (
	H264 Codec = "H264"          // RFC 6184
	H265 Codec = "H265"          // RFC 7798
	JPEG Codec = "JPEG"          // RFC 2435 (Motion-JPEG)
	PCMU Codec = "PCMU"          // G.711 µ-law, RFC 3551 §4.5.14
	PCMA Codec = "PCMA"          // G.711 A-law, RFC 3551 §4.5.14
	AAC  Codec = "MPEG4-GENERIC" // RFC 3640 AAC-hbr / AAC-lbr
)

var (
	// ErrUnknownCodec is returned by ParseCodec for a name it does not know.
	ErrUnknownCodec = errors.New("format: unknown codec")
	// ErrUnsupported is returned when a codec, or a mode of it, has no
	// packetizer or depacketizer here, or when a Format is asked for
	// something its codec does not have (an AAC configuration of H.264).
	ErrUnsupported = errors.New("format: not supported for this codec")
)

// ParseCodec reads a codec name as a user or a configuration file writes it:
// the encoding names of the constants and the aliases "avc", "hevc",
// "mjpeg", "ulaw", "mulaw", "g711u", "g711" (µ-law, the G.711 of RFC 3551's
// payload type 0), "alaw", "g711a" and "aac", in any case and trimmed of
// spaces. Anything else gives an error wrapping ErrUnknownCodec.
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "h264", "avc":
		return H264, nil
	case "h265", "hevc":
		return H265, nil
	case "jpeg", "mjpeg":
		return JPEG, nil
	case "pcmu", "ulaw", "mulaw", "g711u", "g711":
		return PCMU, nil
	case "pcma", "alaw", "g711a":
		return PCMA, nil
	case "aac", "mpeg4-generic":
		return AAC, nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownCodec, s)
}

// Known reports whether c is one of the constants, the codecs with a
// packetizer and a depacketizer.
func (c Codec) Known() bool {
	switch c {
	case H264, H265, JPEG, PCMU, PCMA, AAC:
		return true
	}
	return false
}

// Media returns the SDP media type of c: "video" for H264, H265 and JPEG,
// "audio" for PCMU, PCMA and AAC, and "" for codecs outside the constants,
// whose media type only their m= line knows.
func (c Codec) Media() string {
	switch c {
	case H264, H265, JPEG:
		return "video"
	case PCMU, PCMA, AAC:
		return "audio"
	}
	return ""
}

// ClockRate returns the RTP clock rate that c fixes: 90000 Hz for the video
// codecs (RFC 6184 §8.2.1, RFC 7798 §7.2.1, RFC 3551 Table 5 for JPEG),
// 8000 Hz for G.711 (RFC 3551 §4.5.14). It is 0 for AAC, whose rate is the sampling rate of
// its configuration (RFC 3640 §4.1), and for unknown codecs.
func (c Codec) ClockRate() uint32 {
	switch c {
	case H264, H265, JPEG:
		return 90000
	case PCMU, PCMA:
		return 8000
	}
	return 0
}

// Label returns the name people know c by, for messages and logs: "H.264",
// "H.265", "MJPEG", "G.711 µ-law", "G.711 A-law", "AAC"; other codecs are
// their encoding name.
func (c Codec) Label() string {
	switch c {
	case H264:
		return "H.264"
	case H265:
		return "H.265"
	case JPEG:
		return "MJPEG"
	case PCMU:
		return "G.711 µ-law"
	case PCMA:
		return "G.711 A-law"
	case AAC:
		return "AAC"
	}
	return string(c)
}
