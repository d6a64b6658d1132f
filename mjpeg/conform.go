package mjpeg

import (
	"errors"
	"fmt"
)

// Conform returns frame when ParseJPEG accepts it, and otherwise tries to
// rewrite it, without loss, into a baseline JPEG that RFC 2435 can carry:
// it decodes the scan's Huffman codes to the quantized DCT coefficients and
// codes the same coefficients again with the Annex K tables, in the MCU
// layout of RFC 2435 type 0 or 1 (Y 2x1 or 2x2, Cb and Cr 1x1, one scan).
// The coefficients and quantization tables are kept, so a decoder produces
// the same pixels from both.
//
// This fixes the two reasons common encoders' output is refused:
// optimised Huffman tables (ErrNonStandardHuffman; FFmpeg's default) and a
// 4:2:2 or 4:2:0 picture with other sampling factors (FFmpeg writes 4:2:2 as
// Y 2x2 with Cb and Cr 1x2). Restart markers are not kept. Other errors of
// ParseJPEG are returned as they are, as is ErrUnsupportedSampling for
// chroma ratios RFC 2435 has no type for (grayscale, 4:4:4, 4:1:1) and for
// RGB pictures. Scan data that does not decode to one definite set of
// coefficients is refused with ErrInvalid or ErrTruncated, never guessed
// at: a bad Huffman code, an MCU cut short, a value out of range, an AC
// symbol T.81 leaves undefined in a sequential scan, a restart marker
// missing or out of sequence. Decoders recover from such data in
// different ways, so no output could keep "the" picture.
//
// Conform allocates the result and, while it works, the picture's
// coefficients (128 bytes per 8x8 block, at most about 17 MB at 2040x2040):
// it is meant for frames read from files, not for every frame of a live
// stream. The result aliases nothing of frame.
func Conform(frame []byte) ([]byte, error) {
	var r rawJPEG
	if err := parseSegments(frame, &r); err != nil {
		return nil, err
	}
	_, err := r.rfcFrame()
	switch {
	case err == nil:
		return frame, nil
	case !errors.Is(err, ErrNonStandardHuffman) && !errors.Is(err, ErrUnsupportedSampling):
		return nil, err
	}
	return r.transcode()
}

// transcode rewrites the scan of r as described for Conform.
func (r *rawJPEG) transcode() ([]byte, error) {
	if err := r.checkScan(); err != nil {
		return nil, err
	}
	if r.nComp != 3 {
		return nil, fmt.Errorf("%w: %d components", ErrUnsupportedSampling, r.nComp)
	}
	if err := r.checkYCbCr(); err != nil {
		return nil, err
	}
	y, cb, cr := r.comp[0], r.comp[1], r.comp[2]
	hmax, vmax := 0, 0
	for _, c := range r.comp[:r.nComp] {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	var typ uint8
	switch {
	case cb.h != cr.h || cb.v != cr.v || y.h != hmax || y.v != vmax || y.h != 2*cb.h:
		return nil, fmt.Errorf("%w: sampling Y %dx%d, Cb %dx%d, Cr %dx%d", ErrUnsupportedSampling, y.h, y.v, cb.h, cb.v, cr.h, cr.v)
	case y.v == cb.v:
		typ = Type422
	case y.v == 2*cb.v:
		typ = Type420
	default:
		return nil, fmt.Errorf("%w: sampling Y %dx%d, chroma %dx%d", ErrUnsupportedSampling, y.h, y.v, cb.h, cb.v)
	}
	if err := checkSize(r.width, r.height); err != nil {
		return nil, err
	}
	var f Frame
	if err := r.quantTables(&f); err != nil {
		return nil, err
	}

	planes, err := r.decodeScan(hmax, vmax)
	if err != nil {
		return nil, err
	}
	out := appendHeaders(nil, typ, r.width, r.height, &f.QuantTables, f.Precision, 0)
	out = encodeScan(out, typ, r.width, r.height, planes)
	return append(out, 0xFF, markerEOI), nil
}

// plane holds the quantized coefficients of one component, block by block
// in raster order, each block's 64 values in zig-zag order.
type plane struct {
	coef   []int16
	bw, bh int // size in blocks
}

func (p *plane) block(bx, by int) []int16 {
	if bx >= p.bw || by >= p.bh {
		return nil
	}
	i := (by*p.bw + bx) * 64
	return p.coef[i : i+64 : i+64]
}

// decodeScan decodes the interleaved scan into one plane per component in
// frame order.
func (r *rawJPEG) decodeScan(hmax, vmax int) ([3]plane, error) {
	var planes [3]plane
	mcusX := (r.width + 8*hmax - 1) / (8 * hmax)
	mcusY := (r.height + 8*vmax - 1) / (8 * vmax)
	blocks := 0
	for k, c := range r.comp[:r.nComp] {
		planes[k].bw, planes[k].bh = mcusX*c.h, mcusY*c.v
		blocks += planes[k].bw * planes[k].bh
	}
	// Every block takes at least two bits (a DC and an EOB code), so data
	// too short for the picture is refused before allocating for it.
	if blocks > 4*len(r.scan)+4 {
		return planes, fmt.Errorf("%w: %d bytes of scan data for %d blocks", ErrTruncated, len(r.scan), blocks)
	}
	var dec [3][2]huffDecoder
	for k, c := range r.comp[:r.nComp] {
		planes[k].coef = make([]int16, planes[k].bw*planes[k].bh*64)
		dc, ac := r.huff[0][c.td], r.huff[1][c.ta]
		if !r.anyDHT { // Motion-JPEG without DHT: the Annex K tables
			dc, ac = stdBody(0, c.td), stdBody(1, c.ta)
		}
		if err := dec[k][0].init(dc); err != nil {
			return planes, err
		}
		if err := dec[k][1].init(ac); err != nil {
			return planes, err
		}
	}
	br := bitReader{b: r.scan}
	var pred [3]int32
	total := mcusX * mcusY
	for m := range total {
		if r.restart != 0 && m > 0 && m%int(r.restart) == 0 {
			if err := br.restart(byte(m/int(r.restart)-1) & 7); err != nil {
				return planes, err
			}
			pred = [3]int32{}
		}
		mx, my := m%mcusX, m/mcusX
		for s := range r.scanComps {
			k := r.scanOrder[s]
			c := r.comp[k]
			for v := range c.v {
				for h := range c.h {
					blk := planes[k].block(mx*c.h+h, my*c.v+v)
					if err := decodeBlock(&br, &dec[k], &pred[k], blk); err != nil {
						return planes, err
					}
				}
			}
		}
	}
	return planes, nil
}

// stdBody returns the Annex K table a DHT-less frame implies for a
// selector: 0 luma, 1 chroma, nil for the others.
func stdBody(class, id byte) []byte {
	var s *huffSpec
	switch {
	case class == 0 && id == 0:
		s = &stdLumaDC
	case class == 0 && id == 1:
		s = &stdChromaDC
	case class == 1 && id == 0:
		s = &stdLumaAC
	case class == 1 && id == 1:
		s = &stdChromaAC
	default:
		return nil
	}
	return append(s.counts[:16:16], s.values...)
}

// decodeBlock decodes one block's coefficients (T.81 F.2.2), the DC value
// made absolute with the component's predictor.
func decodeBlock(br *bitReader, dec *[2]huffDecoder, pred *int32, blk []int16) error {
	t, err := dec[0].decode(br)
	if err != nil {
		return err
	}
	if t > 11 {
		return fmt.Errorf("%w: DC category %d", ErrInvalid, t)
	}
	diff, err := br.receiveExtend(t)
	if err != nil {
		return err
	}
	*pred += diff
	// With 8-bit samples the DC coefficient is within -1024..1016 (T.81
	// A.3.3, F.1.2.1); bounding it so keeps every difference of the
	// re-coded scan, between other neighbours, within the 11 bits the
	// Annex K DC tables code.
	if *pred < -1024 || *pred > 1023 {
		return fmt.Errorf("%w: DC value %d", ErrInvalid, *pred)
	}
	blk[0] = int16(*pred)
	for k := 1; k < 64; {
		rs, err := dec[1].decode(br)
		if err != nil {
			return err
		}
		run, size := int(rs>>4), rs&0x0F
		if size == 0 {
			switch run {
			case 0:
				return nil // EOB
			case 15:
				k += 16 // ZRL
				continue
			}
			// T.81 F.1.2.2.1 defines no other symbol of size 0 in a
			// sequential scan, and decoders disagree on what one
			// means: libjpeg ends the block (EOB), FFmpeg skips run+1
			// zeros, Go's image/jpeg reads it as a progressive EOBRUN
			// (G.1.2.2), taking run more bits and leaving the AC
			// coefficients of the next blocks zero. The picture has
			// no single meaning to keep, so it is refused.
			return fmt.Errorf("%w: AC symbol 0x%02x in a sequential scan", ErrInvalid, rs)
		}
		if size > 10 {
			return fmt.Errorf("%w: AC category %d", ErrInvalid, size)
		}
		k += run
		if k > 63 {
			return fmt.Errorf("%w: AC run past the block", ErrInvalid)
		}
		v, err := br.receiveExtend(size)
		if err != nil {
			return err
		}
		blk[k] = int16(v)
		k++
	}
	return nil
}

// encodeScan appends the scan of an RFC 2435 type 0 or 1 picture coded with
// the Annex K tables, taking each block from the planes at the same place.
func encodeScan(dst []byte, typ uint8, width, height int, planes [3]plane) []byte {
	var enc [2][2]huffEncoder // [luma, chroma][DC, AC]
	enc[0][0].init(&stdLumaDC)
	enc[0][1].init(&stdLumaAC)
	enc[1][0].init(&stdChromaDC)
	enc[1][1].init(&stdChromaAC)
	yv := 1
	if typ == Type420 {
		yv = 2
	}
	mcusX := (width + 15) / 16
	mcusY := (height + 8*yv - 1) / (8 * yv)
	w := bitWriter{out: dst}
	var pred [3]int32
	for my := range mcusY {
		for mx := range mcusX {
			for v := range yv {
				for h := range 2 {
					encodeBlock(&w, &enc[0], &pred[0], planes[0].block(mx*2+h, my*yv+v))
				}
			}
			encodeBlock(&w, &enc[1], &pred[1], planes[1].block(mx, my))
			encodeBlock(&w, &enc[1], &pred[2], planes[2].block(mx, my))
		}
	}
	w.flush()
	return w.out
}

// encodeBlock codes one block (T.81 F.1.2); a nil block is coded as zeros.
// Coefficient ranges were checked when decoding, so every category has a
// code in the Annex K tables.
func encodeBlock(w *bitWriter, enc *[2]huffEncoder, pred *int32, blk []int16) {
	var dc int32
	if blk != nil {
		dc = int32(blk[0])
	}
	diff := dc - *pred
	*pred = dc
	s := category(diff)
	w.writeValue(&enc[0], byte(s), s, diff)
	run := 0
	for k := 1; k < 64 && blk != nil; k++ {
		v := int32(blk[k])
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			w.writeValue(&enc[1], 0xF0, 0, 0) // ZRL
			run -= 16
		}
		s := category(v)
		w.writeValue(&enc[1], byte(run<<4)|byte(s), s, v)
		run = 0
	}
	if blk == nil || run > 0 {
		w.writeValue(&enc[1], 0x00, 0, 0) // EOB
	}
}
