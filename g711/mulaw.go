package g711

import "math/bits"

// µ-law (ITU-T G.711 §2, Table 2a): a sign bit, a 3-bit segment and a
// 4-bit step, all inverted on the line. On the 16-bit linear scale used
// here (the 14-bit G.711 range shifted left by 2), segment s covers
// magnitudes whose biased value |x|+132 lies in [128<<s, 256<<s); the
// step inside segment s is 8<<s.

const (
	muBias = 0x84 // 132: the 33 of G.711's 14-bit scale, times 4
	muClip = 32635
)

// EncodeMuLaw compresses one 16-bit linear sample to µ-law.
func EncodeMuLaw(x int16) byte {
	v := int(x)
	var sign byte
	if v < 0 {
		// One's complement, as ITU-T G.191's reference coder does: -1
		// codes as "negative zero" (0x7F) and the magnitudes of -x and
		// x-1 share a code, so the law stays symmetric about -1/2.
		v = -v - 1
		sign = 0x80
	}
	v = min(v, muClip) + muBias
	seg := bits.Len(uint(v)) - 8 // v >= 132, so seg >= 0; v <= 32767, so seg <= 7
	mant := byte(v>>(seg+3)) & 0x0F
	return ^(sign | byte(seg)<<4 | mant)
}

// DecodeMuLaw expands one µ-law byte to a 16-bit linear sample, the middle
// of the interval it codes (0xFF and 0x7F both give 0; 0x00 gives -32124).
func DecodeMuLaw(u byte) int16 { return muTable[u] }

var muTable = func() (t [256]int16) {
	for i := range t {
		u := ^byte(i)
		seg := int(u>>4) & 0x07
		v := (int(u&0x0F)<<3 + muBias) << seg
		if u&0x80 != 0 {
			t[i] = int16(muBias - v)
		} else {
			t[i] = int16(v - muBias)
		}
	}
	return t
}()

// AppendEncodeMuLaw appends the µ-law encoding of pcm to dst.
func AppendEncodeMuLaw(dst []byte, pcm []int16) []byte {
	for _, x := range pcm {
		dst = append(dst, EncodeMuLaw(x))
	}
	return dst
}

// AppendDecodeMuLaw appends the linear samples of the µ-law bytes to dst.
func AppendDecodeMuLaw(dst []int16, enc []byte) []int16 {
	for _, u := range enc {
		dst = append(dst, muTable[u])
	}
	return dst
}
