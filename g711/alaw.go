package g711

import "math/bits"

// A-law (ITU-T G.711 §1, Table 1a): a sign bit (1 for positive), a 3-bit
// segment and a 4-bit step, with the even bits inverted on the line (XOR
// 0x55). It works on 13-bit magnitudes: the 16-bit sample shifted right by
// 3. Segments 0 and 1 share the step 2 (on that scale); segment s >= 1
// covers [16<<s, 32<<s).

// EncodeALaw compresses one 16-bit linear sample to A-law.
func EncodeALaw(x int16) byte {
	v := int(x) >> 3 // 13-bit, rounding toward minus infinity
	sign := byte(0x80)
	if v < 0 {
		// -v-1 equals (^x)>>3, the one's complement magnitude of ITU-T
		// G.191's reference coder. A-law has no zero: -1 codes as the
		// smallest negative value.
		v = -v - 1
		sign = 0
	}
	// v <= 4095 here, so seg <= 7 and no clipping is needed.
	var seg, mant int
	if v < 32 {
		seg, mant = 0, v>>1
	} else {
		seg = bits.Len(uint(v)) - 5 // v in [16<<seg, 32<<seg)
		mant = (v >> seg) & 0x0F
	}
	return (sign | byte(seg)<<4 | byte(mant)) ^ 0x55
}

// DecodeALaw expands one A-law byte to a 16-bit linear sample, the middle
// of the interval it codes (0xD5 gives 8, 0x55 gives -8).
func DecodeALaw(a byte) int16 { return aTable[a] }

var aTable = func() (t [256]int16) {
	for i := range t {
		a := byte(i) ^ 0x55
		seg := int(a>>4) & 0x07
		mant := int(a & 0x0F)
		var v int
		if seg == 0 {
			v = mant<<4 + 8
		} else {
			v = (mant<<4 + 0x108) << (seg - 1)
		}
		if a&0x80 == 0 {
			v = -v
		}
		t[i] = int16(v)
	}
	return t
}()

// AppendEncodeALaw appends the A-law encoding of pcm to dst.
func AppendEncodeALaw(dst []byte, pcm []int16) []byte {
	for _, x := range pcm {
		dst = append(dst, EncodeALaw(x))
	}
	return dst
}

// AppendDecodeALaw appends the linear samples of the A-law bytes to dst.
func AppendDecodeALaw(dst []int16, enc []byte) []int16 {
	for _, a := range enc {
		dst = append(dst, aTable[a])
	}
	return dst
}
