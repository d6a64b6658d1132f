package rtsp

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// RTSP over HTTP, the tunnel QuickTime introduced and ONVIF Streaming
// (§5.1.1.2) requires: a GET whose answer carries the server's side, and a
// POST whose body carries the client's, in base64; the two share an
// x-sessioncookie header. This file parses what a server reads of it; the
// server package does the rest.

// TunnelRequest is the head of a tunnel's GET or POST.
type TunnelRequest struct {
	// Method is "GET" (the way from server to client) or "POST" (the way
	// from client to server).
	Method string
	// Path is the request target as sent.
	Path string
	// Cookie is the x-sessioncookie that pairs the two.
	Cookie string
	// Header holds every header line, names lower-cased.
	Header map[string]string
}

// ErrNotTunnel: an HTTP request that is not half of an RTSP tunnel, or
// not HTTP at all.
var ErrNotTunnel = errors.New("rtsp: not an RTSP-over-HTTP request")

// LooksLikeHTTP reports whether the first bytes of a connection are an
// HTTP GET or POST rather than an RTSP request (GET_PARAMETER has no space
// after GET).
func LooksLikeHTTP(first []byte) bool {
	s := string(first)
	return strings.HasPrefix(s, "GET ") || strings.HasPrefix(s, "POST ")
}

// ReadTunnelRequest reads the head of a tunnel's GET or POST from br,
// bounded as RTSP heads are: a line must fit br's buffer, and at most 64
// header lines. The POST's body (Content-Length is meaningless there: the
// body has no end) is left in br for a TunnelReader.
func ReadTunnelRequest(br *bufio.Reader) (*TunnelRequest, error) {
	line, err := readTunnelLine(br)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(line)
	if len(f) != 3 || (f[0] != "GET" && f[0] != "POST") || !strings.HasPrefix(f[2], "HTTP/1.") {
		return nil, fmt.Errorf("%w: request line %q", ErrNotTunnel, line)
	}
	req := &TunnelRequest{Method: f[0], Path: f[1], Header: map[string]string{}}
	for n := 0; ; n++ {
		if n == 64 {
			return nil, fmt.Errorf("%w: too many header lines", ErrNotTunnel)
		}
		l, err := readTunnelLine(br)
		if err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("%w: header line %q", ErrNotTunnel, l)
		}
		req.Header[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	req.Cookie = req.Header["x-sessioncookie"]
	if req.Cookie == "" || len(req.Cookie) > 128 {
		return nil, fmt.Errorf("%w: no usable x-sessioncookie", ErrNotTunnel)
	}
	return req, nil
}

func readTunnelLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", fmt.Errorf("%w: header line too long", ErrNotTunnel)
		}
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// TunnelReader decodes the body of a tunnel's POST. Clients encode each
// message on its own, so padding may come in the middle of the stream:
// every group of four characters is decoded by itself. Line breaks and
// blanks are skipped; any other byte outside the base64 alphabet is an
// error.
type TunnelReader struct {
	src   *bufio.Reader
	quad  [4]byte
	nq    int
	out   [3]byte
	nout  int // decoded bytes in out
	taken int // of them, already returned
}

// NewTunnelReader returns a TunnelReader of src, positioned after the
// POST's head.
func NewTunnelReader(src *bufio.Reader) *TunnelReader { return &TunnelReader{src: src} }

// Read decodes into p. It returns as soon as it has something and src has
// nothing more buffered, so that a request is handed on as it comes.
func (r *TunnelReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if r.taken < r.nout {
			k := copy(p[n:], r.out[r.taken:r.nout])
			r.taken += k
			n += k
			continue
		}
		if n > 0 && r.src.Buffered() == 0 {
			return n, nil
		}
		b, err := r.src.ReadByte()
		if err != nil {
			return n, err
		}
		switch {
		case b == '\r' || b == '\n' || b == ' ' || b == '\t':
			continue
		case !isBase64(b):
			return n, fmt.Errorf("rtsp: %q in a tunnel's base64 body", b)
		}
		r.quad[r.nq] = b
		r.nq++
		if r.nq < 4 {
			continue
		}
		r.nq = 0
		k, err := base64.StdEncoding.Decode(r.out[:], r.quad[:])
		if err != nil {
			return n, fmt.Errorf("rtsp: bad base64 in a tunnel's body: %w", err)
		}
		r.nout, r.taken = k, 0
	}
	return n, nil
}

func isBase64(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '+' || b == '/' || b == '='
}
