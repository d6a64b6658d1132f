package auth

import (
	"net"
	"net/url"
	"strings"
)

// authURIMatch reports whether the digest-uri of Digest credentials names
// the same resource as the Request-URI, or else the presentation base that
// the Request-URI lies in. RFC 2617 §3.2.2.5 and RFC 7616 §3.4.6 ask the
// server to check this so that credentials cannot be replayed against
// another resource. Players differ in what they put there: ffmpeg and
// GStreamer send the absolute rtsp:// URL as in the request line, others
// only the path. So after an exact match fails, both are normalised and
// compared: host (only when both are absolute; case-insensitive, default
// port 554 for rtsp and 322 for rtsps removed), path (percent-decoded, a
// trailing slash ignored, empty meaning "/") and query.
//
// live555 (VLC, most NVRs, openRTSP) always computes the digest over its
// base URL, which after DESCRIBE is the Content-Base: its SETUP of
// rtsp://host/test/trackID=0 carries uri="rtsp://host/test/". RFC 7616
// §3.4 says the digest-uri is "the Effective Request URI", but refusing
// what the most common client sends locks it out of every protected
// camera. So when base is not empty (the aggregate URL of the presentation
// the request is for, from the caller, who knows its presentations) the
// digest-uri may also name base, provided the Request-URI is base itself
// or lies under it at a "/" boundary: credentials for /test still do not
// open /testing, /other or, for a base of /, anything but /.
func authURIMatch(digestURI, requestURI, base string) bool {
	if digestURI == requestURI {
		return true
	}
	d, ok := authNormalizeURI(digestURI)
	if !ok {
		return false
	}
	r, ok := authNormalizeURI(requestURI)
	if !ok {
		return false
	}
	if d.same(r) {
		return true
	}
	if base == "" {
		return false
	}
	b, ok := authNormalizeURI(base)
	if !ok || !b.same(d) || !b.sameHost(r) {
		return false
	}
	return r.path == b.path || (b.path != "/" && strings.HasPrefix(r.path, b.path+"/"))
}

// same reports whether p and q name one resource.
func (p authURIParts) same(q authURIParts) bool {
	return p.sameHost(q) && p.path == q.path && p.query == q.query
}

// sameHost reports whether p and q may be on one host: they are, or one of
// them is a bare path.
func (p authURIParts) sameHost(q authURIParts) bool {
	return p.host == "" || q.host == "" || p.host == q.host
}

// authURIParts is a URI reduced to what authURIMatch compares.
type authURIParts struct {
	host, path, query string
}

// authNormalizeURI splits an absolute rtsp URL or an absolute path into
// normalised parts; it fails on anything else ("*" only matches exactly).
func authNormalizeURI(s string) (authURIParts, bool) {
	if s == "" || s == "*" {
		return authURIParts{}, false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil {
		return authURIParts{}, false
	}
	var p authURIParts
	if u.Scheme != "" {
		if u.Host == "" {
			return authURIParts{}, false
		}
		host := strings.ToLower(u.Host)
		if h, port, err := net.SplitHostPort(host); err == nil {
			scheme := strings.ToLower(u.Scheme)
			if (port == "554" && (scheme == "rtsp" || scheme == "rtspu")) || (port == "322" && scheme == "rtsps") || port == "" {
				host = h
				if strings.Contains(h, ":") {
					host = "[" + h + "]"
				}
			}
		}
		p.host = host
	} else if !strings.HasPrefix(u.Path, "/") {
		return authURIParts{}, false
	}
	p.path = u.Path
	if len(p.path) > 1 {
		p.path = strings.TrimSuffix(p.path, "/")
	}
	if p.path == "" {
		p.path = "/"
	}
	p.query = u.RawQuery
	return p, true
}
