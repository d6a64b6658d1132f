package rtsp

import (
	"bufio"
	"io"
)

// Kind says what a Message holds.
type Kind uint8

// The kinds of Message.
const (
	KindRequest  Kind = iota + 1 // Message.Request is set
	KindResponse                 // Message.Response is set
	KindFrame                    // Message.Channel and Message.Payload are set
)

// Message is what Reader.Read returns: a request, a response or an
// interleaved frame.
type Message struct {
	Kind     Kind
	Request  *Request
	Response *Response
	// Channel and Payload describe an interleaved frame. Payload aliases
	// the Reader's buffer and is valid only until the next Read.
	Channel uint8
	Payload []byte
}

// Reader reads the messages and interleaved frames of one connection, in
// the order they arrive. A server's read loop and a client's are the same:
//
//	for {
//		m, err := rd.Read()
//		if err != nil { ... }
//		switch m.Kind {
//		case rtsp.KindRequest: ...
//		case rtsp.KindResponse: ...
//		case rtsp.KindFrame: ...
//		}
//	}
//
// Frames are read into one reused buffer, without allocation. A Reader is
// not safe for concurrent use.
type Reader struct {
	br     *bufio.Reader
	parser parser
	frame  []byte
}

// minFrameBuffer is the first size of a Reader's frame buffer.
const minFrameBuffer = 2048

// readerBufferSize is the bufio size NewReader uses; it also bounds how
// much of a frame is buffered ahead.
const readerBufferSize = 4096

// NewReader returns a Reader over r with the given limits (zero fields
// mean the defaults). If r is already a *bufio.Reader it is used as is, so
// bytes it has buffered are not lost.
func NewReader(r io.Reader, limits Limits) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readerBufferSize)
	}
	return &Reader{
		br:     br,
		parser: parser{br: br, lim: limits.resolved(), buf: make([]byte, 0, 1024)},
	}
}

// BufReader returns the underlying bufio.Reader, for handing the connection
// over to other code.
func (r *Reader) BufReader() *bufio.Reader { return r.br }

// Read returns the next request, response or frame. It decides from the
// first bytes: '$' starts a frame (RFC 2326 §10.12: methods may not start
// with '$'), "RTSP/" a response, anything else a request. Empty lines
// between messages are skipped. Errors are those of ReadRequestLimits and
// ReadInterleavedFrame; frames with an oversized payload cannot occur
// because the buffer grows to each frame's size (at most
// MaxInterleavedPayload bytes).
func (r *Reader) Read() (Message, error) {
	// Skip CR and LF between messages (some clients send a bare CRLF as a
	// keep-alive), within the line budget.
	for skipped := 0; ; skipped++ {
		b, err := r.br.Peek(1)
		if err != nil {
			return Message{}, err
		}
		if b[0] != '\r' && b[0] != '\n' {
			break
		}
		if skipped >= r.parser.lim.MaxLineBytes {
			return Message{}, ErrLineTooLong
		}
		r.br.Discard(1)
	}
	b, _ := r.br.Peek(1)
	if b[0] == InterleavedMarker {
		// The buffer grows to the largest frame seen: a player's RTCP
		// reports are a few hundred bytes, and a server holding
		// MaxInterleavedPayload (64 KiB) per connection for them would
		// spend more on that than on the rest of the player.
		if hdr, err := r.br.Peek(InterleavedHeaderSize); err == nil && hdr[0] == InterleavedMarker {
			if n := int(hdr[2])<<8 | int(hdr[3]); n > len(r.frame) {
				r.frame = make([]byte, max(n, minFrameBuffer))
			}
		}
		ch, p, err := ReadInterleavedFrame(r.br, r.frame)
		if err != nil {
			return Message{}, err
		}
		return Message{Kind: KindFrame, Channel: ch, Payload: p}, nil
	}
	b, err := r.br.Peek(5)
	if err != nil && len(b) < 5 {
		// A message is longer than five bytes: what is there cannot be
		// "RTSP/", so let the request parser report the truncation.
		if err != io.EOF {
			return Message{}, err
		}
	}
	if string(b) == "RTSP/" {
		resp, err := r.parser.readResponse()
		if err != nil {
			return Message{}, err
		}
		return Message{Kind: KindResponse, Response: resp}, nil
	}
	req, err := r.parser.readRequest()
	if err != nil {
		return Message{}, err
	}
	return Message{Kind: KindRequest, Request: req}, nil
}
