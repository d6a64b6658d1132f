package rtsp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
)

var (
	errMissingCSeq  = fmt.Errorf("%w: missing CSeq", ErrMalformed)
	errMultipleCSeq = fmt.Errorf("%w: conflicting CSeq values", ErrMalformed)
	errLimit        = errors.New("limit") // internal: a line overran its budget
)

// parser reads one message head into buf, a scratch buffer reused between
// messages, so that the whole head becomes a single string allocation that
// the method, URL, keys and values are sliced from.
type parser struct {
	br  *bufio.Reader
	lim Limits
	buf []byte
}

// maxPooledScratch keeps unusually large scratch buffers out of the pool.
const maxPooledScratch = 64 << 10

var parserPool = sync.Pool{New: func() any { return &parser{buf: make([]byte, 0, 1024)} }}

func getParser(br *bufio.Reader, l Limits) *parser {
	p := parserPool.Get().(*parser)
	p.br, p.lim = br, l.resolved()
	return p
}

func putParser(p *parser) {
	p.br = nil
	if cap(p.buf) <= maxPooledScratch {
		parserPool.Put(p)
	}
}

// appendLine appends the next line of br, without its LF or CRLF, to dst.
// It consumes at most limit bytes (terminator included) into dst: a longer
// line returns errLimit. It never buffers more than the bufio.Reader
// already holds plus limit. n is the number of bytes consumed.
func appendLine(br *bufio.Reader, dst []byte, limit int) (out []byte, n int, err error) {
	start := len(dst)
	for {
		frag, err := br.ReadSlice('\n')
		if n+len(frag) > limit {
			return dst, n, errLimit
		}
		n += len(frag)
		dst = append(dst, frag...)
		if err == nil {
			break
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if n == 0 {
				return dst, 0, io.EOF
			}
			return dst, n, io.ErrUnexpectedEOF
		}
		return dst, n, err
	}
	dst = dst[:len(dst)-1] // LF
	if len(dst) > start && dst[len(dst)-1] == '\r' {
		dst = dst[:len(dst)-1]
	}
	return dst, n, nil
}

// readHead reads the start line and the header lines into p.buf as
// "start\nfield\nfield\n" (continuation lines folded into their field) and
// returns it as one string with the number of fields.
func (p *parser) readHead() (head string, fields int, err error) {
	buf := p.buf[:0]
	defer func() { p.buf = buf[:0] }()

	// Start line. Empty lines before it are skipped (RFC 2616 §4.1 robustness,
	// which RFC 2326 inherits), within the line budget.
	skipped := 0
	for {
		var n int
		buf, n, err = appendLine(p.br, buf[:0], p.lim.MaxLineBytes)
		if err == errLimit {
			return "", 0, ErrLineTooLong
		}
		if err != nil {
			return "", 0, err
		}
		if len(buf) > 0 {
			break
		}
		skipped += n
		if skipped > p.lim.MaxLineBytes {
			return "", 0, fmt.Errorf("%w: too many empty lines before the start line", ErrMalformed)
		}
	}
	buf = append(buf, '\n')

	budget := p.lim.MaxHeaderBytes
	for {
		lineStart := len(buf)
		var n int
		buf, n, err = appendLine(p.br, buf, budget)
		if err == errLimit {
			return "", 0, ErrHeaderTooLarge
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", 0, err
		}
		budget -= n
		if len(buf) == lineStart {
			break // empty line: end of the head
		}
		if c := buf[lineStart]; c == ' ' || c == '\t' {
			// Continuation line (RFC 2616 §2.2 LWS): fold it into the
			// previous field with a single space.
			if fields == 0 {
				return "", 0, fmt.Errorf("%w: continuation line before the first header field", ErrMalformed)
			}
			i := lineStart
			for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t') {
				i++
			}
			buf[lineStart-1] = ' '
			m := copy(buf[lineStart:], buf[i:])
			buf = buf[:lineStart+m]
		} else {
			fields++
			if fields > p.lim.MaxHeaderCount {
				return "", 0, ErrTooManyHeaders
			}
		}
		buf = append(buf, '\n')
	}
	return string(buf), fields, nil
}

// inlineFields is how many header values are allocated together with
// the Request or Response they belong to: one allocation less for the
// usual message.
const inlineFields = 8

type requestAlloc struct {
	req  Request
	vals [inlineFields]string
}

type responseAlloc struct {
	resp Response
	vals [inlineFields]string
}

// parseFields parses n header fields from block ("field\nfield\n"),
// using vals for the values when it is large enough.
func parseFields(block string, n int, vals []string) (Header, error) {
	h := make(Header, n)
	if len(vals) < n {
		vals = make([]string, n)
	}
	used := 0
	for len(block) > 0 {
		nl := strings.IndexByte(block, '\n')
		line := block[:nl]
		block = block[nl+1:]
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			return nil, fmt.Errorf("%w: header line without a colon", ErrMalformed)
		}
		// Tolerate space before the colon ("CSeq : 1"), which some
		// cameras send; the name itself must be a token.
		name := trimOWS(line[:colon])
		if !isToken(name) {
			return nil, fmt.Errorf("%w: invalid header name %q", ErrMalformed, name)
		}
		value := trimOWS(line[colon+1:])
		if hasCTL(value) {
			return nil, fmt.Errorf("%w: control character in header %s", ErrMalformed, name)
		}
		key := CanonicalHeaderKey(name)
		if old, ok := h[key]; ok {
			h[key] = append(old, value)
			continue
		}
		vals[used] = value
		h[key] = vals[used : used+1 : used+1]
		used++
	}
	return h, nil
}

// contentLength returns the body length the header announces: 0 without
// Content-Length (RFC 2326 §4.4).
func contentLength(h Header, max int) (int, error) {
	vs := h["Content-Length"]
	if len(vs) == 0 {
		return 0, nil
	}
	for _, v := range vs[1:] {
		if v != vs[0] {
			return 0, fmt.Errorf("%w: conflicting Content-Length values", ErrMalformed)
		}
	}
	s := vs[0]
	if s == "" {
		return 0, fmt.Errorf("%w: empty Content-Length", ErrMalformed)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: invalid Content-Length %q", ErrMalformed, s)
		}
		if n <= max { // stop growing once over the limit: no overflow
			n = n*10 + int(c-'0')
		}
	}
	if n > max {
		return 0, ErrBodyTooLarge
	}
	return n, nil
}

// bodyChunk is how much readBody allocates ahead of the data that has
// actually arrived, so that a large Content-Length alone costs nothing.
const bodyChunk = 64 << 10

// readBody reads exactly n bytes, growing its buffer only as data arrives.
func readBody(br *bufio.Reader, n int) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	b := make([]byte, 0, min(n, bodyChunk))
	for len(b) < n {
		if len(b) == cap(b) {
			b = append(b, make([]byte, min(n-len(b), cap(b)))...)[:len(b)]
		}
		m, err := io.ReadFull(br, b[len(b):min(n, cap(b))])
		b = b[:len(b)+m]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return b, nil
}

// parseProto checks "RTSP/" 1*DIGIT "." 1*DIGIT (RFC 2326 §6.1).
func parseProto(s string) (string, bool) {
	switch s {
	case Proto10:
		return Proto10, true
	case Proto20:
		return Proto20, true
	}
	rest, ok := strings.CutPrefix(s, "RTSP/")
	if !ok {
		return "", false
	}
	major, minor, ok := strings.Cut(rest, ".")
	if !ok {
		return "", false
	}
	if _, ok := parseUint(major, 3, 999); !ok {
		return "", false
	}
	if _, ok := parseUint(minor, 3, 999); !ok {
		return "", false
	}
	return s, true
}

// nextWord splits s at the first run of spaces.
func nextWord(s string) (word, rest string) {
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	word, rest = s[:i], s[i:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	return word, rest
}

func (p *parser) readRequest() (*Request, error) {
	head, n, err := p.readHead()
	if err != nil {
		return nil, err
	}
	nl := strings.IndexByte(head, '\n')
	a := new(requestAlloc)
	req := &a.req
	if err := parseRequestLine(head[:nl], req); err != nil {
		return nil, err
	}
	if req.Header, err = parseFields(head[nl+1:], n, a.vals[:]); err != nil {
		return nil, err
	}
	cl, err := contentLength(req.Header, p.lim.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	if req.Body, err = readBody(p.br, cl); err != nil {
		return nil, err
	}
	return req, nil
}

// parseRequestLine parses Method SP Request-URI SP RTSP-Version.
func parseRequestLine(line string, req *Request) error {
	method, rest := nextWord(line)
	uri, rest := nextWord(rest)
	proto, rest := nextWord(rest)
	if uri == "" || proto == "" || rest != "" {
		return fmt.Errorf("%w: request line %q is not Method SP URI SP Version", ErrMalformed, line)
	}
	req.Method = internMethod(method)
	if !req.Method.Valid() {
		return fmt.Errorf("%w: invalid method %q", ErrMalformed, method)
	}
	var ok bool
	if req.Proto, ok = parseProto(proto); !ok {
		return fmt.Errorf("%w: unsupported protocol %q", ErrMalformed, proto)
	}
	u, err := parseRequestURI(req.Method, uri)
	if err != nil {
		return err
	}
	req.URL = u
	return nil
}

// parseRequestURI accepts "*" for methods that need not name a resource
// (RFC 2326 §6.1: OPTIONS, GET_PARAMETER and SET_PARAMETER, used as
// keep-alives), and absolute rtsp, rtsps and rtspu URLs with a host. A
// bare absolute path ("/live") is tolerated too: some clients send one,
// and it can only name a resource of this server.
func parseRequestURI(m Method, s string) (*url.URL, error) {
	if s == "*" {
		switch m {
		case Options, GetParameter, SetParameter:
			return &url.URL{Path: "*"}, nil
		}
		return nil, fmt.Errorf("%w: request URI * with method %s", ErrMalformed, m)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: request URI: %v", ErrMalformed, err)
	}
	switch u.Scheme {
	case "rtsp", "rtsps", "rtspu":
		if u.Host == "" {
			return nil, fmt.Errorf("%w: request URI %q has no host", ErrMalformed, s)
		}
	case "":
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
			return nil, fmt.Errorf("%w: request URI %q is not absolute", ErrMalformed, s)
		}
	default:
		return nil, fmt.Errorf("%w: request URI scheme %q", ErrMalformed, u.Scheme)
	}
	return u, nil
}

func (p *parser) readResponse() (*Response, error) {
	head, n, err := p.readHead()
	if err != nil {
		return nil, err
	}
	nl := strings.IndexByte(head, '\n')
	a := new(responseAlloc)
	resp := &a.resp
	if err := parseStatusLine(head[:nl], resp); err != nil {
		return nil, err
	}
	if resp.Header, err = parseFields(head[nl+1:], n, a.vals[:]); err != nil {
		return nil, err
	}
	cl, err := contentLength(resp.Header, p.lim.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	if c := resp.StatusCode; c < 200 || c == 204 || c == 304 {
		cl = 0 // RFC 2326 §4.4 rule 1
	}
	if resp.Body, err = readBody(p.br, cl); err != nil {
		return nil, err
	}
	return resp, nil
}

// parseStatusLine parses RTSP-Version SP Status-Code SP Reason-Phrase. The
// reason may be missing or contain spaces.
func parseStatusLine(line string, resp *Response) error {
	proto, rest := nextWord(line)
	code, reason := nextWord(rest)
	var ok bool
	if resp.Proto, ok = parseProto(proto); !ok {
		return fmt.Errorf("%w: status line %q: bad protocol", ErrMalformed, line)
	}
	c, ok := parseUint(code, 3, 999)
	if !ok || len(code) != 3 || c < 100 {
		return fmt.Errorf("%w: status line %q: bad status code", ErrMalformed, line)
	}
	if hasCTL(reason) {
		return fmt.Errorf("%w: control character in reason phrase", ErrMalformed)
	}
	resp.StatusCode = int(c)
	resp.Reason = trimOWS(reason)
	return nil
}
