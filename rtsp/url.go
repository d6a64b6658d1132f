package rtsp

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Errors of MatchMount.
var (
	// ErrBadPath: the request path holds a NUL byte or a ".." segment
	// (RFC 2326 §16 "Attacks Based On File and Path Names"), possibly
	// percent-encoded.
	ErrBadPath = errors.New("rtsp: request path contains NUL or a .. segment")
	// ErrNotMount: the URL does not name the mount or one of its tracks.
	ErrNotMount = errors.New("rtsp: URL is not under the mount path")
)

// ParseContentBase parses a Content-Base (RFC 2326 §12.11) or
// Content-Location value: an absolute URL with a scheme and a host.
func ParseContentBase(s string) (*url.URL, error) {
	s = trimOWS(s)
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || hasCTL(s) || strings.ContainsAny(s, " \t") {
		return nil, fmt.Errorf("%w: Content-Base %q is not an absolute URL", ErrMalformed, s)
	}
	return u, nil
}

// ResolveControl returns the URL a client sends in SETUP (or PLAY) for a
// media or session "a=control:" attribute (RFC 2326 §C.1.1), resolved the
// way players do it rather than by RFC 3986 reference resolution:
//
//   - "" and "*" mean the base itself.
//   - An absolute URL ("rtsp://...", any "scheme:" before the first '/')
//     is used as is (ffmpeg, live555; gortsplib instead keeps the base's
//     host, which only matters for cameras that advertise a wrong address).
//   - A control starting with '?' is appended to the base with no
//     separator (gortsplib; cameras that use "?ctype=video").
//   - Any other control is appended to the base with exactly one '/'
//     between them, whether or not the base ends in '/' and whether or not
//     the control starts with one (live555; ffmpeg adds a '/' only when the
//     base lacks one).
//
// base is the Content-Base of the DESCRIBE response, or the DESCRIBE URL
// when there was none. Its query is kept where it is and the control goes
// after it, as plain string concatenation: base "rtsp://h/live?token=x"
// and control "trackID=1" give "rtsp://h/live?token=x/trackID=1". That is
// what ffmpeg (libavformat/rtsp.c), live555 and gortsplib all send, so a
// server must accept it (MatchMount does). The base's fragment is dropped.
func ResolveControl(base *url.URL, control string) (*url.URL, error) {
	if base == nil {
		return nil, errors.New("rtsp: ResolveControl: nil base URL")
	}
	control = trimOWS(control)
	if hasCTL(control) {
		return nil, fmt.Errorf("%w: control attribute %q", ErrMalformed, control)
	}
	b := *base
	b.Fragment, b.RawFragment = "", ""
	if control == "" || control == "*" {
		return &b, nil
	}
	if isAbsoluteURL(control) {
		u, err := url.Parse(control)
		if err != nil {
			return nil, fmt.Errorf("%w: control URL %q: %v", ErrMalformed, control, err)
		}
		return u, nil
	}
	s := b.String()
	if control[0] != '?' {
		s = strings.TrimSuffix(s, "/") + "/" + strings.TrimLeft(control, "/")
	} else {
		s += control
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: control %q on base %q: %v", ErrMalformed, control, base, err)
	}
	return u, nil
}

// isAbsoluteURL reports whether s starts with a URI scheme and ':'
// (RFC 3986 §3.1) before any '/', '?' or '#'.
func isAbsoluteURL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':':
			return i > 0
		default:
			return false
		}
	}
	return false
}

// MatchMount tells what a request URL names within a mount (a path such as
// "live/cam1"; leading and trailing slashes do not matter). It returns ""
// for the aggregate (the mount itself, with or without a trailing slash or
// a query) and the track control otherwise: for "mount/trackID=1",
// "mount/track1" and "mount/a/b" it returns "trackID=1", "track1", "a/b".
//
// Clients that resolve a relative control against a base with a query
// (see ResolveControl) send "mount?query/trackID=1"; for such a URL the
// text after the last '/' of the query is returned as the track. A query
// that merely contains '/' therefore also yields a "track", which the
// server will not know: it should answer 404, or treat the URL as the
// aggregate where only the aggregate makes sense (DESCRIBE).
//
// The path is compared after percent-decoding and case-sensitively. The
// host and port are ignored (players send an explicit ":554", or the
// address they were given rather than ours). It returns ErrBadPath for a
// NUL byte or a ".." segment anywhere in the path or in the control, and
// ErrNotMount for a URL outside the mount, including "*".
func MatchMount(u *url.URL, mount string) (control string, err error) {
	if u == nil || u.Opaque != "" || (u.Scheme == "" && u.Host == "" && u.Path == "*") {
		return "", ErrNotMount
	}
	if badPath(u.Path) {
		return "", ErrBadPath
	}
	m := strings.Trim(mount, "/")
	p := strings.TrimLeft(u.Path, "/")
	var rest string
	switch {
	case m == "":
		rest = p
	case p == m:
	case strings.HasPrefix(p, m+"/"):
		rest = p[len(m)+1:]
	default:
		return "", ErrNotMount
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		if i := strings.LastIndexByte(u.RawQuery, '/'); i >= 0 {
			c, err := url.PathUnescape(u.RawQuery[i+1:])
			if err != nil || badPath(c) {
				return "", ErrBadPath
			}
			rest = c
		}
	}
	return rest, nil
}

// badPath reports a NUL byte or a ".." segment in a decoded path.
func badPath(p string) bool {
	if strings.IndexByte(p, 0) >= 0 {
		return true
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}
