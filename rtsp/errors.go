package rtsp

import (
	"errors"
	"io"
)

// Errors returned while reading a message. A server answers the first four
// with the status StatusForError gives and then closes the connection: the
// rest of the stream cannot be trusted.
var (
	// ErrLineTooLong: the request or status line is longer than
	// Limits.MaxLineBytes.
	ErrLineTooLong = errors.New("rtsp: request or status line too long")
	// ErrTooManyHeaders: more header lines than Limits.MaxHeaderCount.
	ErrTooManyHeaders = errors.New("rtsp: too many header fields")
	// ErrHeaderTooLarge: the header block is longer than
	// Limits.MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("rtsp: header block too large")
	// ErrBodyTooLarge: Content-Length is larger than Limits.MaxBodyBytes.
	ErrBodyTooLarge = errors.New("rtsp: body too large")
	// ErrMalformed: the message or a header value does not follow the
	// grammar. It is wrapped with a description of what was wrong.
	ErrMalformed = errors.New("rtsp: malformed message")
)

// Errors of the interleaved framing (RFC 2326 §10.12).
var (
	// ErrNotInterleaved: ReadInterleavedFrame was called where the next
	// byte is not '$'. Nothing was consumed.
	ErrNotInterleaved = errors.New("rtsp: next byte is not an interleaved frame marker '$'")
	// ErrFrameTooLarge: a frame's payload does not fit the caller's
	// buffer (the frame was skipped, the stream stays in sync), or a
	// payload to write is longer than MaxInterleavedPayload.
	ErrFrameTooLarge = errors.New("rtsp: interleaved frame too large")
)

// StatusForError returns the status code a server sends for an error from
// ReadRequest or Reader.Read, or 0 when the error is not about the request
// (io.EOF, network errors): then the server just closes the connection.
//
// RTSP 1.0 has no 431 (Request Header Fields Too Large), so oversized
// headers get 400. An overlong request line gets 414 (Request-URI Too
// Large), an oversized body 413 (Request Entity Too Large).
func StatusForError(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrLineTooLong):
		return StatusRequestURITooLarge
	case errors.Is(err, ErrBodyTooLarge):
		return StatusRequestEntityTooLarge
	case errors.Is(err, ErrTooManyHeaders), errors.Is(err, ErrHeaderTooLarge),
		errors.Is(err, ErrMalformed):
		return StatusBadRequest
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return 0
	}
	return 0
}
