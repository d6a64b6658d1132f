package aac

import "errors"

// errBitsShort is returned by bitReader when a field runs past the end of
// its input; callers wrap it into their own sentinel.
var errBitsShort = errors.New("aac: bit field past end of data")

// bitReader reads big-endian bit fields (most significant bit first), as
// every MPEG-4 Audio and RFC 3640 syntax element is written.
type bitReader struct {
	b   []byte
	pos int // in bits
}

// left is the number of unread bits.
func (r *bitReader) left() int { return len(r.b)*8 - r.pos }

// read returns the next n bits (n <= 32).
func (r *bitReader) read(n int) (uint32, error) {
	if n < 0 || n > 32 || n > r.left() {
		return 0, errBitsShort
	}
	var v uint32
	for n > 0 {
		byteIdx := r.pos >> 3
		bitOff := r.pos & 7
		avail := 8 - bitOff
		take := min(avail, n)
		cur := uint32(r.b[byteIdx]>>(avail-take)) & (1<<take - 1)
		v = v<<take | cur
		n -= take
		r.pos += take
	}
	return v, nil
}

// skip advances by n bits.
func (r *bitReader) skip(n int) error {
	if n < 0 || n > r.left() {
		return errBitsShort
	}
	r.pos += n
	return nil
}

// flag reads one bit as a bool.
func (r *bitReader) flag() (bool, error) {
	v, err := r.read(1)
	return v == 1, err
}

// bitWriter appends big-endian bit fields to a byte slice.
type bitWriter struct {
	b     []byte
	nbits int // bits used in the last byte of b (0 = byte-aligned)
}

// write appends the low n bits of v (n <= 32).
func (w *bitWriter) write(v uint32, n int) {
	for n > 0 {
		if w.nbits == 0 {
			w.b = append(w.b, 0)
		}
		free := 8 - w.nbits
		take := min(free, n)
		chunk := byte((v >> (n - take)) & (1<<take - 1))
		w.b[len(w.b)-1] |= chunk << (free - take)
		w.nbits = (w.nbits + take) & 7
		n -= take
	}
}

// flag appends one bit.
func (w *bitWriter) flag(f bool) {
	if f {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
}
