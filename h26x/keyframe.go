package h26x

// H264IsKeyframe reports whether the H.264 access unit au holds an IDR
// slice, where a decoder can start (with the SPS and PPS it refers to).
func H264IsKeyframe(au [][]byte) bool {
	for _, nal := range au {
		if H264Type(nal) == H264NALIDR {
			return true
		}
	}
	return false
}

// H265IsKeyframe reports whether the H.265 access unit au holds a slice
// segment of an intra random access point picture (IDR, CRA or BLA, types
// 16 to 23) in the base layer. After a CRA the decoder drops the RASL
// pictures that follow, which reference pictures before it.
func H265IsKeyframe(au [][]byte) bool {
	for _, nal := range au {
		if H265Type(nal).IsIRAP() && H265LayerID(nal) == 0 {
			return true
		}
	}
	return false
}

// H264ParameterSets returns the first SPS and the first PPS in au (nil for
// one that is absent). The slices alias au's NAL units.
func H264ParameterSets(au [][]byte) (sps, pps []byte) {
	for _, nal := range au {
		switch H264Type(nal) {
		case H264NALSPS:
			if sps == nil {
				sps = nal
			}
		case H264NALPPS:
			if pps == nil {
				pps = nal
			}
		}
	}
	return sps, pps
}

// H265ParameterSets returns the first VPS, SPS and PPS in au (nil for one
// that is absent). The slices alias au's NAL units.
func H265ParameterSets(au [][]byte) (vps, sps, pps []byte) {
	for _, nal := range au {
		switch H265Type(nal) {
		case H265NALVPS:
			if vps == nil {
				vps = nal
			}
		case H265NALSPS:
			if sps == nil {
				sps = nal
			}
		case H265NALPPS:
			if pps == nil {
				pps = nal
			}
		}
	}
	return vps, sps, pps
}

// H264PrependParameterSets appends au to dst, inserting sps and pps when
// au is a keyframe that lacks them, so that a reader joining at this
// keyframe can decode it: many cameras send parameter sets only in SDP. A
// missing SPS goes in front of the first NAL unit other than an access unit
// delimiter, a missing PPS after the SPS; parameter sets the access unit
// has are kept. A nil sps or pps is not inserted. Other access units are
// appended unchanged.
func H264PrependParameterSets(dst, au [][]byte, sps, pps []byte) [][]byte {
	if !H264IsKeyframe(au) {
		return append(dst, au...)
	}
	return insertParameterSets(dst, au, [][]byte{sps, pps}, func(nal []byte) int {
		switch H264Type(nal) {
		case H264NALAUD:
			return -1
		case H264NALSPS:
			return 0
		case H264NALPPS:
			return 1
		}
		return 2
	})
}

// H265PrependParameterSets is H264PrependParameterSets for H.265: when au is
// an IRAP access unit, whichever of vps, sps and pps it lacks are inserted
// in that order after any access unit delimiter.
func H265PrependParameterSets(dst, au [][]byte, vps, sps, pps []byte) [][]byte {
	if !H265IsKeyframe(au) {
		return append(dst, au...)
	}
	return insertParameterSets(dst, au, [][]byte{vps, sps, pps}, func(nal []byte) int {
		switch H265Type(nal) {
		case H265NALAUD:
			return -1
		case H265NALVPS:
			return 0
		case H265NALSPS:
			return 1
		case H265NALPPS:
			return 2
		}
		return 3
	})
}

// insertParameterSets appends au to dst with each sets[k] inserted that au
// has no NAL unit of rank k for. rank gives -1 for a delimiter, k for a
// parameter set of kind k, len(sets) for anything else; a missing set goes
// in front of the first NAL unit of higher rank, keeping the order.
func insertParameterSets(dst, au, sets [][]byte, rank func([]byte) int) [][]byte {
	var present [3]bool
	for _, nal := range au {
		if k := rank(nal); k >= 0 && k < len(sets) {
			present[k] = true
		}
	}
	next := 0 // sets below next have been inserted or were present
	flush := func(upTo int) {
		for ; next < upTo && next < len(sets); next++ {
			if !present[next] && sets[next] != nil {
				dst = append(dst, sets[next])
			}
		}
	}
	for _, nal := range au {
		if k := rank(nal); k >= 0 {
			flush(k)
		}
		dst = append(dst, nal)
	}
	flush(len(sets))
	return dst
}
