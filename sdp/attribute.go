package sdp

import (
	"fmt"
	"strings"
)

// Attribute returns the value of the first session-level attribute named
// key, compared ignoring ASCII case, and whether there is one. A property
// attribute ("a=recvonly") yields "" and true.
func (s *Session) Attribute(key string) (string, bool) { return findAttr(s.Attributes, key) }

// AttributeValues returns the values of every session-level attribute
// named key, in order, or nil.
func (s *Session) AttributeValues(key string) []string { return attrValues(s.Attributes, key) }

// Control returns the session-level "a=control" URL, trimmed of spaces: the
// aggregate control URL of RFC 2326 §C.1.1 / RFC 7826 §D.1.1 ("*" means
// the request URL). It is "" when there is none.
func (s *Session) Control() string {
	v, _ := s.Attribute("control")
	return trimSpace(v)
}

// Range returns the raw value of the session-level "a=range" attribute,
// for example "npt=0-" or "npt=now-" (RFC 2326 §C.1.5), and whether there
// is one.
func (s *Session) Range() (string, bool) { return s.Attribute("range") }

// Attribute returns the value of the first attribute of m named key,
// compared ignoring ASCII case, and whether there is one.
func (m *Media) Attribute(key string) (string, bool) { return findAttr(m.Attributes, key) }

// AttributeValues returns the values of every attribute of m named key, in
// order, or nil.
func (m *Media) AttributeValues(key string) []string { return attrValues(m.Attributes, key) }

// Control returns the media's "a=control" URL, trimmed of spaces, or "".
// It is often relative ("track1", "trackID=0", "streamid=0"); resolving it
// against the Content-Base is the RTSP client's job.
func (m *Media) Control() string {
	v, _ := m.Attribute("control")
	return trimSpace(v)
}

// PayloadType returns the first format of m as an RTP payload type (0-127).
func (m *Media) PayloadType() (uint8, error) {
	if len(m.Formats) == 0 {
		return 0, fmt.Errorf("%w: media has no formats", ErrSyntax)
	}
	return parsePayloadType(m.Formats[0])
}

// RTPMap returns the "a=rtpmap" of payload type pt. When m has none it
// falls back to the static assignments of RFC 3551 §6 (0 PCMU, 8 PCMA, 26
// JPEG...), which senders may leave out; otherwise the error wraps
// ErrNoAttribute. A malformed rtpmap for pt fails with ErrSyntax.
func (m *Media) RTPMap(pt uint8) (RTPMap, error) {
	for _, a := range m.Attributes {
		if !strings.EqualFold(a.Key, "rtpmap") || !hasPayloadType(a.Value, pt) {
			continue
		}
		var r RTPMap
		err := r.Unmarshal(a.Value)
		return r, err
	}
	if r, ok := StaticRTPMap(pt); ok {
		return r, nil
	}
	return RTPMap{}, fmt.Errorf("%w: rtpmap for payload type %d", ErrNoAttribute, pt)
}

// FMTP returns the "a=fmtp" of payload type pt. Some cameras label the
// fmtp of a media's only format with another payload type (a Hikvision
// "m=audio 0 RTP/AVP 104" carries "a=fmtp:97 ..."): when m has a single
// format and a single fmtp line and pt matches none, that line is returned
// as written. Otherwise a missing fmtp wraps ErrNoAttribute and a malformed
// one ErrSyntax.
func (m *Media) FMTP(pt uint8) (FMTP, error) {
	only := -1
	count := 0
	for i, a := range m.Attributes {
		if !strings.EqualFold(a.Key, "fmtp") {
			continue
		}
		if hasPayloadType(a.Value, pt) {
			return ParseFMTP(a.Value)
		}
		only = i
		count++
	}
	if count == 1 && len(m.Formats) == 1 {
		return ParseFMTP(m.Attributes[only].Value)
	}
	return FMTP{}, fmt.Errorf("%w: fmtp for payload type %d", ErrNoAttribute, pt)
}

// hasPayloadType reports whether an rtpmap or fmtp value starts with the
// payload type pt.
func hasPayloadType(v string, pt uint8) bool {
	f, _ := nextField(v)
	n, err := parsePayloadType(f)
	return err == nil && n == pt
}

// parsePayloadType reads an RTP payload type: a decimal in 0-127 (RFC 3550
// §5.1 gives it seven bits).
func parsePayloadType(s string) (uint8, error) {
	n, err := parseNumber(s, 8)
	if err != nil || n > 127 {
		return 0, fmt.Errorf("%w: payload type %s", ErrSyntax, quote(s))
	}
	return uint8(n), nil
}

func findAttr(attrs []Attribute, key string) (string, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Key, key) {
			return a.Value, true
		}
	}
	return "", false
}

func attrValues(attrs []Attribute, key string) []string {
	var out []string
	for _, a := range attrs {
		if strings.EqualFold(a.Key, key) {
			out = append(out, a.Value)
		}
	}
	return out
}
