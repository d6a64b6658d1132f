package onvif

import (
	"net/url"
	"strings"
)

// scopes returns the device's scope URIs (Core §7.3.2.2, "Scopes"): the
// Profile S profile, the type, at least one name and one hardware entry
// ("A device shall include at least one fixed entry ... of the profile,
// hardware and name categories"), the location when configured, and the
// configured extra scopes.
func (s *Service) scopes() []string {
	const base = "onvif://www.onvif.org/"
	// Name, hardware and location are "any character string or path
	// value": slashes separate segments, anything else is escaped.
	seg := func(v string) string {
		parts := strings.Split(v, "/")
		for i := range parts {
			parts[i] = url.PathEscape(parts[i])
		}
		return strings.Join(parts, "/")
	}
	out := []string{
		base + "Profile/Streaming",
		base + "type/video_encoder",
	}
	if s.hasAudio() {
		out = append(out, base+"type/audio_encoder")
	}
	out = append(out,
		base+"name/"+seg(s.cfg.Name),
		base+"hardware/"+seg(s.cfg.Device.HardwareID))
	if s.cfg.Location != "" {
		out = append(out, base+"location/"+seg(s.cfg.Location))
	}
	return append(out, s.cfg.Scopes...)
}

// hasAudio reports whether any profile has audio now.
func (s *Service) hasAudio() bool {
	ps, err := s.cfg.Profiles.Profiles()
	return err == nil && anyAudio(ps)
}

// Matching rules of a Probe's Scopes (WS-Discovery 2005/04 §5.1).
const (
	matchRFC2396 = "http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc2396"
	matchRFC3986 = "http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986"
	matchStrcmp0 = "http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0"
)

// scopesMatch reports whether every probe scope matches one of ours under
// rule (WS-Discovery §5.1: "a Target Service matches a Probe if ... each
// of the Scopes in the Probe matches at least one of the Scopes of the
// Target Service"); an unknown rule matches nothing. The default rule,
// rfc2396, is read like rfc3986, which ONVIF requires instead (Core
// §7.3.3, "Probe and Probe Match").
func scopesMatch(rule string, probe, ours []string) bool {
	for _, ps := range probe {
		found := false
		for _, o := range ours {
			var ok bool
			switch rule {
			case "", matchRFC2396, matchRFC3986:
				ok = uriScopeMatch(ps, o)
			case matchStrcmp0:
				ok = ps == o
			}
			if ok {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// uriScopeMatch is the rfc3986 rule: scheme and authority equal ignoring
// case, and the probe's path segments a prefix of ours, segment by
// segment, after percent-decoding (so onvif://www.onvif.org/hardware/D1
// does not match .../hardware/D1-566, Core §7.3.2.2's example).
func uriScopeMatch(probe, ours string) bool {
	p, err1 := url.Parse(probe)
	o, err2 := url.Parse(ours)
	if err1 != nil || err2 != nil || p.Opaque != "" || o.Opaque != "" {
		return probe == ours
	}
	if !strings.EqualFold(p.Scheme, o.Scheme) || !strings.EqualFold(p.Host, o.Host) {
		return false
	}
	ps, os := segments(p.EscapedPath()), segments(o.EscapedPath())
	if len(ps) > len(os) {
		return false
	}
	for i := range ps {
		if ps[i] != os[i] {
			return false
		}
	}
	return true
}

// segments splits an escaped path into its non-empty segments, each
// percent-decoded after the split (an escaped "/" stays inside its
// segment); "." and ".." are taken literally, as scopes are names rather
// than file paths.
func segments(escaped string) []string {
	var out []string
	for s := range strings.SplitSeq(escaped, "/") {
		if s == "" {
			continue
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}
