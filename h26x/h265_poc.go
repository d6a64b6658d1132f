package h26x

import "fmt"

// H265POC computes the picture order count (PicOrderCntVal, ITU-T H.265
// §8.3.1) of the pictures of an H.265 stream, which gives their output
// order (see H264POC). Feed Next the header of the first slice segment of
// every base-layer picture in decoding order; call Reset after an end of
// sequence NAL unit, or where a stream is cut, so that the next IRAP
// picture starts a new count. The zero value is ready to use.
type H265POC struct {
	started  bool  // a picture has been seen since the start or Reset
	prevTid0 int64 // PicOrderCntVal of the previous TemporalId 0 reference picture
}

// Reset makes the next picture the first of a coded video sequence.
func (c *H265POC) Reset() { *c = H265POC{} }

// Next returns the picture order count of the picture whose first slice
// segment has header h, which must be Full (parsed with sps and its PPS)
// and not Dependent. It also reports whether the picture starts a new
// coded video sequence, where the count restarts: an IDR or BLA picture,
// or a CRA picture that is the first after the start or Reset. Errors wrap
// ErrParamOutOfRange; the state is then unchanged.
func (c *H265POC) Next(h *H265SliceHeader, sps *H265SPS) (poc int64, newCVS bool, err error) {
	if !h.Full || h.Dependent || !h.FirstSliceSegmentInPic {
		return 0, false, fmt.Errorf("%w: want the full header of a picture's first slice segment", ErrParamOutOfRange)
	}
	t := h.NALType
	maxLsb := int64(1) << sps.Log2MaxPicOrderCntLsb
	lsb := int64(h.PicOrderCntLsb)
	// NoRaslOutputFlag: the count starts afresh (§8.1.3).
	newCVS = t.IsIRAP() && (t <= H265NALIDRNLP || !c.started)
	var msb int64
	if !newCVS {
		prevLsb := c.prevTid0 & (maxLsb - 1)
		prevMsb := c.prevTid0 - prevLsb
		msb = prevMsb
		switch {
		case lsb < prevLsb && prevLsb-lsb >= maxLsb/2:
			msb += maxLsb
		case lsb > prevLsb && lsb-prevLsb > maxLsb/2:
			msb -= maxLsb
		}
	}
	poc = msb + lsb
	c.started = true
	if h.TemporalID == 0 && !h265SubLayerNonRef(t) && !(t >= H265NALRADLN && t <= H265NALRASLR) {
		c.prevTid0 = poc
	}
	return poc, newCVS, nil
}

// h265SubLayerNonRef reports the sub-layer non-reference picture types
// (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N and reserved ones up to 14),
// which are not a prevTid0Pic.
func h265SubLayerNonRef(t H265NALType) bool { return t <= 14 && t%2 == 0 }
