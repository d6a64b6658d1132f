package mjpeg

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// JPEG marker codes (ITU-T T.81 Table B.1), the byte after 0xFF.
const (
	markerSOF0 = 0xC0 // baseline DCT
	markerDHT  = 0xC4
	markerJPG  = 0xC8
	markerDAC  = 0xCC // arithmetic coding conditioning
	markerRST0 = 0xD0
	markerRST7 = 0xD7
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerDQT  = 0xDB
	markerDNL  = 0xDC
	markerDRI  = 0xDD
	markerDHP  = 0xDE
	markerEXP  = 0xDF
	markerTEM  = 0x01
	// markerAPP14 is the Adobe application segment, which says whether
	// three components are RGB or YCbCr.
	markerAPP14 = 0xEE
)

// maxComponents is the most components a JPEG frame header may declare that
// this package reads (T.81 allows up to 255; JFIF and RFC 2435 use 1 to 3).
const maxComponents = 4

type component struct {
	id   byte
	h, v int  // sampling factors, 1..4
	tq   byte // quantization table selector
	td   byte // DC Huffman table selector (from SOS)
	ta   byte // AC Huffman table selector (from SOS)
}

// rawJPEG is a single-scan JPEG as its segments describe it, before any
// RFC 2435 rule is applied. Slices alias the input.
type rawJPEG struct {
	sofSeen       bool
	width, height int
	comp          [maxComponents]component // in frame header order
	nComp         int
	// scanOrder[i] is the frame index of the i-th component of the scan.
	scanOrder    [maxComponents]int
	scanComps    int
	ss, se, ahal byte // spectral selection and successive approximation
	// qt are the quantization tables by destination, in zig-zag order: 64
	// bytes, or 128 when precision16 is set.
	qt          [4][]byte
	precision16 [4]bool
	// huff are the Huffman table bodies (16 counts, then the symbols) by
	// class (0 DC, 1 AC) and destination; anyDHT says a DHT was seen.
	huff    [2][4][]byte
	anyDHT  bool
	restart uint16 // DRI value
	scan    []byte // entropy-coded data of the scan
	// adobeRGB says an Adobe APP14 segment gave colour transform 0: the
	// components are RGB, not YCbCr.
	adobeRGB bool
}

func be16(b []byte) int { return int(binary.BigEndian.Uint16(b)) }

// parseSegments walks a JPEG frame from SOI to EOI. It accepts only frames
// with one baseline (SOF0) frame header and one scan: RFC 2435 carries
// nothing else (§3.1: "baseline DCT-based sequential").
func parseSegments(b []byte, r *rawJPEG) error {
	if len(b) < 2 || b[0] != 0xFF || b[1] != markerSOI {
		return ErrNotJPEG
	}
	i := 2
	for {
		if i >= len(b) {
			return fmt.Errorf("%w: no scan before the end of data", ErrTruncated)
		}
		if b[i] != 0xFF {
			return fmt.Errorf("%w: byte 0x%02x at %d where a marker was expected", ErrInvalid, b[i], i)
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes (T.81 B.1.1.2)
			i++
		}
		if i >= len(b) {
			return fmt.Errorf("%w: marker cut off", ErrTruncated)
		}
		m := b[i]
		i++
		switch {
		case m == markerSOI || m == 0x00 || (m >= markerRST0 && m <= markerRST7):
			return fmt.Errorf("%w: marker 0x%02x outside a scan", ErrInvalid, m)
		case m == markerEOI:
			return fmt.Errorf("%w: EOI before any scan", ErrInvalid)
		case m == markerTEM:
			continue
		}
		if i+2 > len(b) {
			return fmt.Errorf("%w: segment length cut off", ErrTruncated)
		}
		n := be16(b[i:])
		if n < 2 {
			return fmt.Errorf("%w: segment 0x%02x has length %d", ErrInvalid, m, n)
		}
		if i+n > len(b) {
			return fmt.Errorf("%w: segment 0x%02x needs %d bytes, %d left", ErrTruncated, m, n, len(b)-i)
		}
		seg := b[i+2 : i+n]
		i += n
		var err error
		switch {
		case m == markerDQT:
			err = r.parseDQT(seg)
		case m == markerDHT:
			err = r.parseDHT(seg)
		case m == markerDRI:
			if len(seg) != 2 {
				return fmt.Errorf("%w: DRI length %d", ErrInvalid, n)
			}
			r.restart = uint16(be16(seg))
		case m == markerSOF0:
			err = r.parseSOF(seg)
		case m >= 0xC1 && m <= 0xCF && m != markerDHT && m != markerJPG,
			m == markerDHP, m == markerEXP:
			// SOF1-3, SOF5-7, SOF9-11, SOF13-15, DAC: extended,
			// progressive, lossless, hierarchical or arithmetic coding.
			return fmt.Errorf("%w: marker 0x%02x", ErrNotBaseline, m)
		case m == markerDNL:
			return fmt.Errorf("%w: DNL (height defined after the scan)", ErrUnsupported)
		case m == markerAPP14:
			// The Adobe segment's transform flag: 0 RGB (or CMYK), 1
			// YCbCr, 2 YCCK.
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 {
				r.adobeRGB = true
			}
		case m == markerSOS:
			if err := r.parseSOS(seg); err != nil {
				return err
			}
			return r.findScanEnd(b, i)
		default:
			// APPn, COM, JPG, JPGn and reserved markers carry nothing
			// RFC 2435 transmits.
		}
		if err != nil {
			return err
		}
	}
}

func (r *rawJPEG) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&0x0F
		if pq > 1 || tq > 3 {
			return fmt.Errorf("%w: DQT Pq %d Tq %d", ErrInvalid, pq, tq)
		}
		size := 64 << pq
		if len(seg) < 1+size {
			return fmt.Errorf("%w: DQT table %d cut off", ErrInvalid, tq)
		}
		r.qt[tq] = seg[1 : 1+size : 1+size]
		r.precision16[tq] = pq == 1
		seg = seg[1+size:]
	}
	return nil
}

func (r *rawJPEG) parseDHT(seg []byte) error {
	r.anyDHT = true
	for len(seg) > 0 {
		tc, th := seg[0]>>4, seg[0]&0x0F
		if tc > 1 || th > 3 {
			return fmt.Errorf("%w: DHT Tc %d Th %d", ErrInvalid, tc, th)
		}
		if len(seg) < 17 {
			return fmt.Errorf("%w: DHT table cut off", ErrInvalid)
		}
		total := 0
		for _, c := range seg[1:17] {
			total += int(c)
		}
		if total > 256 || len(seg) < 17+total {
			return fmt.Errorf("%w: DHT table with %d symbols", ErrInvalid, total)
		}
		r.huff[tc][th] = seg[1 : 17+total : 17+total]
		seg = seg[17+total:]
	}
	return nil
}

func (r *rawJPEG) parseSOF(seg []byte) error {
	if r.sofSeen {
		return fmt.Errorf("%w: second frame header", ErrInvalid)
	}
	r.sofSeen = true
	if len(seg) < 6 {
		return fmt.Errorf("%w: SOF0 too short", ErrInvalid)
	}
	if seg[0] != 8 {
		return fmt.Errorf("%w: sample precision %d", ErrNotBaseline, seg[0])
	}
	r.height = be16(seg[1:])
	r.width = be16(seg[3:])
	nf := int(seg[5])
	if len(seg) != 6+3*nf {
		return fmt.Errorf("%w: SOF0 length does not match %d components", ErrInvalid, nf)
	}
	if nf == 0 || nf > maxComponents {
		return fmt.Errorf("%w: %d components", ErrUnsupportedSampling, nf)
	}
	r.nComp = nf
	for k := range nf {
		c := seg[6+3*k:]
		h, v := int(c[1]>>4), int(c[1]&0x0F)
		if h < 1 || h > 4 || v < 1 || v > 4 || c[2] > 3 {
			return fmt.Errorf("%w: component %d sampling 0x%02x table %d", ErrInvalid, k, c[1], c[2])
		}
		for j := range k {
			if r.comp[j].id == c[0] {
				return fmt.Errorf("%w: component identifier %d used twice", ErrInvalid, c[0])
			}
		}
		r.comp[k] = component{id: c[0], h: h, v: v, tq: c[2]}
	}
	return nil
}

func (r *rawJPEG) parseSOS(seg []byte) error {
	if !r.sofSeen {
		return fmt.Errorf("%w: scan before frame header", ErrInvalid)
	}
	if len(seg) < 1 {
		return fmt.Errorf("%w: SOS too short", ErrInvalid)
	}
	ns := int(seg[0])
	if len(seg) != 4+2*ns {
		return fmt.Errorf("%w: SOS length does not match %d components", ErrInvalid, ns)
	}
	if ns == 0 || ns > r.nComp {
		return fmt.Errorf("%w: scan of %d components", ErrInvalid, ns)
	}
	r.scanComps = ns
	for k := range ns {
		id, tables := seg[1+2*k], seg[2+2*k]
		idx := -1
		for j := range r.comp[:r.nComp] {
			if r.comp[j].id == id {
				idx = j
			}
		}
		if idx < 0 {
			return fmt.Errorf("%w: scan component %d not in the frame", ErrInvalid, id)
		}
		for j := range k {
			if r.scanOrder[j] == idx {
				return fmt.Errorf("%w: scan component %d listed twice", ErrInvalid, id)
			}
		}
		td, ta := tables>>4, tables&0x0F
		if td > 3 || ta > 3 {
			return fmt.Errorf("%w: scan Huffman selectors 0x%02x", ErrInvalid, tables)
		}
		r.scanOrder[k] = idx
		r.comp[idx].td, r.comp[idx].ta = td, ta
	}
	p := seg[1+2*ns:]
	r.ss, r.se, r.ahal = p[0], p[1], p[2]
	return nil
}

// findScanEnd finds the EOI that ends the entropy-coded data starting at
// b[i]. Only EOI may end it, since RFC 2435 carries a single scan.
func (r *rawJPEG) findScanEnd(b []byte, i int) error {
	j, ok := skipEntropy(b, i)
	if !ok {
		return fmt.Errorf("%w: no EOI after the scan", ErrTruncated)
	}
	if m := b[j+1]; m != markerEOI {
		return fmt.Errorf("%w: marker 0x%02x after the first scan", ErrUnsupported, m)
	}
	end := j
	for end > i && b[end-1] == 0xFF {
		end-- // fill bytes before EOI are not data
	}
	r.scan = b[i:end:end]
	return nil
}

// skipEntropy returns the index of the 0xFF of the first marker after the
// entropy-coded data that starts at b[i]. Inside the data 0xFF is followed
// by 0x00 (a stuffed byte), by a restart marker or by more 0xFF fill bytes;
// any other marker ends it. ok is false when no marker ends the data.
func skipEntropy(b []byte, i int) (j int, ok bool) {
	j = i
	for {
		k := bytes.IndexByte(b[j:], 0xFF)
		if k < 0 || j+k+1 >= len(b) {
			return 0, false
		}
		j += k
		switch m := b[j+1]; {
		case m == 0x00 || (m >= markerRST0 && m <= markerRST7):
			j += 2
		case m == 0xFF:
			j++ // a fill byte: the marker, if any, starts at the next one
		default:
			return j, true
		}
	}
}
