package mjpeg

import (
	"bytes"
	"errors"
	"fmt"
)

// Errors returned by ParseJPEG, Conform, NextFrame and the Packetizer.
var (
	// ErrNotJPEG means the data does not start with an SOI marker.
	ErrNotJPEG = errors.New("mjpeg: not a JPEG (no SOI marker)")
	// ErrTruncated means the data ends inside a segment or before EOI.
	ErrTruncated = errors.New("mjpeg: JPEG data truncated")
	// ErrInvalid means the JPEG syntax is broken: bad segment lengths,
	// tables or selectors.
	ErrInvalid = errors.New("mjpeg: invalid JPEG")
	// ErrNotBaseline means the frame is not baseline sequential DCT with
	// Huffman coding and 8-bit samples (it is progressive, extended,
	// lossless, hierarchical or arithmetic-coded): RFC 2435 carries baseline
	// only (§3.1), and transcoding those is out of scope.
	ErrNotBaseline = errors.New("mjpeg: JPEG is not baseline")
	// ErrUnsupported means a valid baseline JPEG uses a feature RFC 2435
	// cannot carry and Conform cannot rewrite: several scans, a DNL marker.
	ErrUnsupported = errors.New("mjpeg: JPEG feature not supported by RFC 2435")
	// ErrUnsupportedSampling means the components are not the YCbCr layout
	// of RFC 2435 types 0 and 1: three components, Y sampled 2x1 (type 0,
	// 4:2:2) or 2x2 (type 1, 4:2:0), Cb and Cr 1x1, in one interleaved scan
	// in frame order. Grayscale, RGB (an Adobe APP14 segment with
	// transform 0, or components named R, G and B), 4:4:4, 4:1:1 and CMYK
	// are never carried; other layouts of 4:2:2 or 4:2:0 (FFmpeg writes
	// 4:2:2 as Y 2x2 with chroma 1x2) can be rewritten with Conform.
	ErrUnsupportedSampling = errors.New("mjpeg: component sampling not supported by RFC 2435")
	// ErrSize means the width or height is zero, larger than 2040 or not a
	// multiple of 8: the RTP header carries each as a count of 8-pixel
	// blocks in one byte (RFC 2435 §3.1.5, §3.1.6).
	ErrSize = errors.New("mjpeg: image size not representable in RFC 2435")
	// ErrNonStandardHuffman means the scan uses Huffman tables other than
	// the typical tables of T.81 Annex K.3, or uses them for the wrong
	// components. RFC 2435 cannot transmit Huffman tables: the receiver
	// decodes with the Annex K tables (Appendix B), so such a frame would
	// decode to garbage. Conform rewrites it.
	ErrNonStandardHuffman = errors.New("mjpeg: Huffman tables are not the standard ones")
	// ErrQuantTables means a quantization table the frame uses is not
	// defined, or Cb and Cr use different tables: RFC 2435 types 0 and 1
	// carry one table for luma and one shared by both chroma components
	// (§3.1.8).
	ErrQuantTables = errors.New("mjpeg: quantization tables not representable in RFC 2435")
)

// MaxDimension is the largest width or height RFC 2435 can describe: the
// main JPEG header holds each divided by 8 in one byte (§3.1.5, §3.1.6).
const MaxDimension = 2040

// RFC 2435 type values (§3.1.3, §4.1).
const (
	// Type422 is RFC 2435 type 0: Y sampled 2x1, Cb and Cr 1x1 (4:2:2).
	Type422 = 0
	// Type420 is RFC 2435 type 1: Y sampled 2x2, Cb and Cr 1x1 (4:2:0).
	Type420 = 1
	// TypeRestart is added to Type422 or Type420 when the scan has restart
	// markers; a Restart Marker header then follows the main header
	// (§3.1.7).
	TypeRestart = 64
)

// Frame is a baseline JPEG picture reduced to what RFC 2435 carries. The
// slices alias the data given to ParseJPEG.
type Frame struct {
	// Width and Height are in pixels: multiples of 8 up to MaxDimension.
	Width, Height int
	// Type is the RFC 2435 type: Type422 or Type420, plus TypeRestart when
	// RestartInterval is not zero.
	Type uint8
	// RestartInterval is the number of MCUs between restart markers (the
	// DRI value), 0 when the scan has none.
	RestartInterval uint16
	// QuantTables are the luminance and chrominance quantization tables in
	// zig-zag order, as a DQT segment and the RFC 2435 quantization table
	// header hold them: 64 bytes, or 128 bytes of big-endian 16-bit values
	// when the table's bit in Precision is set.
	QuantTables [2][]byte
	// Precision has bit 0 set when the luminance table has 16-bit entries
	// and bit 1 for the chrominance table, as the Precision field of the
	// quantization table header (§3.1.8).
	Precision uint8
	// Scan is the entropy-coded data between the SOS segment and EOI,
	// restart markers included: the bytes RFC 2435 packets carry.
	Scan []byte
}

// ParseJPEG reads a baseline JFIF/JPEG frame, SOI through EOI, and returns
// what RFC 2435 carries of it, without copying. APPn and COM segments are
// skipped; bytes after EOI are ignored.
//
// It fails with ErrNotBaseline for progressive and other non-baseline
// frames, ErrUnsupportedSampling for layouts other than RFC 2435 types 0
// and 1, ErrSize for sizes the RTP header cannot describe,
// ErrNonStandardHuffman when the scan is not coded with the Annex K tables
// (a frame with no DHT segment at all is taken to use them, as Motion-JPEG
// streams that omit DHT do), and ErrQuantTables, ErrInvalid, ErrTruncated or
// ErrUnsupported otherwise. Conform rewrites frames that fail only because
// of their Huffman tables or their MCU layout.
func ParseJPEG(frame []byte) (Frame, error) {
	var r rawJPEG
	if err := parseSegments(frame, &r); err != nil {
		return Frame{}, err
	}
	return r.rfcFrame()
}

// rfcFrame applies the rules of RFC 2435 to a parsed JPEG.
func (r *rawJPEG) rfcFrame() (Frame, error) {
	if err := r.checkScan(); err != nil {
		return Frame{}, err
	}
	typ, err := r.rfcType()
	if err != nil {
		return Frame{}, err
	}
	if err := checkSize(r.width, r.height); err != nil {
		return Frame{}, err
	}
	if err := r.checkStandardHuffman(); err != nil {
		return Frame{}, err
	}
	f := Frame{Width: r.width, Height: r.height, Type: typ, Scan: r.scan}
	if err := r.quantTables(&f); err != nil {
		return Frame{}, err
	}
	if r.restart != 0 {
		f.Type += TypeRestart
		f.RestartInterval = r.restart
	}
	return f, nil
}

// checkScan checks the scan is a baseline interleaved scan of all
// components with no empty data.
func (r *rawJPEG) checkScan() error {
	if r.ss != 0 || r.se != 63 || r.ahal != 0 {
		return fmt.Errorf("%w: spectral selection %d-%d, approximation 0x%02x", ErrNotBaseline, r.ss, r.se, r.ahal)
	}
	if r.scanComps != r.nComp {
		return fmt.Errorf("%w: scan of %d of %d components", ErrUnsupported, r.scanComps, r.nComp)
	}
	if len(r.scan) == 0 {
		return fmt.Errorf("%w: empty scan", ErrInvalid)
	}
	return nil
}

// rfcType returns the RFC 2435 type of the component layout, which must
// be exactly the one an RFC 2435 receiver rebuilds (Appendix B): Y, Cb, Cr
// in the frame header and in the scan, Y 2x1 or 2x2, chroma 1x1.
func (r *rawJPEG) rfcType() (uint8, error) {
	if r.nComp != 3 {
		return 0, fmt.Errorf("%w: %d components", ErrUnsupportedSampling, r.nComp)
	}
	if err := r.checkYCbCr(); err != nil {
		return 0, err
	}
	for k := range 3 {
		if r.scanOrder[k] != k {
			return 0, fmt.Errorf("%w: scan order differs from frame order", ErrUnsupportedSampling)
		}
	}
	y, cb, cr := r.comp[0], r.comp[1], r.comp[2]
	if cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 {
		return 0, fmt.Errorf("%w: chroma sampled %dx%d and %dx%d", ErrUnsupportedSampling, cb.h, cb.v, cr.h, cr.v)
	}
	switch {
	case y.h == 2 && y.v == 1:
		return Type422, nil
	case y.h == 2 && y.v == 2:
		return Type420, nil
	}
	return 0, fmt.Errorf("%w: luma sampled %dx%d", ErrUnsupportedSampling, y.h, y.v)
}

// checkYCbCr refuses three components that decoders may take for RGB:
// an Adobe APP14 segment with transform 0, or components named 'R', 'G',
// 'B'. RFC 2435 carries YCbCr only, and a receiver's rebuilt headers say
// nothing else, so the colours of such a picture would change. Decoders do
// not agree on which of these marks wins over a JFIF APP0 segment (Go's
// image/jpeg, libjpeg-turbo and libjpeg 9 differ), so any of them refuses.
func (r *rawJPEG) checkYCbCr() error {
	if r.adobeRGB {
		return fmt.Errorf("%w: RGB components (Adobe transform 0)", ErrUnsupportedSampling)
	}
	if r.comp[0].id == 'R' && r.comp[1].id == 'G' && r.comp[2].id == 'B' {
		return fmt.Errorf("%w: RGB components (named R, G, B)", ErrUnsupportedSampling)
	}
	return nil
}

func checkSize(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxDimension || h > MaxDimension || w%8 != 0 || h%8 != 0 {
		return fmt.Errorf("%w: %dx%d", ErrSize, w, h)
	}
	return nil
}

// checkStandardHuffman checks that Y is coded with the Annex K luminance
// tables and both chroma components with the chrominance ones. A frame
// without any DHT segment is taken to use the Annex K tables under the
// selectors an RFC 2435 receiver gives them: 0 for luma, 1 for chroma.
func (r *rawJPEG) checkStandardHuffman() error {
	if !r.anyDHT {
		y, cb, cr := r.comp[0], r.comp[1], r.comp[2]
		if y.td == 0 && y.ta == 0 && cb.td == 1 && cb.ta == 1 && cr.td == 1 && cr.ta == 1 {
			return nil
		}
		return fmt.Errorf("%w: no DHT segment and non-default table selectors", ErrNonStandardHuffman)
	}
	for k, c := range r.comp[:r.nComp] {
		dc, ac := &stdLumaDC, &stdLumaAC
		if k > 0 {
			dc, ac = &stdChromaDC, &stdChromaAC
		}
		if !dc.equal(r.huff[0][c.td]) || !ac.equal(r.huff[1][c.ta]) {
			return fmt.Errorf("%w: component %d", ErrNonStandardHuffman, k)
		}
	}
	return nil
}

// quantTables fills the luma and chroma tables of f.
func (r *rawJPEG) quantTables(f *Frame) error {
	y, cb, cr := r.comp[0], r.comp[1], r.comp[2]
	for _, c := range r.comp[:r.nComp] {
		if r.qt[c.tq] == nil {
			return fmt.Errorf("%w: table %d not defined", ErrQuantTables, c.tq)
		}
	}
	if cb.tq != cr.tq && (!bytes.Equal(r.qt[cb.tq], r.qt[cr.tq]) || r.precision16[cb.tq] != r.precision16[cr.tq]) {
		return fmt.Errorf("%w: Cb and Cr use different tables", ErrQuantTables)
	}
	f.QuantTables = [2][]byte{r.qt[y.tq], r.qt[cb.tq]}
	if r.precision16[y.tq] {
		f.Precision |= 1
	}
	if r.precision16[cb.tq] {
		f.Precision |= 2
	}
	return nil
}

// validate checks a Frame built by a caller as ParseJPEG would have built
// it.
func (f *Frame) validate() error {
	if err := checkSize(f.Width, f.Height); err != nil {
		return err
	}
	if t := f.Type &^ TypeRestart; t > Type420 || f.Type >= 128 {
		return fmt.Errorf("%w: type %d", ErrUnsupportedSampling, f.Type)
	}
	if (f.Type&TypeRestart != 0) != (f.RestartInterval != 0) {
		return fmt.Errorf("%w: type %d with restart interval %d", ErrInvalid, f.Type, f.RestartInterval)
	}
	for i, t := range f.QuantTables {
		if len(t) != 64<<(f.Precision>>i&1) {
			return fmt.Errorf("%w: table %d has %d bytes", ErrQuantTables, i, len(t))
		}
	}
	if len(f.Scan) == 0 {
		return fmt.Errorf("%w: empty scan", ErrInvalid)
	}
	return nil
}
