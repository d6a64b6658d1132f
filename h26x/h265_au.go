package h26x

// H265LayerID returns nuh_layer_id of an H.265 NAL unit, 0 for one shorter
// than its 2-byte header. Layers above 0 are scalable or multi-view
// enhancement layers.
func H265LayerID(nal []byte) uint8 {
	if len(nal) < h265NALHeaderSize {
		return 0
	}
	return nal[0]&1<<5 | nal[1]>>3
}

// H265TemporalID returns TemporalId (nuh_temporal_id_plus1 - 1) of an H.265
// NAL unit, 0 for one shorter than its header or with the forbidden value
// nuh_temporal_id_plus1 == 0.
func H265TemporalID(nal []byte) uint8 {
	if len(nal) < h265NALHeaderSize || nal[1]&7 == 0 {
		return 0
	}
	return nal[1]&7 - 1
}

// H265FirstSliceSegmentInPic reports whether nal is an H.265 VCL NAL unit
// (types 0 to 31) whose first_slice_segment_in_pic_flag, the first bit of
// the slice segment header (§7.3.6.1), is set: the first slice segment of a
// picture.
func H265FirstSliceSegmentInPic(nal []byte) bool {
	return len(nal) > h265NALHeaderSize && H265Type(nal).IsVCL() && nal[2]&0x80 != 0
}

// H265AUDetector finds access unit boundaries in a sequence of H.265 NAL
// units (ITU-T H.265 §7.4.2.4.4). Feed it every NAL unit in decoding order;
// StartsNewAU says whether the unit begins a new access unit. A picture
// begins at a base-layer slice segment with first_slice_segment_in_pic_flag
// set; NAL units with nuh_layer_id above 0 (enhancement layers) belong to
// the access unit of the base-layer picture. The zero value is ready to
// use; it allocates nothing.
type H265AUDetector struct {
	started bool // a NAL unit has been seen
	vcl     bool // a base-layer slice segment has been seen since the last sure start
	cand    bool // a candidate boundary has been seen since that slice
	ended   bool // the last NAL unit was end of sequence or end of bitstream
	endSeq  bool // ... and it was end of sequence (end of bitstream may follow)
}

// Reset forgets all state.
func (d *H265AUDetector) Reset() { *d = H265AUDetector{} }

// StartsNewAU reports whether nal, the next NAL unit in decoding order,
// begins a new access unit, deciding at once. The first NAL unit always
// does. After a base-layer slice segment, the first access unit delimiter,
// VPS, SPS, PPS, prefix SEI, or NAL unit of type 41 to 44 or 48 to 55 with
// nuh_layer_id 0 begins the next access unit, or else the next slice
// segment with first_slice_segment_in_pic_flag set; every NAL unit after an
// end of sequence or end of bitstream begins one too (except end of
// bitstream right after end of sequence). Suffix SEI, filler and other
// units stay in the current access unit. Input shorter than the 2-byte NAL
// unit header returns false and is otherwise ignored.
//
// Parameter sets and prefix SEI may also sit between two slice segments of
// one picture; StartsNewAU cannot look ahead and reports a boundary there.
// AccessUnitSplitter gets that case right.
func (d *H265AUDetector) StartsNewAU(nal []byte) bool {
	return d.classify(nal).immediate()
}

func (d *H265AUDetector) classify(nal []byte) auBoundary {
	if len(nal) < h265NALHeaderSize {
		return auIgnore
	}
	t := H265Type(nal)
	base := H265LayerID(nal) == 0
	end := t == H265NALEOS || t == H265NALEOB
	if !d.started || (d.ended && !(d.endSeq && t == H265NALEOB)) {
		*d = H265AUDetector{started: true, ended: end, endSeq: t == H265NALEOS}
		d.vcl = base && t.IsVCL()
		return auStart
	}
	d.ended, d.endSeq = end, t == H265NALEOS
	if !base {
		return auContinue
	}
	switch {
	case t == H265NALAUD || t == H265NALVPS || t == H265NALSPS || t == H265NALPPS ||
		t == H265NALPrefixSEI || (t >= 41 && t <= 44) || (t >= 48 && t <= 55):
		if d.vcl && !d.cand {
			d.cand = true
			return auCandidate
		}
	case t.IsVCL():
		hadVCL, cand := d.vcl, d.cand
		d.vcl, d.cand = true, false
		if !hadVCL {
			return auContinue
		}
		first := H265FirstSliceSegmentInPic(nal)
		switch {
		case first && cand:
			return auPictureAtCandidate
		case first:
			return auPicture
		case cand:
			return auCancelCandidate
		}
	}
	return auContinue
}
