package h26x

// H264AUDetector finds access unit boundaries in a sequence of H.264 NAL
// units (ITU-T H.264 §7.4.1.2.3). Feed it every NAL unit in decoding order;
// StartsNewAU says whether the unit begins a new access unit. It keeps the
// SPSs and PPSs it sees so that slice headers can be compared field by field
// (§7.4.1.2.4: frame_num, pic_parameter_set_id, field flags, nal_ref_idc,
// picture order count, IDR flag and idr_pic_id), which finds the next
// picture even when its first slice was lost. Without parameter sets it
// falls back to first_mb_in_slice == 0, pic_parameter_set_id, nal_ref_idc
// and the IDR flag. Arbitrary slice order (ASO, allowed in Baseline only)
// is not supported: a slice with first_mb_in_slice 0 always starts a
// picture.
//
// The zero value is ready to use. A detector holds about 10 KB of parameter
// set state; it allocates nothing after creation.
type H264AUDetector struct {
	sps [32]h264SPSSlot
	pps [256]h264PPSSlot

	started bool // a NAL unit has been seen
	vcl     bool // a primary slice has been seen since the last sure start
	cand    bool // a candidate boundary has been seen since that slice
	ended   bool // the last NAL unit was end of sequence or end of stream
	endSeq  bool // ... and it was end of sequence (end of stream may follow)
	prev    H264SliceHeader
}

type h264SPSSlot struct {
	ok  bool
	sps H264SPS
}

type h264PPSSlot struct {
	ok  bool
	pps H264PPS
}

// Reset forgets all state, including the parameter sets.
func (d *H264AUDetector) Reset() { *d = H264AUDetector{} }

// AddParameterSet records an SPS or PPS received out of band (for example
// from sprop-parameter-sets) without affecting boundary detection. Other NAL
// unit types are ignored; a malformed SPS or PPS is returned as an error.
func (d *H264AUDetector) AddParameterSet(nal []byte) error {
	switch H264Type(nal) {
	case H264NALSPS:
		s, err := ParseH264SPS(nal)
		if err != nil {
			return err
		}
		d.sps[s.ID] = h264SPSSlot{ok: true, sps: s}
	case H264NALPPS:
		p, err := ParseH264PPS(nal)
		if err != nil {
			return err
		}
		d.pps[p.ID] = h264PPSSlot{ok: true, pps: p}
	}
	return nil
}

// StartsNewAU reports whether nal, the next NAL unit in decoding order,
// begins a new access unit, deciding at once. The first non-empty NAL unit
// always does. After a slice of a primary picture, the first access unit
// delimiter, SPS, PPS, SEI or NAL unit of type 14 to 18 begins the next
// access unit, or else the first slice of the next primary picture; every
// NAL unit after an end of sequence or end of stream begins one too (except
// end of stream right after end of sequence). Other NAL units (filler, SPS
// extension, data partitions B and C, auxiliary and extension slices,
// unspecified types) stay in the current access unit. Empty input returns
// false and is otherwise ignored.
//
// The standard also allows an SPS, a PPS or types 14 to 18 between two
// slices of one picture; StartsNewAU cannot look ahead and reports a
// boundary there. AccessUnitSplitter gets that case right.
func (d *H264AUDetector) StartsNewAU(nal []byte) bool {
	return d.classify(nal).immediate()
}

func (d *H264AUDetector) classify(nal []byte) auBoundary {
	if len(nal) == 0 {
		return auIgnore
	}
	t := H264Type(nal)
	if t == H264NALSPS || t == H264NALPPS {
		_ = d.AddParameterSet(nal) // a broken parameter set just is not used
	}
	if !d.started || (d.ended && !(d.endSeq && t == H264NALEndStream)) {
		d.started, d.vcl, d.cand = true, false, false
		d.ended = t == H264NALEndSeq || t == H264NALEndStream
		d.endSeq = t == H264NALEndSeq
		if t.isH264Slice() {
			d.slice(nal)
		}
		return auStart
	}
	d.ended = t == H264NALEndSeq || t == H264NALEndStream
	d.endSeq = t == H264NALEndSeq
	switch {
	case t == H264NALAUD || t == H264NALSPS || t == H264NALPPS || t == H264NALSEI ||
		(t >= 14 && t <= 18):
		if d.vcl && !d.cand {
			d.cand = true
			return auCandidate
		}
	case t.isH264Slice():
		hadVCL, cand := d.vcl, d.cand
		newPic, ok := d.slice(nal)
		if !ok || !hadVCL {
			return auContinue
		}
		d.cand = false
		switch {
		case newPic && cand:
			return auPictureAtCandidate
		case newPic:
			return auPicture
		case cand:
			return auCancelCandidate
		}
	}
	return auContinue
}

// isH264Slice reports whether t is a slice with a slice header that can
// start a primary picture: types 1, 2 (data partition A) and 5.
func (t H264NALType) isH264Slice() bool {
	return t == H264NALSlice || t == H264NALSliceDPA || t == H264NALIDR
}

// slice records a primary slice and reports whether it begins a new picture
// compared with the previous one. ok is false for a slice whose header
// cannot be read and for a redundant slice; neither changes the state.
func (d *H264AUDetector) slice(nal []byte) (newPic, ok bool) {
	h, ok := d.sliceHeader(nal)
	if !ok || (h.Full && h.RedundantPicCnt > 0) {
		return false, false
	}
	newPic = d.vcl && h.newPicture(&d.prev)
	d.vcl = true
	d.prev = h
	return newPic, true
}

// sliceHeader parses a slice header, fully when the PPS it names and that
// PPS's SPS are known.
func (d *H264AUDetector) sliceHeader(nal []byte) (H264SliceHeader, bool) {
	h, err := ParseH264SliceHeader(nal, nil, nil)
	if err != nil {
		return h, false
	}
	pp := &d.pps[h.PPSID]
	if !pp.ok {
		return h, true
	}
	sp := &d.sps[pp.pps.SPSID]
	if !sp.ok {
		return h, true
	}
	if full, err := ParseH264SliceHeader(nal, &sp.sps, &pp.pps); err == nil {
		return full, true
	}
	return h, true
}
