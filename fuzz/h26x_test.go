package fuzz

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
)

// Targets for the bitstream side of package h26x: Annex-B scanning and
// emulation prevention, SPS/PPS/VPS/slice header parsing, sprop values and
// access unit detection. Helpers are prefixed h26xBS.

// h26xBSStreams are the sample streams the seeds come from.
var h26xBSStreams = []string{
	"h264_main_720p.h264", "h264_high_slices_720p_bframes.h264", "h264_high_720p_4mbps_bframes.h264",
	"h265_main_720p_bframes.h265", "h265_main_720p_4mbps_bframes.h265",
}

func h26xBSRead(f *testing.F, name string) []byte {
	f.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// h26xBSHead returns the first n NAL units of stream name, each cut to at
// most max bytes: small inputs whose headers are real.
func h26xBSHead(f *testing.F, name string, n, max int) [][]byte {
	nals := h26x.SplitNALs(nil, h26xBSRead(f, name))
	nals = nals[:min(n, len(nals))]
	for i, nal := range nals {
		nals[i] = nal[:min(max, len(nal))]
	}
	return nals
}

// h26xBSParamSets returns the parameter sets of the sample streams and of
// small streams x264 and x265 made for the h26x tests (odd sizes, 4:2:2,
// 4:4:4, monochrome, interlaced, baseline).
func h26xBSParamSets(f *testing.F, h265 bool) [][]byte {
	var out [][]byte
	for _, name := range h26xBSStreams {
		if strings.HasSuffix(name, ".h265") != h265 {
			continue
		}
		for _, nal := range h26xBSHead(f, name, 5, 1<<10) {
			if !h265 && (h26x.H264Type(nal) == h26x.H264NALSPS || h26x.H264Type(nal) == h26x.H264NALPPS) ||
				h265 && h26x.H265Type(nal) >= h26x.H265NALVPS && h26x.H265Type(nal) <= h26x.H265NALPPS {
				out = append(out, nal)
			}
		}
	}
	extra := []string{ // H.264
		"67640028acd940780227e5c04400000fa40003a9803c60c658",
		"6764001eacd940b424d8088000000300800000190f8a14cb",
		"677a001fb6cd940a42fe227c0440000003004000001903c60c6580",
		"67f4000d919b282a10f1f1f808800000030080000018078a14cb",
		"6764000df36505421e3e3f016c800000030080000018078a14cb",
		"6742c00cd90141fb0110000003001000000301e0f142a480",
		"674200 0a96530589 88", "68c96388", "68cb83cb20",
	}
	if h265 {
		extra = []string{
			"420101016000000300900000030000030078a003c08010e75596566924caf01680800001f480003a9804",
			"4201010408000003009d0800000300005ab005120171c93b65959a49395e02d0100000030010000003032080",
			"4201010408000003009e0800000300003c90014901f39e7cb2b349265780b4040000030004000003006020",
			"4201010408000003009fc800000300003cc029203e73cf96566924caf016c080000003008000000c04",
			"40010c01ffff0408000003009d0800000300005a959809",
		}
	}
	for _, x := range extra {
		b, err := hex.DecodeString(strings.ReplaceAll(x, " ", ""))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// h26xBSSubslice reports whether sub lies inside b (shares its memory).
func h26xBSSubslice(b, sub []byte) bool {
	off := cap(b) - cap(sub)
	return len(sub) > 0 && off >= 0 && off+len(sub) <= len(b) && &b[off] == &sub[0]
}

// h26xBSKnownError reports whether err is one of the parsers' sentinels.
func h26xBSKnownError(err error) bool {
	for _, e := range []error{h26x.ErrBitstreamEnd, h26x.ErrExpGolombOverflow, h26x.ErrParamOutOfRange,
		h26x.ErrWrongNALType, h26x.ErrBitCount} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// h26xBSReescape rebuilds a NAL unit from its RBSP with canonical emulation
// prevention: the same syntax, so every parser must give the same result.
func h26xBSReescape(nal []byte, header int) []byte {
	header = min(header, len(nal))
	rbsp := h26x.RemoveEmulationPrevention(nil, nal[header:])
	return h26x.AddEmulationPrevention(append([]byte{}, nal[:header]...), rbsp)
}

// FuzzH26xAnnexB checks NextNAL/SplitNALs and emulation prevention: every
// NAL unit is a non-empty sub-slice of the input that neither ends in a
// zero byte nor contains a start code; NextNAL and SplitNALs agree;
// re-joined with 4-byte start codes the units split back the same. Adding
// emulation prevention leaves no start code prefix, and removing it
// restores the input.
func FuzzH26xAnnexB(f *testing.F) {
	for _, name := range h26xBSStreams {
		f.Add(h26x.AppendAnnexB(nil, h26xBSHead(f, name, 6, 48)...))
	}
	for _, s := range []string{"", "\x00\x00\x01", "\x00\x00\x00\x01\x67\x00\x00\x03\x01", "junk\x00\x00\x01\x41\x00\x00",
		"\x00\x00\x01\x00\x00\x01\x09\xf0", "\x00\x00\x01\x00\x01\x01\x00\x00\x02", "\x00\x00\x00\x00\x00\x01\x65\x00\x00\x00\x01"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nals := h26x.SplitNALs(nil, data)
		var again [][]byte
		for rest := data; ; {
			var nal []byte
			nal, rest = h26x.NextNAL(rest)
			if nal == nil {
				if len(rest) != 0 {
					t.Fatalf("NextNAL: nil NAL with %d bytes left", len(rest))
				}
				break
			}
			again = append(again, nal)
		}
		if len(again) != len(nals) {
			t.Fatalf("NextNAL found %d NAL units, SplitNALs %d", len(again), len(nals))
		}
		for i, nal := range nals {
			switch {
			case !h26xBSSubslice(data, nal):
				t.Fatalf("NAL %d is empty or not inside the input", i)
			case &again[i][0] != &nal[0] || len(again[i]) != len(nal):
				t.Fatalf("NAL %d differs between NextNAL and SplitNALs", i)
			case nal[len(nal)-1] == 0:
				t.Fatalf("NAL %d ends in a zero byte: % x", i, nal)
			case bytes.Contains(nal, []byte{0, 0, 1}):
				t.Fatalf("NAL %d contains a start code: % x", i, nal)
			}
		}
		if h26x.HasStartCode(data) != bytes.Contains(data, []byte{0, 0, 1}) {
			t.Fatal("HasStartCode disagrees with bytes.Contains")
		}
		joined := h26x.AppendAnnexB(nil, nals...)
		resplit := h26x.SplitNALs(nil, joined)
		if len(resplit) != len(nals) {
			t.Fatalf("re-split gave %d NAL units, want %d", len(resplit), len(nals))
		}
		for i := range nals {
			if !bytes.Equal(resplit[i], nals[i]) {
				t.Fatalf("re-split NAL %d: % x, want % x", i, resplit[i], nals[i])
			}
		}

		escaped := h26x.AddEmulationPrevention(nil, data)
		for _, sc := range [][]byte{{0, 0, 0}, {0, 0, 1}, {0, 0, 2}} {
			if bytes.Contains(escaped, sc) {
				t.Fatalf("escaped data contains % x", sc)
			}
		}
		if got := h26x.RemoveEmulationPrevention(nil, escaped); !bytes.Equal(got, data) {
			t.Fatalf("unescape(escape(x)) = % x, want % x", got, data)
		}
		rbsp := h26x.RemoveEmulationPrevention(nil, data)
		if len(rbsp) > len(data) {
			t.Fatal("removing emulation prevention grew the data")
		}
		inPlace := h26x.RemoveEmulationPrevention(append([]byte{}, data...)[:0], data)
		if !bytes.Equal(inPlace, rbsp) {
			t.Fatal("in-place removal differs")
		}
	})
}

// FuzzH264SPS parses arbitrary bytes as an H.264 SPS, PPS and slice header
// (the NAL unit header byte is supplied, so every input reaches the
// syntax). A result must be consistent (sizes within the coded frame, ids
// and depths in range) and the same after canonical re-escaping.
func FuzzH264SPS(f *testing.F) {
	for _, nal := range h26xBSParamSets(f, false) {
		f.Add(nal[1:])
	}
	for _, nal := range h26xBSHead(f, "h264_high_slices_720p_bframes.h264", 12, 32) {
		if h26x.H264Type(nal).IsVCL() {
			f.Add(nal[1:])
		}
	}
	f.Add([]byte{0x64, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x01}) // ue(v) overflow
	f.Fuzz(func(t *testing.T, data []byte) {
		nal := append([]byte{0x67}, data...)
		sps, err := h26x.ParseH264SPS(nal)
		if err != nil {
			if !h26xBSKnownError(err) {
				t.Fatalf("unexpected error %v", err)
			}
		} else {
			frameRows := sps.PicHeightInMapUnits * 16
			if !sps.FrameMbsOnly {
				frameRows *= 2
			}
			switch {
			case sps.Width <= 0 || sps.Height <= 0 || sps.Width > int(sps.PicWidthInMbs*16) || sps.Height > int(frameRows):
				t.Fatalf("size %dx%d outside %d MBs x %d rows", sps.Width, sps.Height, sps.PicWidthInMbs, frameRows)
			case sps.ID > 31 || sps.ChromaFormatIDC > 3 || sps.PicOrderCntType > 2:
				t.Fatalf("field out of range: %+v", sps)
			case sps.BitDepthLuma < 8 || sps.BitDepthLuma > 14 || sps.BitDepthChroma < 8 || sps.BitDepthChroma > 14:
				t.Fatalf("bit depth out of range: %+v", sps)
			case math.IsNaN(sps.FrameRate()) || math.IsInf(sps.FrameRate(), 0) || sps.FrameRate() < 0:
				t.Fatalf("frame rate %v", sps.FrameRate())
			case h26x.H264ProfileLevelID(nal) == "":
				t.Fatal("no profile-level-id for a valid SPS")
			}
			again, err := h26x.ParseH264SPS(h26xBSReescape(nal, 1))
			if err != nil || again != sps {
				t.Fatalf("re-escaped SPS: %+v, %v; want %+v", again, err, sps)
			}
		}

		ppsNAL := append([]byte{0x68}, data...)
		pps, err := h26x.ParseH264PPS(ppsNAL)
		if err != nil {
			if !h26xBSKnownError(err) {
				t.Fatalf("unexpected PPS error %v", err)
			}
		} else {
			if pps.ID > 255 || pps.SPSID > 31 || pps.NumSliceGroups < 1 || pps.NumSliceGroups > 8 {
				t.Fatalf("PPS out of range: %+v", pps)
			}
			again, err := h26x.ParseH264PPS(h26xBSReescape(ppsNAL, 1))
			if err != nil || again != pps {
				t.Fatalf("re-escaped PPS: %+v, %v; want %+v", again, err, pps)
			}
		}

		// The slice header, with the SPS parsed above (when there is one)
		// and a PPS naming it.
		slice := append([]byte{0x65}, data...)
		if err == nil && sps.Width > 0 {
			pps.SPSID = sps.ID
			h, err := h26x.ParseH264SliceHeader(slice, &sps, &pps)
			if err != nil && !h26xBSKnownError(err) {
				t.Fatalf("unexpected slice header error %v", err)
			}
			if err == nil && (h.PPSID != pps.ID || !h.Full || h.FrameNum>>sps.Log2MaxFrameNum != 0) {
				t.Fatalf("slice header %+v", h)
			}
		}
		h, err := h26x.ParseH264SliceHeader(slice, nil, nil)
		if err != nil && !h26xBSKnownError(err) {
			t.Fatalf("unexpected slice header error %v", err)
		}
		if err == nil && (h.Full || h.SliceType > h26x.H264SliceSI || !h.IDR) {
			t.Fatalf("slice header %+v", h)
		}
		if mb, err2 := h26x.H264SliceFirstMB(slice); mb != h.FirstMB || (err2 == nil) != (err == nil) {
			t.Fatalf("H264SliceFirstMB = %d, %v; header %+v, %v", mb, err2, h, err)
		}
	})
}

// FuzzH265SPS parses arbitrary bytes as an H.265 SPS and VPS (header
// supplied), with the same consistency and re-escaping checks.
func FuzzH265SPS(f *testing.F) {
	for _, nal := range h26xBSParamSets(f, true) {
		if h26x.H265Type(nal) != h26x.H265NALPPS {
			f.Add(nal[2:])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nal := append([]byte{0x42, 0x01}, data...)
		sps, err := h26x.ParseH265SPS(nal)
		if err != nil {
			if !h26xBSKnownError(err) {
				t.Fatalf("unexpected error %v", err)
			}
		} else {
			switch {
			case sps.Width <= 0 || sps.Height <= 0 || sps.Width > int(sps.PicWidth) || sps.Height > int(sps.PicHeight):
				t.Fatalf("size %dx%d outside %dx%d", sps.Width, sps.Height, sps.PicWidth, sps.PicHeight)
			case sps.ID > 15 || sps.ChromaFormatIDC > 3 || sps.MaxSubLayersMinus1 > 6 || sps.NumShortTermRefPicSets > 64:
				t.Fatalf("field out of range: %+v", sps)
			case sps.BitDepthLuma < 8 || sps.BitDepthLuma > 16 || sps.Log2MaxPicOrderCntLsb > 16:
				t.Fatalf("field out of range: %+v", sps)
			case math.IsNaN(sps.FrameRate()) || math.IsInf(sps.FrameRate(), 0) || sps.FrameRate() < 0:
				t.Fatalf("frame rate %v", sps.FrameRate())
			case !strings.HasPrefix(sps.PTL.FmtpParams(), "profile-") || len(sps.PTL.InteropConstraints()) != 12:
				t.Fatalf("fmtp %q", sps.PTL.FmtpParams())
			}
			again, err := h26x.ParseH265SPS(h26xBSReescape(nal, 2))
			if err != nil || again != sps {
				t.Fatalf("re-escaped SPS: %+v, %v; want %+v", again, err, sps)
			}
		}

		vpsNAL := append([]byte{0x40, 0x01}, data...)
		vps, err := h26x.ParseH265VPS(vpsNAL)
		if err != nil {
			if !h26xBSKnownError(err) {
				t.Fatalf("unexpected VPS error %v", err)
			}
			return
		}
		if vps.MaxSubLayersMinus1 > 6 || vps.FrameRate() < 0 {
			t.Fatalf("VPS out of range: %+v", vps)
		}
		again, err := h26x.ParseH265VPS(h26xBSReescape(vpsNAL, 2))
		if err != nil || again != vps {
			t.Fatalf("re-escaped VPS: %+v, %v; want %+v", again, err, vps)
		}
	})
}

// FuzzH26xSprop decodes sprop-parameter-sets / sprop-vps-sps-pps values and
// profile-level-id: a value that decodes re-encodes canonically and decodes
// to the same NAL units.
func FuzzH26xSprop(f *testing.F) {
	for _, s := range []string{"Z0IACpZTBYmI,aMljiA==", "Z0IACpZTBYmI,aMljiA", " Z0IACpZTBYmI , ,aMljiA==,",
		"QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ", "4d401f", "64001F", "gA==", "aMljiA=", "====,,", "Z0I\nACg=="} {
		f.Add(s)
	}
	f.Add(h26x.H264SpropParameterSets(h26xBSParamSets(f, false)...))
	f.Add(h26x.H265SpropValue(h26xBSParamSets(f, true)...))
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			parse func(string) ([][]byte, error)
			enc   func(...[]byte) string
			min   int
		}{
			{h26x.ParseH264SpropParameterSets, h26x.H264SpropParameterSets, 1},
			{h26x.ParseH265SpropValue, h26x.H265SpropValue, 2},
		} {
			nals, err := c.parse(s)
			if err != nil {
				if !errors.Is(err, h26x.ErrInvalidSprop) {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			if len(nals) > 64 {
				t.Fatalf("%d NAL units", len(nals))
			}
			for _, nal := range nals {
				if len(nal) < c.min || nal[0]&0x80 != 0 {
					t.Fatalf("bad NAL unit % x", nal)
				}
			}
			enc := c.enc(nals...)
			again, err := c.parse(enc)
			if err != nil || len(again) != len(nals) {
				t.Fatalf("re-parse of %q: %d NAL units, %v; want %d", enc, len(again), err, len(nals))
			}
			for i := range nals {
				if !bytes.Equal(nals[i], again[i]) {
					t.Fatalf("NAL %d: % x, want % x", i, again[i], nals[i])
				}
			}
			if c.enc(again...) != enc {
				t.Fatal("encoding is not canonical")
			}
		}
		p, cf, l, err := h26x.ParseH264ProfileLevelID(s)
		if err != nil {
			if !errors.Is(err, h26x.ErrInvalidSprop) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if got := h26x.H264ProfileLevelID([]byte{0x67, p, cf, l}); got != strings.ToLower(s) {
			t.Fatalf("profile-level-id %q re-encodes as %q", s, got)
		}
	})
}

// FuzzH26xAUDetect feeds an Annex-B stream to the access unit detectors
// and splitter. The access units must hold every usable NAL unit once, in
// order, none empty or over MaxNALs; StartsNewAU must be deterministic
// after Reset; the keyframe and parameter set helpers must agree with the
// NAL unit types.
func FuzzH26xAUDetect(f *testing.F) {
	for _, name := range h26xBSStreams {
		f.Add(h26x.AppendAnnexB(nil, h26xBSHead(f, name, 14, 24)...), strings.HasSuffix(name, ".h265"))
	}
	f.Fuzz(func(t *testing.T, data []byte, h265 bool) {
		const maxNALs = 8
		nals := h26x.SplitNALs(nil, data)
		var d h26x.AUDetector = new(h26x.H264AUDetector)
		minLen := 1
		if h265 {
			d, minLen = new(h26x.H265AUDetector), 2
		}
		s := h26x.AccessUnitSplitter{Detector: d, MaxNALs: maxNALs}
		var got [][]byte
		check := func(au [][]byte) {
			if len(au) == 0 || len(au) > maxNALs {
				t.Fatalf("access unit of %d NAL units", len(au))
			}
			got = append(got, au...)
			key := false
			var ps []byte
			for _, nal := range au {
				if h265 {
					key = key || h26x.H265Type(nal).IsIRAP() && h26x.H265LayerID(nal) == 0
					if ps == nil && h26x.H265Type(nal) == h26x.H265NALSPS {
						ps = nal
					}
				} else {
					key = key || h26x.H264Type(nal) == h26x.H264NALIDR
					if ps == nil && h26x.H264Type(nal) == h26x.H264NALSPS {
						ps = nal
					}
				}
			}
			var isKey bool
			var sps []byte
			if h265 {
				isKey = h26x.H265IsKeyframe(au)
				_, sps, _ = h26x.H265ParameterSets(au)
				_ = h26x.H265PrependParameterSets(nil, au, []byte{0x40, 1}, []byte{0x42, 1}, []byte{0x44, 1})
			} else {
				isKey = h26x.H264IsKeyframe(au)
				sps, _ = h26x.H264ParameterSets(au)
				out := h26x.H264PrependParameterSets(nil, au, []byte{0x67, 1}, []byte{0x68, 1})
				if len(out) < len(au) || len(out) > len(au)+2 {
					t.Fatalf("prepend turned %d NAL units into %d", len(au), len(out))
				}
			}
			if isKey != key || (sps == nil) != (ps == nil) || sps != nil && &sps[0] != &ps[0] {
				t.Fatal("keyframe or parameter set helpers disagree with the NAL unit types")
			}
		}
		var buf [][]byte
		for _, nal := range nals {
			var ok bool
			if buf, ok = s.Push(buf[:0], nal); ok {
				check(buf)
			}
		}
		if au, ok := s.Flush(buf[:0]); ok {
			check(au)
		}
		var want [][]byte
		for _, nal := range nals {
			if len(nal) >= minLen {
				want = append(want, nal)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("access units hold %d NAL units, want %d", len(got), len(want))
		}
		for i := range want {
			if &got[i][0] != &want[i][0] || len(got[i]) != len(want[i]) {
				t.Fatalf("NAL unit %d out of order", i)
			}
		}

		d.Reset()
		first := make([]bool, len(nals))
		for i, nal := range nals {
			first[i] = d.StartsNewAU(nal)
		}
		d.Reset()
		for i, nal := range nals {
			if d.StartsNewAU(nal) != first[i] {
				t.Fatalf("StartsNewAU not deterministic at NAL %d", i)
			}
		}
		if len(want) > 0 {
			for i, nal := range nals {
				if len(nal) >= minLen {
					if !first[i] {
						t.Fatal("the first usable NAL unit does not start an access unit")
					}
					break
				}
			}
		}
	})
}
