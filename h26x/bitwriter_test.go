package h26x

// bitWriter builds RBSPs for tests: u(n), ue(v), se(v) and trailing bits,
// the inverse of BitReader.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) bit(b uint64) {
	if w.n%8 == 0 {
		w.buf = append(w.buf, 0)
	}
	if b&1 == 1 {
		w.buf[len(w.buf)-1] |= 0x80 >> uint(w.n%8)
	}
	w.n++
}

func (w *bitWriter) u(n int, v uint64) {
	for i := n - 1; i >= 0; i-- {
		w.bit(v >> uint(i))
	}
}

func (w *bitWriter) flag(b bool) {
	if b {
		w.bit(1)
	} else {
		w.bit(0)
	}
}

func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	bits := 0
	for x>>uint(bits) > 1 {
		bits++
	}
	w.u(bits, 0)
	w.u(bits+1, x)
}

func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*int64(v) - 1))
	} else {
		w.ue(uint32(-2 * int64(v)))
	}
}

// nal returns header followed by the RBSP with rbsp_trailing_bits and
// emulation prevention: a complete NAL unit.
func (w *bitWriter) nal(header ...byte) []byte {
	w.bit(1)
	for w.n%8 != 0 {
		w.bit(0)
	}
	return AddEmulationPrevention(append([]byte{}, header...), w.buf)
}
