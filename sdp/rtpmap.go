package sdp

import (
	"fmt"
	"strconv"
	"strings"
)

// RTPMap is the value of an "a=rtpmap" attribute (RFC 8866 §6.6):
// <payload type> <encoding name>/<clock rate>[/<encoding parameters>].
type RTPMap struct {
	// PayloadType is the RTP payload type, 0-127.
	PayloadType uint8
	// Encoding is the encoding name as written ("H264", "MPEG4-GENERIC",
	// "PCMU"); compare it ignoring case (RFC 4855 §3).
	Encoding string
	// ClockRate is the RTP timestamp rate in Hz; never 0 once parsed.
	ClockRate uint32
	// Channels is the audio channel count from the encoding parameters;
	// 0 means absent, which RFC 8866 §6.6 reads as one channel.
	Channels int
}

// ParseRTPMap reads an "a=rtpmap" value such as "96 H264/90000" or
// "97 MPEG4-GENERIC/48000/2". It tolerates runs of spaces, spaces around
// '/' and a trailing '/'. It fails with ErrSyntax for a payload type
// outside 0-127, an empty encoding name, a missing or zero clock rate, or a
// channel count that is not a number in 0-255.
func ParseRTPMap(value string) (payloadType uint8, encoding string, clockRate uint32, channels int, err error) {
	var r RTPMap
	if err := r.Unmarshal(value); err != nil {
		return 0, "", 0, 0, err
	}
	return r.PayloadType, r.Encoding, r.ClockRate, r.Channels, nil
}

// Unmarshal sets r from an "a=rtpmap" value; see ParseRTPMap.
func (r *RTPMap) Unmarshal(value string) error {
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("%w: rtpmap holds a CR, LF or NUL", ErrSyntax)
	}
	ptStr, rest := nextField(value)
	pt, err := parsePayloadType(ptStr)
	if err != nil {
		return fmt.Errorf("rtpmap: %w", err)
	}
	enc, after, ok := strings.Cut(rest, "/")
	enc = trimSpace(enc)
	if !ok || enc == "" || strings.ContainsAny(enc, " \t") {
		return fmt.Errorf("%w: rtpmap %s: want <pt> <encoding>/<clock rate>", ErrSyntax, quote(value))
	}
	clockStr, chStr, hasCh := strings.Cut(after, "/")
	clock, err := parseNumber(trimSpace(clockStr), 32)
	if err != nil || clock == 0 {
		return fmt.Errorf("%w: rtpmap clock rate in %s", ErrSyntax, quote(value))
	}
	ch := uint64(0)
	if chStr = trimSpace(chStr); hasCh && chStr != "" {
		if ch, err = parseNumber(chStr, 8); err != nil {
			return fmt.Errorf("%w: rtpmap channels in %s", ErrSyntax, quote(value))
		}
	}
	*r = RTPMap{PayloadType: pt, Encoding: enc, ClockRate: uint32(clock), Channels: int(ch)}
	return nil
}

// String returns the attribute value, for example "97 MPEG4-GENERIC/48000/2".
// It does not check r; see Validate.
func (r RTPMap) String() string {
	b := make([]byte, 0, 16+len(r.Encoding))
	b = strconv.AppendUint(b, uint64(r.PayloadType), 10)
	b = append(b, ' ')
	b = append(b, r.Encoding...)
	b = append(b, '/')
	b = strconv.AppendUint(b, uint64(r.ClockRate), 10)
	if r.Channels > 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(r.Channels), 10)
	}
	return string(b)
}

// Validate reports, wrapping ErrInvalid, why r would not read back as
// itself: a payload type over 127, an encoding that is empty or holds '/',
// whitespace, CR, LF or NUL, a zero clock rate or channels outside 0-255.
func (r RTPMap) Validate() error {
	switch {
	case r.PayloadType > 127:
		return fmt.Errorf("%w: rtpmap payload type %d", ErrInvalid, r.PayloadType)
	case r.Encoding == "" || strings.ContainsAny(r.Encoding, "/ \t\r\n\x00"):
		return fmt.Errorf("%w: rtpmap encoding %s", ErrInvalid, quote(r.Encoding))
	case r.ClockRate == 0:
		return fmt.Errorf("%w: rtpmap clock rate 0", ErrInvalid)
	case r.Channels < 0 || r.Channels > 255:
		return fmt.Errorf("%w: rtpmap channels %d", ErrInvalid, r.Channels)
	}
	return nil
}

// Attribute returns r as an "a=rtpmap" attribute.
func (r RTPMap) Attribute() Attribute { return Attribute{Key: "rtpmap", Value: r.String()} }

// staticRTPMaps holds the static payload types of RFC 3551 §6, tables 4
// and 5.
var staticRTPMaps = map[uint8]RTPMap{
	0:  {0, "PCMU", 8000, 1},
	3:  {3, "GSM", 8000, 1},
	4:  {4, "G723", 8000, 1},
	5:  {5, "DVI4", 8000, 1},
	6:  {6, "DVI4", 16000, 1},
	7:  {7, "LPC", 8000, 1},
	8:  {8, "PCMA", 8000, 1},
	9:  {9, "G722", 8000, 1},
	10: {10, "L16", 44100, 2},
	11: {11, "L16", 44100, 1},
	12: {12, "QCELP", 8000, 1},
	13: {13, "CN", 8000, 1},
	14: {14, "MPA", 90000, 0},
	15: {15, "G728", 8000, 1},
	16: {16, "DVI4", 11025, 1},
	17: {17, "DVI4", 22050, 1},
	18: {18, "G729", 8000, 1},
	25: {25, "CelB", 90000, 0},
	26: {26, "JPEG", 90000, 0},
	28: {28, "nv", 90000, 0},
	31: {31, "H261", 90000, 0},
	32: {32, "MPV", 90000, 0},
	33: {33, "MP2T", 90000, 0},
	34: {34, "H263", 90000, 0},
}

// StaticRTPMap returns the static assignment of payload type pt from
// RFC 3551 §6 (0 PCMU/8000/1, 8 PCMA/8000/1, 26 JPEG/90000...), and
// whether pt has one.
func StaticRTPMap(pt uint8) (RTPMap, bool) {
	r, ok := staticRTPMaps[pt]
	return r, ok
}
