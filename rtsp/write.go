package rtsp

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// inlineBody is the largest body Write copies next to the head so that
// the whole message goes out in one Write call; larger bodies are written
// with a second call instead of being copied.
const inlineBody = 4 << 10

var writeBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func writeMessage(w io.Writer, head []byte, body []byte, bp *[]byte) error {
	var err error
	if len(body) <= inlineBody {
		head = append(head, body...)
		_, err = w.Write(head)
	} else if _, err = w.Write(head); err == nil {
		_, err = w.Write(body)
	}
	if cap(head) <= maxPooledScratch {
		*bp = head[:0]
		writeBufPool.Put(bp)
	}
	return err
}

// Write sends the request in wire form: the request line, CSeq, the other
// header fields in sorted order, Content-Length when Body is not empty,
// and the body. The output for a given request is always the same bytes.
// The URL is sent without user information.
func (r *Request) Write(w io.Writer) error {
	if !r.Method.Valid() {
		return fmt.Errorf("rtsp: cannot write request: invalid method %q", r.Method)
	}
	uri, err := r.requestURI()
	if err != nil {
		return err
	}
	proto := r.Proto
	if proto == "" {
		proto = Proto10
	} else if _, ok := parseProto(proto); !ok {
		return fmt.Errorf("rtsp: cannot write request: invalid protocol %q", proto)
	}
	bp := writeBufPool.Get().(*[]byte)
	b := append((*bp)[:0], r.Method...)
	b = append(b, ' ')
	b = append(b, uri...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, "\r\n"...)
	b = appendHeader(b, r.Header, len(r.Body))
	b = append(b, "\r\n"...)
	return writeMessage(w, b, r.Body, bp)
}

var errNoURL = errors.New("rtsp: cannot write request: no URL")

// requestURI returns the Request-URI to send.
func (r *Request) requestURI() (string, error) {
	u := r.URL
	if u == nil {
		return "", errNoURL
	}
	if u.Scheme == "" && u.Host == "" && u.Path == "*" && u.RawQuery == "" {
		return "*", nil
	}
	c := *u
	c.User = nil
	s := c.String()
	if s == "" || strings.ContainsAny(s, " \t\r\n") || hasCTL(s) {
		return "", fmt.Errorf("rtsp: cannot write request: invalid URL %q", s)
	}
	return s, nil
}

// Write sends the response in wire form: the status line, CSeq, the other
// header fields in sorted order, Content-Length when Body is not empty,
// and the body. The output for a given response is always the same bytes.
func (r *Response) Write(w io.Writer) error {
	if r.StatusCode < 100 || r.StatusCode > 999 {
		return fmt.Errorf("rtsp: cannot write response: invalid status code %d", r.StatusCode)
	}
	if r.Proto != "" {
		if _, ok := parseProto(r.Proto); !ok {
			return fmt.Errorf("rtsp: cannot write response: invalid protocol %q", r.Proto)
		}
	}
	bp := writeBufPool.Get().(*[]byte)
	b := r.appendStatusLine((*bp)[:0])
	b = appendHeader(b, r.Header, len(r.Body))
	b = append(b, "\r\n"...)
	return writeMessage(w, b, r.Body, bp)
}

func (r *Response) appendStatusLine(b []byte) []byte {
	proto := r.Proto
	if proto == "" {
		proto = Proto10
	}
	reason := r.Reason
	if reason == "" {
		reason = StatusText(r.StatusCode)
	}
	b = append(b, proto...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.StatusCode), 10)
	b = append(b, ' ')
	for i := 0; i < len(reason); i++ {
		c := reason[i]
		if isCTL(c) {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, "\r\n"...)
}
