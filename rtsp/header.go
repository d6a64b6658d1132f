package rtsp

import (
	"slices"
	"strconv"
)

// Header holds the header fields of a message. Keys are stored in the form
// CanonicalHeaderKey returns, so the methods are case-insensitive; a field
// that appears several times keeps its values in order.
type Header map[string][]string

// Get returns the first value of key, or "".
func (h Header) Get(key string) string {
	if v := h[CanonicalHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns every value of key; the slice belongs to the Header.
func (h Header) Values(key string) []string { return h[CanonicalHeaderKey(key)] }

// Set replaces the values of key by value.
func (h Header) Set(key, value string) { h[CanonicalHeaderKey(key)] = []string{value} }

// Add appends value to the values of key.
func (h Header) Add(key, value string) {
	k := CanonicalHeaderKey(key)
	h[k] = append(h[k], value)
}

// Del removes key.
func (h Header) Del(key string) { delete(h, CanonicalHeaderKey(key)) }

// Clone returns a deep copy of h, or nil when h is nil.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	c := make(Header, len(h))
	for k, v := range h {
		c[k] = slices.Clone(v)
	}
	return c
}

// knownHeaders maps the lower-case form of the header names RTSP defines
// (RFC 2326 §12, RFC 7826 §18) to their registered spelling. CanonicalHeaderKey
// returns these strings, so looking them up never allocates.
var knownHeaders = func() map[string]string {
	names := []string{
		"Accept", "Accept-Credentials", "Accept-Encoding", "Accept-Language",
		"Accept-Ranges", "Allow", "Authentication-Info", "Authorization",
		"Bandwidth", "Blocksize", "Cache-Control", "Conference", "Connection",
		"Connection-Credentials", "Content-Base", "Content-Encoding",
		"Content-Language", "Content-Length", "Content-Location",
		"Content-Type", "CSeq", "Date", "Expires", "From", "Host",
		"If-Match", "If-Modified-Since", "If-None-Match", "Last-Modified",
		"Location", "Media-Properties", "Media-Range", "MTag",
		"Notify-Reason", "Pipelined-Requests", "Proxy-Authenticate",
		"Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Require",
		"Proxy-Supported", "Public", "Range", "Referer", "Request-Status",
		"Require", "Retry-After", "RTP-Info", "Scale", "Seek-Style", "Server",
		"Session", "Speed", "Supported", "Terminate-Reason", "Timestamp",
		"Transport", "Unsupported", "User-Agent", "Vary", "Via",
		"WWW-Authenticate", "X-Sessioncookie",
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		b := []byte(n)
		for i := range b {
			b[i] = lower(b[i])
		}
		m[string(b)] = n
	}
	return m
}()

// CanonicalHeaderKey returns the spelling Header uses for key: the RTSP
// spelling of a registered name ("CSeq", "WWW-Authenticate", "RTP-Info"),
// otherwise the first letter and every letter after a '-' upper-cased and
// the rest lower-cased, as net/textproto does. A key that is not a valid
// token is returned unchanged.
func CanonicalHeaderKey(key string) string {
	var buf [64]byte
	if len(key) <= len(buf) {
		for i := 0; i < len(key); i++ {
			buf[i] = lower(key[i])
		}
		// The string(buf) conversion in a map index does not allocate.
		if k, ok := knownHeaders[string(buf[:len(key)])]; ok {
			return k
		}
	}
	if !isToken(key) {
		return key
	}
	upper := true
	canonical := true
	for i := 0; i < len(key); i++ {
		c := key[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
			break
		}
		upper = c == '-'
	}
	if canonical {
		return key
	}
	b := []byte(key)
	upper = true
	for i, c := range b {
		if upper && 'a' <= c && c <= 'z' {
			b[i] = c - ('a' - 'A')
		} else if !upper && 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
		upper = c == '-'
	}
	return string(b)
}

// appendHeader appends h in wire form: CSeq first, then the other keys in
// sorted order, each value on its own line. Keys that are not tokens are
// skipped, CR and LF in values become spaces (so a value can never inject
// a header line), and Content-Length is written only when bodyLen > 0,
// with the value bodyLen.
func appendHeader(dst []byte, h Header, bodyLen int) []byte {
	if v, ok := h["CSeq"]; ok {
		for _, s := range v {
			dst = appendField(dst, "CSeq", s)
		}
	}
	var stack [32]string
	keys := stack[:0]
	for k := range h {
		if k == "CSeq" || k == "Content-Length" || !isToken(k) {
			continue
		}
		keys = append(keys, k)
	}
	if bodyLen > 0 {
		keys = append(keys, "Content-Length")
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "Content-Length" {
			dst = append(dst, "Content-Length: "...)
			dst = strconv.AppendInt(dst, int64(bodyLen), 10)
			dst = append(dst, "\r\n"...)
			continue
		}
		for _, s := range h[k] {
			dst = appendField(dst, k, s)
		}
	}
	return dst
}

func appendField(dst []byte, key, value string) []byte {
	dst = append(dst, key...)
	dst = append(dst, ": "...)
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\r' || c == '\n' || c == 0 {
			c = ' '
		}
		dst = append(dst, c)
	}
	return append(dst, "\r\n"...)
}
