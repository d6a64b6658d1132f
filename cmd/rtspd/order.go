package main

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/h26x"
)

// pictureOrder is where a picture goes in presentation order.
type pictureOrder struct {
	decodable   bool  // the first slice could be read with the parameter sets it names
	known       bool  // false: the order could not be told; the picture is shown in decoding order
	poc         int64 // picture order count
	newSequence bool  // an IDR (or BLA, or first CRA): the count starts afresh
	depth       int   // the most pictures that may be decoded before it and shown after it
}

// orderReader tells the presentation order of the pictures of one codec:
// it keeps the parameter sets and the picture order count state.
type orderReader interface {
	// nal takes every NAL unit that is not a slice, in decoding order:
	// the parameter sets, end of sequence.
	nal(nal []byte)
	// picture takes a picture's first slice. An error means the stream
	// cannot be timed at all.
	picture(slice []byte) (pictureOrder, error)
	// isSlice reports whether nal is a slice that begins or continues a
	// picture (a VCL NAL unit).
	isSlice(nal []byte) bool
	// continues reports whether slice nal cannot begin a picture: it is
	// not the first slice of its picture.
	continues(nal []byte) bool
	// reset forgets the picture order state (not the parameter sets), as
	// where a looped file starts again.
	reset()
}

// reencodeHint says what to do with B-frames whose presentation order
// cannot be computed: sent in decoding order as if it were presentation
// order, they would play jerkily, and players warn about it.
const reencodeHint = "re-encode without B-frames (ffmpeg: -bf 0 for libx264, -x265-params bframes=0 for libx265)"

type h264Order struct {
	sps [32]*h26x.H264SPS
	pps [256]*h26x.H264PPS
	poc h26x.H264POC
}

func (o *h264Order) reset() { o.poc.Reset() }

func (o *h264Order) isSlice(nal []byte) bool { return h26x.H264Type(nal).IsVCL() }

// continues: first_mb_in_slice is not 0 (arbitrary slice order, Baseline
// only, is not supported, as in the server).
func (o *h264Order) continues(nal []byte) bool {
	mb, err := h26x.H264SliceFirstMB(nal)
	return err == nil && mb != 0
}

func (o *h264Order) nal(nal []byte) {
	switch h26x.H264Type(nal) {
	case h26x.H264NALSPS:
		if s, err := h26x.ParseH264SPS(nal); err == nil {
			o.sps[s.ID] = &s
		}
	case h26x.H264NALPPS:
		if p, err := h26x.ParseH264PPS(nal); err == nil {
			o.pps[p.ID] = &p
		}
	}
}

func (o *h264Order) picture(slice []byte) (pictureOrder, error) {
	h, err := h26x.ParseH264SliceHeader(slice, nil, nil)
	if err != nil || o.pps[h.PPSID] == nil || o.sps[o.pps[h.PPSID].SPSID] == nil {
		return pictureOrder{}, nil // a broken slice, or one without its parameter sets
	}
	pps := o.pps[h.PPSID]
	sps := o.sps[pps.SPSID]
	if h, err = h26x.ParseH264SliceHeader(slice, sps, pps); err != nil {
		return pictureOrder{}, nil
	}
	poc, err := o.poc.Next(&h, sps)
	if errors.Is(err, h26x.ErrUnsupported) {
		if h.SliceType == h26x.H264SliceB {
			return pictureOrder{}, fmt.Errorf("the stream has B-frames with pic_order_cnt_type %d, whose presentation order rtspd cannot compute: %s",
				sps.PicOrderCntType, reencodeHint)
		}
		// Without B-frames the decoding order is the presentation order.
		return pictureOrder{decodable: true}, nil
	}
	if err != nil {
		return pictureOrder{decodable: true}, nil
	}
	return pictureOrder{decodable: true, known: true, poc: poc, newSequence: h.IDR, depth: sps.ReorderDepth()}, nil
}

type h265Order struct {
	sps [16]*h26x.H265SPS
	pps [64]*h26x.H265PPS
	poc h26x.H265POC
}

func (o *h265Order) reset() { o.poc.Reset() }

func (o *h265Order) isSlice(nal []byte) bool { return h26x.H265Type(nal).IsVCL() }

func (o *h265Order) continues(nal []byte) bool {
	return h26x.H265LayerID(nal) == 0 && !h26x.H265FirstSliceSegmentInPic(nal)
}

func (o *h265Order) nal(nal []byte) {
	switch h26x.H265Type(nal) {
	case h26x.H265NALSPS:
		if s, err := h26x.ParseH265SPS(nal); err == nil {
			o.sps[s.ID] = &s
		}
	case h26x.H265NALPPS:
		if p, err := h26x.ParseH265PPS(nal); err == nil {
			o.pps[p.ID] = &p
		}
	case h26x.H265NALEOS:
		o.poc.Reset() // the next IRAP picture starts a new count
	}
}

func (o *h265Order) picture(slice []byte) (pictureOrder, error) {
	h, err := h26x.ParseH265SliceHeader(slice, nil, nil)
	if err != nil || h26x.H265LayerID(slice) != 0 || !h.FirstSliceSegmentInPic ||
		o.pps[h.PPSID] == nil || o.sps[o.pps[h.PPSID].SPSID] == nil {
		return pictureOrder{}, nil
	}
	pps := o.pps[h.PPSID]
	sps := o.sps[pps.SPSID]
	if h, err = h26x.ParseH265SliceHeader(slice, sps, pps); err != nil {
		return pictureOrder{}, nil
	}
	poc, newSequence, err := o.poc.Next(&h, sps)
	if err != nil {
		return pictureOrder{decodable: true}, nil
	}
	return pictureOrder{decodable: true, known: true, poc: poc, newSequence: newSequence,
		depth: int(min(sps.MaxNumReorderPics, maxReorderDepth))}, nil
}
