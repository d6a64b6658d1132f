package mjpeg

import (
	"fmt"
	"math/bits"
)

// lookBits is the number of bits huffDecoder looks up at once: codes of up
// to that length, nearly all of them in practice, are decoded in one step.
const lookBits = 9

// huffDecoder decodes one Huffman table. Codes of up to lookBits bits are
// found in a table; longer ones the way ITU-T T.81 F.2.2.3 describes:
// codes of each length form a contiguous range, so a code of length l is
// valid when it is at most maxcode[l].
type huffDecoder struct {
	look    [1 << lookBits]uint16 // length<<8 | symbol, 0 when longer
	maxcode [17]int32             // -1 when there is no code of that length
	mincode [17]int32
	valptr  [17]int32
	values  []byte
}

// init builds the decoder from a DHT table body: 16 counts, then symbols.
func (d *huffDecoder) init(body []byte) error {
	if len(body) < 16 {
		return fmt.Errorf("%w: Huffman table not defined", ErrInvalid)
	}
	d.look = [1 << lookBits]uint16{}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(body[l-1])
		d.mincode[l], d.valptr[l] = code, k
		d.maxcode[l] = -1
		if n > 0 {
			d.maxcode[l] = code + n - 1
		}
		if code+n > 1<<l || int(k+n) > len(body)-16 {
			return fmt.Errorf("%w: Huffman table has too many codes of length %d", ErrInvalid, l)
		}
		if l <= lookBits {
			for c := code; c < code+n; c++ {
				e := uint16(l)<<8 | uint16(body[16+k+c-code])
				lo := c << (lookBits - l)
				for i := lo; i < lo+1<<(lookBits-l); i++ {
					d.look[i] = e
				}
			}
		}
		code += n
		k += n
		code <<= 1
	}
	d.values = body[16:]
	return nil
}

// decode reads one symbol.
func (d *huffDecoder) decode(r *bitReader) (byte, error) {
	if r.n < lookBits {
		r.fill()
	}
	if r.n >= lookBits {
		if e := d.look[r.acc>>(r.n-lookBits)&(1<<lookBits-1)]; e != 0 {
			r.n -= uint(e >> 8)
			return byte(e), nil
		}
	}
	code := int32(0)
	for l := 1; l <= 16; l++ {
		b, err := r.bit()
		if err != nil {
			return 0, err
		}
		code = code<<1 | int32(b)
		if code <= d.maxcode[l] {
			return d.values[d.valptr[l]+code-d.mincode[l]], nil
		}
	}
	return 0, fmt.Errorf("%w: bad Huffman code", ErrInvalid)
}

// bitReader reads the bits of entropy-coded data, removing the 0x00 stuffed
// after each 0xFF data byte (T.81 F.1.2.3). It buffers up to 64 bits and
// stops buffering at a marker.
type bitReader struct {
	b   []byte
	pos int
	acc uint64
	n   uint // bits buffered: the next bit is bit n-1 of acc
}

// fill buffers whole bytes until 57 or more bits are buffered, the data
// ends or a marker comes.
func (r *bitReader) fill() {
	for r.n <= 56 && r.pos < len(r.b) {
		c := r.b[r.pos]
		if c == 0xFF {
			if r.pos+1 >= len(r.b) || r.b[r.pos+1] != 0x00 {
				return
			}
			r.pos++
		}
		r.pos++
		r.acc = r.acc<<8 | uint64(c)
		r.n += 8
	}
}

func (r *bitReader) bit() (int, error) {
	if r.n == 0 {
		r.fill()
		if r.n == 0 {
			if r.pos < len(r.b) {
				return 0, fmt.Errorf("%w: marker inside an MCU", ErrInvalid)
			}
			return 0, fmt.Errorf("%w: scan data ends inside an MCU", ErrTruncated)
		}
	}
	r.n--
	return int(r.acc>>r.n) & 1, nil
}

// receiveExtend reads an s-bit magnitude and extends its sign (T.81
// F.2.2.1, F.2.2.4).
func (r *bitReader) receiveExtend(s byte) (int32, error) {
	if s == 0 {
		return 0, nil
	}
	if r.n < uint(s) {
		r.fill()
	}
	var v int32
	if r.n >= uint(s) {
		r.n -= uint(s)
		v = int32(r.acc>>r.n) & (1<<s - 1)
	} else {
		for range s {
			b, err := r.bit()
			if err != nil {
				return 0, err
			}
			v = v<<1 | int32(b)
		}
	}
	if v < 1<<(s-1) {
		v -= 1<<s - 1
	}
	return v, nil
}

// restart drops the bits left of the interval's last byte and skips the
// restart marker that must come next (T.81 F.2.2.5), RSTn with n the
// interval's number modulo 8 (T.81 B.2.1). Buffering stops at markers, so
// the buffer holds nothing past it. A marker out of sequence means lost or
// repeated intervals, which decoders handle differently (libjpeg
// resynchronises, Go's image/jpeg fails), so it is refused.
func (r *bitReader) restart(n byte) error {
	r.n = 0
	for r.pos+1 < len(r.b) && r.b[r.pos] == 0xFF && r.b[r.pos+1] == 0xFF {
		r.pos++ // fill bytes
	}
	if r.pos+1 >= len(r.b) || r.b[r.pos] != 0xFF || r.b[r.pos+1] < markerRST0 || r.b[r.pos+1] > markerRST7 {
		return fmt.Errorf("%w: restart marker missing", ErrInvalid)
	}
	if m := r.b[r.pos+1]; m != markerRST0+n {
		return fmt.Errorf("%w: restart marker RST%d out of sequence, RST%d due", ErrInvalid, m-markerRST0, n)
	}
	r.pos += 2
	return nil
}

// huffEncoder maps symbols to their codes.
type huffEncoder struct {
	code [256]uint16
	size [256]uint8 // 0 for symbols the table cannot code
}

func (e *huffEncoder) init(s *huffSpec) {
	code, k := uint16(0), 0
	for l := range 16 {
		for range s.counts[l] {
			e.code[s.values[k]] = code
			e.size[s.values[k]] = uint8(l + 1)
			code++
			k++
		}
		code <<= 1
	}
}

// bitWriter writes entropy-coded bits, stuffing 0x00 after each 0xFF.
type bitWriter struct {
	out []byte
	acc uint32
	n   uint // bits in acc, less than 8 between calls
}

// write appends the n low bits of v, n at most 16.
func (w *bitWriter) write(v uint32, n uint) {
	w.acc = w.acc<<n | v&(1<<n-1)
	w.n += n
	for w.n >= 8 {
		c := byte(w.acc >> (w.n - 8))
		w.out = append(w.out, c)
		if c == 0xFF {
			w.out = append(w.out, 0x00)
		}
		w.n -= 8
	}
	w.acc &= 1<<w.n - 1
}

// flush pads the last byte with 1 bits (T.81 F.1.2.3).
func (w *bitWriter) flush() {
	if w.n > 0 {
		w.write(1<<(8-w.n)-1, 8-w.n)
	}
}

// category is the number of bits of v's magnitude (T.81 F.1.2.1).
func category(v int32) uint {
	if v < 0 {
		v = -v
	}
	return uint(bits.Len32(uint32(v)))
}

// writeValue writes v's category code and its magnitude bits.
func (w *bitWriter) writeValue(e *huffEncoder, sym byte, s uint, v int32) {
	w.write(uint32(e.code[sym]), uint(e.size[sym]))
	if s > 0 {
		if v < 0 {
			v-- // negative values are written as v-1 in s bits
		}
		w.write(uint32(v), s)
	}
}
