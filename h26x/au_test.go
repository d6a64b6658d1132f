package h26x

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// splitAUs groups the NAL units of testdata stream name into access units
// with an AccessUnitSplitter using d, and returns them with the stream.
func splitAUs(t testing.TB, name string, d AUDetector) ([][][]byte, []byte) {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	require.NoError(t, err)
	s := AccessUnitSplitter{Detector: d}
	var aus [][][]byte
	for _, nal := range SplitNALs(nil, data) {
		if au, ok := s.Push(nil, nal); ok {
			aus = append(aus, au)
		}
	}
	if au, ok := s.Flush(nil); ok {
		aus = append(aus, au)
	}
	return aus, data
}

// auSizes returns the byte size of each access unit in the Annex-B stream
// data, start codes included, as ffprobe -show_packets counts them: from
// the start code of an access unit's first NAL unit to that of the next.
// ffmpeg's H.264 parser counts the zero_byte of a 4-byte start code with
// the access unit it begins, its HEVC parser with the one before (zeroByte
// false).
func auSizes(data []byte, aus [][][]byte, zeroByte bool) []int {
	starts := make([]int, 0, len(aus)+1)
	for i, au := range aus {
		off := cap(data) - cap(au[0]) - 3 // au[0] aliases data
		if zeroByte && off > 0 && data[off-1] == 0 {
			off--
		}
		if i == 0 {
			off = 0
		}
		starts = append(starts, off)
	}
	starts = append(starts, len(data))
	sizes := make([]int, len(aus))
	for i := range aus {
		sizes[i] = starts[i+1] - starts[i]
	}
	return sizes
}

// The packet sizes ffprobe -show_packets reports for the testdata streams:
// ffmpeg's parsers split them into these access units.
var (
	ffprobeH264Main = []int{10455, 3406, 3125, 1977, 1829, 2167, 2145, 2636, 2461, 2143, 2188, 2227, 2564, 2466,
		2505, 2696, 2575, 2444, 2525, 2815, 2964, 2835, 2779, 2868, 2888, 10699, 2934, 2926, 2660, 2441, 2482,
		2467, 2706, 2329, 2495, 2567, 2568, 2599, 2922, 2923, 2972, 2974, 2980, 2953, 3322, 2970, 2814, 2853,
		2807, 2528}
	ffprobeH264Slices = []int{11484, 3773, 1974, 2529, 3481, 1569, 1389, 3266, 2990, 1414, 3033, 1511, 4228,
		2004, 1603, 1806, 3140, 1794, 3865, 1756, 4508, 2286, 1999, 1745, 2422, 10878, 4437, 1783, 3427, 1631,
		3041, 1746, 4145, 2161, 1629, 4403, 2510, 1775, 1991, 4723, 2752, 2034, 2122, 3899, 2144, 4420, 2781,
		2147, 2157, 3012}
	ffprobeH265Main = []int{21055, 10712, 3449, 649, 934, 707, 8255, 3182, 629, 720, 339, 7508, 2046, 519, 545,
		546, 6992, 3026, 730, 599, 709, 17936, 2005, 716, 632, 601, 9642, 2184, 777, 865, 603, 8472, 1891, 644,
		633, 699, 8269, 2185, 565, 688, 733, 7655, 2497, 898, 898, 1115, 4649, 2951, 821, 1018}
)

// TestAccessUnitsTestdata checks the splitter against ffmpeg on the sample
// streams: ffprobe -count_frames reports 50 pictures for each 2-second
// stream and 25 for each 1-second benchmark stream, and the access units
// have exactly the byte sizes of ffprobe's packets.
func TestAccessUnitsTestdata(t *testing.T) {
	for _, tc := range []struct {
		name      string
		h265      bool
		pictures  int
		slices    int // VCL NAL units per access unit
		keyframes []int
		sizes     []int
	}{
		{"h264_main_720p.h264", false, 50, 1, []int{0, 25}, ffprobeH264Main},
		{"h264_high_slices_720p_bframes.h264", false, 50, 4, []int{0, 25}, ffprobeH264Slices},
		{"h264_high_720p_4mbps_bframes.h264", false, 25, 1, []int{0}, nil},
		{"h265_main_720p_bframes.h265", true, 50, 1, []int{0, 21}, ffprobeH265Main},
		{"h265_main_720p_4mbps_bframes.h265", true, 25, 1, []int{0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d AUDetector = new(H264AUDetector)
			if tc.h265 {
				d = new(H265AUDetector)
			}
			aus, data := splitAUs(t, tc.name, d)
			require.Len(t, aus, tc.pictures)
			var keys []int
			total := 0
			for i, au := range aus {
				total += len(au)
				vcl := 0
				for _, nal := range au {
					if tc.h265 && H265Type(nal).IsVCL() || !tc.h265 && H264Type(nal).IsVCL() {
						vcl++
					}
				}
				require.Equal(t, tc.slices, vcl, "access unit %d", i)
				key := H264IsKeyframe(au)
				if tc.h265 {
					key = H265IsKeyframe(au)
				}
				if key {
					keys = append(keys, i)
				}
			}
			require.Equal(t, tc.keyframes, keys)
			require.Equal(t, len(SplitNALs(nil, data)), total, "every NAL unit in exactly one access unit")
			if tc.sizes != nil {
				require.Equal(t, tc.sizes, auSizes(data, aus, !tc.h265))
			}

			// StartsNewAU, deciding at once, agrees on these streams
			// (they have no parameter sets between slices).
			d.Reset()
			n := 0
			for _, nal := range SplitNALs(nil, data) {
				if d.StartsNewAU(nal) {
					n++
				}
			}
			require.Equal(t, tc.pictures, n)
		})
	}
}

// h264Slice builds an H.264 slice NAL unit with the given header fields
// for a stream without parameter sets (only the first three are read).
func h264Slice(typ H264NALType, refIDC uint8, firstMB, ppsID uint32) []byte {
	var w bitWriter
	w.ue(firstMB)
	w.ue(7) // slice_type I (all slices)
	w.ue(ppsID)
	w.u(8, 0xaa) // rest of the header and data
	return w.nal(refIDC<<5 | byte(typ))
}

func TestH264AUDetector(t *testing.T) {
	var (
		aud    = []byte{0x09, 0xf0}
		sps    = []byte{0x67, 0x42, 0x00, 0x1f, 0xe9}
		pps    = []byte{0x68, 0xce, 0x38, 0x80}
		sei    = []byte{0x06, 0x05, 0x01, 0x00, 0x80}
		eos    = []byte{0x0a}
		eob    = []byte{0x0b}
		filler = []byte{0x0c, 0xff, 0xff, 0x80}
		prefix = []byte{0x0e, 0x80} // type 14
		ext    = []byte{0x14, 0x80} // type 20, MVC/SVC slice
		idr0   = h264Slice(H264NALIDR, 3, 0, 0)
		idr1   = h264Slice(H264NALIDR, 3, 100, 0)
		p0     = h264Slice(H264NALSlice, 2, 0, 0)
		p1     = h264Slice(H264NALSlice, 2, 100, 0)
		b0     = h264Slice(H264NALSlice, 0, 0, 0)
		b1     = h264Slice(H264NALSlice, 0, 100, 0)
		p1pps1 = h264Slice(H264NALSlice, 2, 100, 1)
		dpa    = h264Slice(H264NALSliceDPA, 2, 0, 0)
		dpb    = []byte{0x23, 0x80}
	)
	for _, tc := range []struct {
		name string
		nals [][]byte
		want []bool // StartsNewAU per NAL unit
		aus  []int  // access unit lengths from AccessUnitSplitter
	}{
		{
			name: "parameter sets and SEI before IDR, then P",
			nals: [][]byte{sps, pps, sei, idr0, idr1, sei, p0, p1},
			want: []bool{true, false, false, false, false, true, false, false},
			aus:  []int{5, 3},
		},
		{
			name: "AUD starts, filler stays",
			nals: [][]byte{aud, idr0, filler, aud, p0, filler},
			want: []bool{true, false, false, true, false, false},
			aus:  []int{3, 3},
		},
		{
			name: "first_mb 0 starts a picture",
			nals: [][]byte{idr0, idr1, p0, p1, b0, b1},
			want: []bool{true, false, true, false, true, false},
			aus:  []int{2, 2, 2},
		},
		{
			name: "lost first slice: nal_ref_idc zero-ness changes",
			nals: [][]byte{p0, p1, b1},
			want: []bool{true, false, true},
			aus:  []int{2, 1},
		},
		{
			name: "lost first slice: IDR flag changes",
			nals: [][]byte{idr0, p1},
			want: []bool{true, true},
			aus:  []int{1, 1},
		},
		{
			name: "lost first slice: PPS id changes",
			nals: [][]byte{p0, p1pps1},
			want: []bool{true, true},
			aus:  []int{1, 1},
		},
		{
			name: "PPS between slices of one picture",
			nals: [][]byte{p0, pps, p1, p0},
			// Deciding at once, the PPS looks like a boundary...
			want: []bool{true, true, false, true},
			// ...the splitter waits for the next slice and keeps it.
			aus: []int{3, 1},
		},
		{
			name: "prefix NAL units (types 14-18) and extension slices",
			nals: [][]byte{prefix, idr0, ext, prefix, p0, ext},
			want: []bool{true, false, false, true, false, false},
			aus:  []int{3, 3},
		},
		{
			name: "data partitions",
			nals: [][]byte{dpa, dpb, dpa, dpb},
			want: []bool{true, false, true, false},
			aus:  []int{2, 2},
		},
		{
			name: "after end of sequence everything starts anew",
			nals: [][]byte{idr0, eos, eob, idr1, eos, filler},
			want: []bool{true, false, false, true, false, true},
			aus:  []int{3, 2, 1},
		},
		{
			name: "end of stream then end of sequence",
			nals: [][]byte{p0, eob, eos},
			want: []bool{true, false, true},
			aus:  []int{2, 1},
		},
		{
			name: "empty and unreadable NAL units",
			nals: [][]byte{{}, {0x01}, p0, {0x05, 0x00}},
			want: []bool{false, true, false, false},
			aus:  []int{3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d H264AUDetector
			got := make([]bool, len(tc.nals))
			for i, nal := range tc.nals {
				got[i] = d.StartsNewAU(nal)
			}
			require.Equal(t, tc.want, got)

			s := AccessUnitSplitter{Detector: &H264AUDetector{}}
			var lens []int
			for _, nal := range tc.nals {
				if au, ok := s.Push(nil, nal); ok {
					lens = append(lens, len(au))
				}
			}
			if au, ok := s.Flush(nil); ok {
				lens = append(lens, len(au))
			}
			require.Equal(t, tc.aus, lens)
		})
	}
}

// TestH264AUDetectorLostFirstSlice drops the first slice of every picture
// of the 4-slice stream: with the parameter sets known, frame_num and
// pic_order_cnt_lsb still separate the pictures, where first_mb_in_slice
// alone could not.
func TestH264AUDetectorLostFirstSlice(t *testing.T) {
	data, err := os.ReadFile("../testdata/h264_high_slices_720p_bframes.h264")
	require.NoError(t, err)
	var d H264AUDetector
	pictures := 0
	for _, nal := range SplitNALs(nil, data) {
		if H264Type(nal).IsVCL() {
			mb, err := H264SliceFirstMB(nal)
			require.NoError(t, err)
			if mb == 0 {
				continue // lost
			}
		}
		if d.StartsNewAU(nal) {
			pictures++
		}
	}
	require.Equal(t, 50, pictures)
}

func h265NAL(typ H265NALType, layer uint8, payload ...byte) []byte {
	return append([]byte{byte(typ)<<1 | layer>>5, layer<<3 | 1}, payload...)
}

func TestH265AUDetector(t *testing.T) {
	var (
		vps     = h265NAL(H265NALVPS, 0, 0x0c)
		sps     = h265NAL(H265NALSPS, 0, 0x01)
		pps     = h265NAL(H265NALPPS, 0, 0xc1)
		aud     = h265NAL(H265NALAUD, 0, 0x50)
		psei    = h265NAL(H265NALPrefixSEI, 0, 0x05)
		ssei    = h265NAL(H265NALSuffixSEI, 0, 0x84)
		eos     = h265NAL(H265NALEOS, 0)
		eob     = h265NAL(H265NALEOB, 0)
		rsv41   = h265NAL(41, 0, 0x80)
		unspec  = h265NAL(48, 0, 0x80)
		idrA    = h265NAL(H265NALIDRWRADL, 0, 0xaf)
		idrB    = h265NAL(H265NALIDRWRADL, 0, 0x2f)
		trailA  = h265NAL(H265NALTrailR, 0, 0xd0)
		trailB  = h265NAL(H265NALTrailR, 0, 0x50)
		layer1A = h265NAL(H265NALTrailR, 1, 0xd0)
		layer1P = h265NAL(H265NALPPS, 1, 0xc1)
	)
	for _, tc := range []struct {
		name string
		nals [][]byte
		want []bool
		aus  []int
	}{
		{
			name: "parameter sets, IDR in two segments, trailing picture",
			nals: [][]byte{vps, sps, pps, psei, idrA, idrB, ssei, trailA, trailB},
			want: []bool{true, false, false, false, false, false, false, true, false},
			aus:  []int{7, 2},
		},
		{
			name: "AUD and reserved types after a picture",
			nals: [][]byte{aud, idrA, aud, trailA, rsv41, trailA, unspec, trailA},
			want: []bool{true, false, true, false, true, false, true, false},
			aus:  []int{2, 2, 2, 2},
		},
		{
			name: "prefix SEI between segments of one picture",
			nals: [][]byte{trailA, psei, trailB, trailA},
			want: []bool{true, true, false, true},
			aus:  []int{3, 1},
		},
		{
			name: "enhancement layer stays with the base picture",
			nals: [][]byte{idrA, layer1P, layer1A, trailA, layer1A},
			want: []bool{true, false, false, true, false},
			aus:  []int{3, 2},
		},
		{
			name: "end of sequence and bitstream",
			nals: [][]byte{idrA, eos, eob, idrA, eob, trailB},
			want: []bool{true, false, false, true, false, true},
			aus:  []int{3, 2, 1},
		},
		{
			name: "short input ignored",
			nals: [][]byte{{0x40}, trailA, {}, trailB},
			want: []bool{false, true, false, false},
			aus:  []int{2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d H265AUDetector
			got := make([]bool, len(tc.nals))
			for i, nal := range tc.nals {
				got[i] = d.StartsNewAU(nal)
			}
			require.Equal(t, tc.want, got)

			s := AccessUnitSplitter{Detector: &H265AUDetector{}}
			var lens []int
			for _, nal := range tc.nals {
				if au, ok := s.Push(nil, nal); ok {
					lens = append(lens, len(au))
				}
			}
			if au, ok := s.Flush(nil); ok {
				lens = append(lens, len(au))
			}
			require.Equal(t, tc.aus, lens)
		})
	}
}

func TestH265Header(t *testing.T) {
	nal := []byte{0x40 | 0x01, 0x0b} // VPS, layer 33, TemporalId 2
	require.Equal(t, H265NALVPS, H265Type(nal))
	require.Equal(t, uint8(33), H265LayerID(nal))
	require.Equal(t, uint8(2), H265TemporalID(nal))
	require.Zero(t, H265LayerID(nal[:1]))
	require.Zero(t, H265TemporalID([]byte{0x40, 0x08}))
	require.True(t, H265FirstSliceSegmentInPic([]byte{0x26, 0x01, 0xaf}))
	require.False(t, H265FirstSliceSegmentInPic([]byte{0x02, 0x01, 0x50}))
	require.False(t, H265FirstSliceSegmentInPic([]byte{0x40, 0x01, 0xff})) // not VCL
	require.False(t, H265FirstSliceSegmentInPic([]byte{0x26, 0x01}))
}

func TestAccessUnitSplitterLimitsAndReset(t *testing.T) {
	// No boundary ever: MaxNALs cuts the run.
	s := AccessUnitSplitter{Detector: &H265AUDetector{}, MaxNALs: 3}
	nal := h265NAL(H265NALTrailR, 0, 0x50)
	var lens []int
	for range 10 {
		if au, ok := s.Push(nil, nal); ok {
			lens = append(lens, len(au))
		}
	}
	require.Equal(t, []int{3, 3, 3}, lens)

	// Reset drops the pending unit.
	s.Reset()
	_, ok := s.Flush(nil)
	require.False(t, ok)

	// A nil Detector means H.264; the result appends to dst.
	var s2 AccessUnitSplitter
	dst := [][]byte{{0xff}}
	dst, ok = s2.Push(dst, h264Slice(H264NALIDR, 3, 0, 0))
	require.False(t, ok)
	dst, ok = s2.Push(dst, h264Slice(H264NALSlice, 2, 0, 0))
	require.True(t, ok)
	require.Len(t, dst, 2)
	require.Equal(t, H264NALIDR, H264Type(dst[1]))
}

func TestAccessUnitSplitterAllocs(t *testing.T) {
	data, err := os.ReadFile("../testdata/h264_high_slices_720p_bframes.h264")
	require.NoError(t, err)
	nals := SplitNALs(nil, data)
	s := AccessUnitSplitter{Detector: &H264AUDetector{}}
	buf := make([][]byte, 0, 16)
	run := func() {
		for _, nal := range nals {
			buf, _ = s.Push(buf[:0], nal)
		}
		buf, _ = s.Flush(buf[:0])
	}
	run() // warm up
	require.Zero(t, testing.AllocsPerRun(5, run))
}

func BenchmarkAccessUnitSplitter(b *testing.B) {
	for _, name := range []string{"h264_high_720p_4mbps_bframes.h264", "h265_main_720p_4mbps_bframes.h265"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile("../testdata/" + name)
			require.NoError(b, err)
			var d AUDetector = new(H264AUDetector)
			if name[:4] == "h265" {
				d = new(H265AUDetector)
			}
			s := AccessUnitSplitter{Detector: d}
			au := make([][]byte, 0, 16)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for rest := data; ; {
					var nal []byte
					nal, rest = NextNAL(rest)
					if nal == nil {
						break
					}
					var ok bool
					if au, ok = s.Push(au[:0], nal); ok {
						n++
					}
				}
				if _, ok := s.Flush(au[:0]); ok {
					n++
				}
				if n != 25 {
					b.Fatalf("%d access units", n)
				}
			}
		})
	}
}
