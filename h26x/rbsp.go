package h26x

import "bytes"

// Inside a NAL unit the encoder inserts an emulation_prevention_three_byte
// (0x03) after every two zero bytes that would otherwise be followed by a
// byte in 0x00..0x03, so that no start code can appear in the payload
// (H.264 §7.3.1 and §7.4.1, H.265 §7.3.1.1 and §7.4.2). The raw byte
// sequence payload (RBSP) that the syntax tables describe is the NAL unit
// with those bytes removed.

var emulationPrevention = []byte{0, 0, 3}

// RemoveEmulationPrevention appends src to dst without its emulation
// prevention bytes: every 0x03 that follows two zero bytes (0x000003 becomes
// 0x0000) and returns the extended slice. The zero count starts afresh after
// a removed byte, as in the specification's byte-by-byte parse. dst may be
// src[:0] to convert in place.
func RemoveEmulationPrevention(dst, src []byte) []byte {
	for {
		i := bytes.Index(src, emulationPrevention)
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i+2]...)
		src = src[i+3:]
	}
}

// AddEmulationPrevention appends rbsp to dst with emulation prevention bytes
// inserted, turning an RBSP into NAL unit payload: a 0x03 goes in after two
// zero bytes whenever the next byte is 0x00 to 0x03, and after two zero
// bytes at the very end (H.264 §7.4.1, for an RBSP that ends in
// cabac_zero_words). RemoveEmulationPrevention undoes it exactly.
func AddEmulationPrevention(dst, rbsp []byte) []byte {
	zeros := 0
	for _, b := range rbsp {
		if zeros >= 2 && b <= 3 {
			dst = append(dst, 3)
			zeros = 0
		}
		dst = append(dst, b)
		if b == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	if zeros >= 2 {
		dst = append(dst, 3)
	}
	return dst
}

// rbspScratch is the size of the stack buffers the parsers unescape parameter
// sets and slice headers into; longer input falls back to the heap.
const rbspScratch = 256
