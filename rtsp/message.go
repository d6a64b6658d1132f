package rtsp

import (
	"bufio"
	"net/url"
	"strings"
)

// Request is an RTSP request, received by a server or sent by a client.
type Request struct {
	Method Method
	// URL is the Request-URI. The URI "*" (RFC 2326 §6.1) is represented
	// as a URL whose Path is "*" and whose other fields are empty.
	URL *url.URL
	// Proto is "RTSP/1.0" (Proto10) or, from an RTSP 2.0 client, Proto20;
	// ReadRequest accepts any "RTSP/x.y" so that a server can answer 505
	// (RFC 2326 §7.1.1) with the request's CSeq. Write sends Proto10 when
	// empty.
	Proto  string
	Header Header
	// Body holds exactly Content-Length bytes; it is empty when the
	// message has no Content-Length (RFC 2326 §4.4). Write sets
	// Content-Length from len(Body).
	Body []byte
}

// Response is an RTSP response.
type Response struct {
	StatusCode int
	// Reason is the reason phrase; Write sends StatusText(StatusCode)
	// when it is empty.
	Reason string
	// Proto is as in Request.
	Proto  string
	Header Header
	// Body is as in Request.
	Body []byte
}

// NewResponse returns a response to req with the given status: protocol
// RTSP/1.0, the reason phrase of the code, and the CSeq of the request,
// which every response must echo (RFC 2326 §12.17).
func NewResponse(req *Request, code int) *Response {
	h := make(Header, 4)
	if req != nil {
		if v := req.Header["CSeq"]; len(v) > 0 {
			h["CSeq"] = []string{v[0]}
		}
	}
	return &Response{StatusCode: code, Reason: StatusText(code), Proto: Proto10, Header: h}
}

// CSeq returns the request's CSeq (RFC 2326 §12.17), or an error wrapping
// ErrMalformed when it is missing, repeated with different values, or
// not a number.
func (r *Request) CSeq() (uint32, error) { return headerCSeq(r.Header) }

// CSeq returns the response's CSeq, as Request.CSeq.
func (r *Response) CSeq() (uint32, error) { return headerCSeq(r.Header) }

func headerCSeq(h Header) (uint32, error) {
	v := h["CSeq"]
	if len(v) == 0 {
		return 0, errMissingCSeq
	}
	for _, s := range v[1:] {
		if s != v[0] {
			return 0, errMultipleCSeq
		}
	}
	return ParseCSeq(v[0])
}

// ReadRequest reads one request from r with the default Limits.
func ReadRequest(r *bufio.Reader) (*Request, error) { return ReadRequestLimits(r, Limits{}) }

// ReadRequestLimits reads one request from r. It returns io.EOF when r
// ends before the first byte of a message (empty lines between messages
// are skipped), io.ErrUnexpectedEOF when it ends inside one, or one of
// the sentinel errors of this package. Lines may end in CRLF or LF alone;
// header continuation lines (starting with a space or tab) are joined to
// the previous value with one space.
func ReadRequestLimits(r *bufio.Reader, l Limits) (*Request, error) {
	p := getParser(r, l)
	defer putParser(p)
	return p.readRequest()
}

// ReadResponse reads one response from r with the default Limits.
func ReadResponse(r *bufio.Reader) (*Response, error) { return ReadResponseLimits(r, Limits{}) }

// ReadResponseLimits reads one response from r; see ReadRequestLimits.
// Responses with status 1xx, 204 or 304 have no body whatever their
// Content-Length (RFC 2326 §4.4).
func ReadResponseLimits(r *bufio.Reader, l Limits) (*Response, error) {
	p := getParser(r, l)
	defer putParser(p)
	return p.readResponse()
}

// String returns the request line, for logs.
func (r *Request) String() string {
	uri, err := r.requestURI()
	if err != nil {
		uri = "<invalid URL>"
	}
	proto := r.Proto
	if proto == "" {
		proto = Proto10
	}
	return string(r.Method) + " " + uri + " " + proto
}

// String returns the status line, for logs.
func (r *Response) String() string {
	return strings.TrimSuffix(string(r.appendStatusLine(nil)), "\r\n")
}
