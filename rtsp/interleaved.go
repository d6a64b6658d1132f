package rtsp

import (
	"bufio"
	"io"
	"sync"
)

// Interleaved framing (RFC 2326 §10.12): '$', a channel byte, a 16-bit
// big-endian payload length, then the payload (an RTP or RTCP packet).
const (
	// InterleavedMarker is the first byte of every interleaved frame.
	InterleavedMarker = '$'
	// InterleavedHeaderSize is the size of the frame header.
	InterleavedHeaderSize = 4
	// MaxInterleavedPayload is the largest payload a frame can carry.
	MaxInterleavedPayload = 1<<16 - 1
)

// ReadInterleavedFrame reads one frame from r into buf and returns its
// channel and payload, which aliases buf. It does not allocate.
//
// When the next byte is not '$' it returns ErrNotInterleaved and consumes
// nothing. When the payload is longer than buf it skips the frame and
// returns the channel and ErrFrameTooLarge, so the stream stays in sync; a
// buf of MaxInterleavedPayload bytes never hits this. A stream that ends
// inside a frame returns io.ErrUnexpectedEOF, one that ends before it
// io.EOF.
func ReadInterleavedFrame(r *bufio.Reader, buf []byte) (channel uint8, payload []byte, err error) {
	hdr, err := r.Peek(InterleavedHeaderSize)
	if len(hdr) > 0 && hdr[0] != InterleavedMarker {
		return 0, nil, ErrNotInterleaved
	}
	if err != nil {
		if err == io.EOF && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	channel = hdr[1]
	n := int(hdr[2])<<8 | int(hdr[3])
	if _, err := r.Discard(InterleavedHeaderSize); err != nil {
		return 0, nil, err
	}
	if n > len(buf) {
		if _, err := r.Discard(n); err != nil {
			return channel, nil, unexpected(err)
		}
		return channel, nil, ErrFrameTooLarge
	}
	if _, err := io.ReadFull(r, buf[:n]); err != nil {
		return channel, nil, unexpected(err)
	}
	return channel, buf[:n], nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// AppendInterleavedHeader appends the 4-byte header of a frame carrying n
// payload bytes on channel. n must be between 0 and MaxInterleavedPayload;
// for any other n it returns dst unchanged, so a caller that checks
// len(result) == len(dst)+4 detects the mistake.
func AppendInterleavedHeader(dst []byte, channel uint8, n int) []byte {
	if n < 0 || n > MaxInterleavedPayload {
		return dst
	}
	return append(dst, InterleavedMarker, channel, byte(n>>8), byte(n))
}

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// WriteInterleavedFrame writes one frame with a single Write call. It
// returns ErrFrameTooLarge, writing nothing, when payload is longer than
// MaxInterleavedPayload. It does not allocate in steady state.
func WriteInterleavedFrame(w io.Writer, channel uint8, payload []byte) error {
	if len(payload) > MaxInterleavedPayload {
		return ErrFrameTooLarge
	}
	bp := framePool.Get().(*[]byte)
	b := AppendInterleavedHeader((*bp)[:0], channel, len(payload))
	b = append(b, payload...)
	_, err := w.Write(b)
	*bp = b[:0]
	framePool.Put(bp)
	return err
}
