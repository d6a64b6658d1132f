package h26x

import (
	"errors"
	"io"
)

// ErrAnnexBNALTooLarge is returned by AnnexBReader for a NAL unit larger than its
// limit.
var ErrAnnexBNALTooLarge = errors.New("h26x: NAL unit larger than the reader's limit")

// DefaultAnnexBMaxNAL is the AnnexBReader limit when none is given.
const DefaultAnnexBMaxNAL = 16 << 20

// AnnexBReader reads NAL units one at a time from an Annex-B byte stream
// that arrives in pieces, such as an encoder's output on a pipe: a NAL unit
// is returned once the start code after it (or the end of the stream) has
// been read, so it is always whole. Memory stays bounded by MaxNALSize.
type AnnexBReader struct {
	r   io.Reader
	buf []byte
	off int // start of unconsumed data in buf
	eof bool
	err error
	// MaxNALSize bounds one NAL unit; DefaultAnnexBMaxNAL when zero.
	MaxNALSize int
}

// NewAnnexBReader returns a reader of the NAL units in r.
func NewAnnexBReader(r io.Reader) *AnnexBReader {
	return &AnnexBReader{r: r, buf: make([]byte, 0, 64<<10)}
}

// Next returns the next NAL unit without its start code. The slice is valid
// until the next call. At the end of the stream it returns io.EOF; bytes
// before the first start code are skipped.
func (a *AnnexBReader) Next() ([]byte, error) {
	max := a.MaxNALSize
	if max <= 0 {
		max = DefaultAnnexBMaxNAL
	}
	for {
		data := a.buf[a.off:]
		if s := startCodeEnd(data); s >= 0 {
			body := data[s:]
			if end, _ := nextStartCode(body); end < len(body) {
				nal := trimTrailingZeros(body[:end])
				a.off += s + end
				if len(nal) == 0 {
					continue
				}
				if len(nal) > max {
					return nil, ErrAnnexBNALTooLarge
				}
				return nal, nil
			}
			if a.eof {
				nal := trimTrailingZeros(body)
				a.off = len(a.buf)
				if len(nal) == 0 {
					return nil, io.EOF
				}
				if len(nal) > max {
					return nil, ErrAnnexBNALTooLarge
				}
				return nal, nil
			}
			if len(body) > max {
				return nil, ErrAnnexBNALTooLarge
			}
		} else if a.eof {
			a.off = len(a.buf)
			return nil, io.EOF
		} else if len(data) > 3 {
			// No start code yet: keep only the bytes that may begin one.
			a.off = len(a.buf) - 3
		}
		if a.err != nil && !a.eof {
			return nil, a.err
		}
		a.fill()
	}
}

// fill reads more input, first moving the unconsumed bytes to the front.
func (a *AnnexBReader) fill() {
	if a.off > 0 {
		n := copy(a.buf, a.buf[a.off:])
		a.buf = a.buf[:n]
		a.off = 0
	}
	if cap(a.buf)-len(a.buf) < 32<<10 {
		nb := make([]byte, len(a.buf), 2*cap(a.buf)+64<<10)
		copy(nb, a.buf)
		a.buf = nb
	}
	n, err := a.r.Read(a.buf[len(a.buf):cap(a.buf)])
	a.buf = a.buf[:len(a.buf)+n]
	if err == io.EOF {
		a.eof = true
	} else if err != nil {
		a.err = err
	}
}
