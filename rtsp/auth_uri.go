package rtsp

import (
	"net"
	"net/url"
	"strings"
)

// authURIMatch reports whether the digest-uri of Digest credentials names
// the same resource as the Request-URI. RFC 2617 §3.2.2.5 and RFC 7616
// §3.4.6 ask the server to check this so that credentials cannot be
// replayed against another resource. Players differ in what they put there: ffmpeg and GStreamer send
// the absolute rtsp:// URL as in the request line, others only the path. So
// after an exact match fails, both are normalised and compared: host (only
// when both are absolute; case-insensitive, default port 554 for rtsp and
// 322 for rtsps removed), path (percent-decoded, a trailing slash ignored,
// empty meaning "/") and query.
func authURIMatch(digestURI, requestURI string) bool {
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
	if d.host != "" && r.host != "" && d.host != r.host {
		return false
	}
	return d.path == r.path && d.query == r.query
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
