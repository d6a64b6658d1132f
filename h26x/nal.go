package h26x

// H264NALType is the nal_unit_type of an H.264 NAL unit (ITU-T H.264
// Table 7-1), extended with the RTP packetization types of RFC 6184 §5.2.
type H264NALType uint8

// H.264 NAL unit types.
const (
	H264NALSlice     H264NALType = 1  // coded slice of a non-IDR picture
	H264NALSliceDPA  H264NALType = 2  // data partition A
	H264NALSliceDPB  H264NALType = 3  // data partition B
	H264NALSliceDPC  H264NALType = 4  // data partition C
	H264NALIDR       H264NALType = 5  // coded slice of an IDR picture
	H264NALSEI       H264NALType = 6  // supplemental enhancement information
	H264NALSPS       H264NALType = 7  // sequence parameter set
	H264NALPPS       H264NALType = 8  // picture parameter set
	H264NALAUD       H264NALType = 9  // access unit delimiter
	H264NALEndSeq    H264NALType = 10 // end of sequence
	H264NALEndStream H264NALType = 11 // end of stream
	H264NALFiller    H264NALType = 12 // filler data
	H264NALSPSExt    H264NALType = 13 // SPS extension
	H264NALPrefix    H264NALType = 14 // prefix NAL unit (SVC)
	H264NALSubsetSPS H264NALType = 15 // subset SPS
	H264NALAuxSlice  H264NALType = 19 // auxiliary coded picture slice
	H264NALSliceExt  H264NALType = 20 // coded slice extension (SVC/MVC)
	H264NALSTAPA     H264NALType = 24 // RTP single-time aggregation packet A
	H264NALSTAPB     H264NALType = 25 // RTP single-time aggregation packet B
	H264NALMTAP16    H264NALType = 26 // RTP multi-time aggregation packet, 16-bit offsets
	H264NALMTAP24    H264NALType = 27 // RTP multi-time aggregation packet, 24-bit offsets
	H264NALFUA       H264NALType = 28 // RTP fragmentation unit A
	H264NALFUB       H264NALType = 29 // RTP fragmentation unit B
	h264NALTypeMask              = 0x1f
)

// H264Type returns the type of an H.264 NAL unit, 0 for an empty one.
func H264Type(nal []byte) H264NALType {
	if len(nal) == 0 {
		return 0
	}
	return H264NALType(nal[0] & h264NALTypeMask)
}

// IsVCL reports whether t carries coded picture data (types 1 to 5).
func (t H264NALType) IsVCL() bool { return t >= H264NALSlice && t <= H264NALIDR }

// H265NALType is the nal_unit_type of an H.265 NAL unit (ITU-T H.265
// Table 7-1), extended with the RTP packetization types of RFC 7798 §4.4.
type H265NALType uint8

// H.265 NAL unit types.
const (
	H265NALTrailN     H265NALType = 0
	H265NALTrailR     H265NALType = 1
	H265NALTSAN       H265NALType = 2
	H265NALTSAR       H265NALType = 3
	H265NALSTSAN      H265NALType = 4
	H265NALSTSAR      H265NALType = 5
	H265NALRADLN      H265NALType = 6
	H265NALRADLR      H265NALType = 7
	H265NALRASLN      H265NALType = 8
	H265NALRASLR      H265NALType = 9
	H265NALBLAWLP     H265NALType = 16
	H265NALBLAWRADL   H265NALType = 17
	H265NALBLANLP     H265NALType = 18
	H265NALIDRWRADL   H265NALType = 19
	H265NALIDRNLP     H265NALType = 20
	H265NALCRA        H265NALType = 21
	H265NALVPS        H265NALType = 32
	H265NALSPS        H265NALType = 33
	H265NALPPS        H265NALType = 34
	H265NALAUD        H265NALType = 35
	H265NALEOS        H265NALType = 36
	H265NALEOB        H265NALType = 37
	H265NALFD         H265NALType = 38
	H265NALPrefixSEI  H265NALType = 39
	H265NALSuffixSEI  H265NALType = 40
	H265NALAP         H265NALType = 48 // RTP aggregation packet
	H265NALFU         H265NALType = 49 // RTP fragmentation unit
	H265NALPACI       H265NALType = 50 // RTP payload content information
	h265NALHeaderSize             = 2
)

// H265Type returns the type of an H.265 NAL unit, 0 for one shorter than its
// 2-byte header.
func H265Type(nal []byte) H265NALType {
	if len(nal) < h265NALHeaderSize {
		return 0
	}
	return H265NALType(nal[0] >> 1 & 0x3f)
}

// IsVCL reports whether t carries coded picture data (types 0 to 31).
func (t H265NALType) IsVCL() bool { return t < 32 }

// IsIRAP reports whether t is an intra random access point picture (BLA,
// IDR or CRA: types 16 to 23), where a decoder can start.
func (t H265NALType) IsIRAP() bool { return t >= H265NALBLAWLP && t <= 23 }
