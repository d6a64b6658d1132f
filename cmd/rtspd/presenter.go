package main

import (
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// presenter groups the NAL units of an H.264/H.265 stream into pictures,
// finds each picture's presentation index (timeline) and hands the NAL
// units on in decoding order, each with its picture's decoding and
// presentation index, as soon as the latter is known. Without B-frames
// that is at once; with them, a NAL unit waits until the pictures that may
// be shown before its picture have been read.
//
// NAL units before a picture's first slice (parameter sets, SEI) belong to
// that picture; NAL units after the last picture of the stream are
// dropped, as they belong to none.
type presenter struct {
	detect h26x.AUDetector
	order  orderReader
	// fullDepth looks ahead as far as any stream may reorder pictures
	// (maxReorderDepth) rather than as far as the stream declares: exact
	// even when the declaration is wrong, for a file that is in memory
	// anyway. From a live encoder, the declared depth is the least
	// latency.
	fullDepth bool
	emit      func(nal []byte, pic, pres int64) error

	tl       timeline
	pic      int64 // decoding index of the current picture
	hasSlice bool  // the current picture has had its first slice
	curPres  int64 // presentation index of the current picture, -1 until known
	// prevPres is that of the picture before, which the current one may
	// turn out to be part of while rejoinable (see rejoin).
	prevPres   int64
	rejoinable bool
	queue      []queuedNAL

	decodable int64 // pictures whose first slice could be read with its parameter sets
}

type queuedNAL struct {
	nal       []byte
	pic, pres int64 // pres -1: not known yet
}

// maxReorderDepth bounds the reorder depth of every conforming stream: the
// decoded picture buffer holds at most 16 frames (H.264 MaxDpbFrames, H.265
// MaxDpbSize).
const maxReorderDepth = 16

func newPresenter(codec server.VideoType, fullDepth bool, emit func(nal []byte, pic, pres int64) error) *presenter {
	p := &presenter{fullDepth: fullDepth, emit: emit, curPres: -1}
	if codec == server.VideoH265 {
		p.detect, p.order = &h26x.H265AUDetector{}, &h265Order{}
	} else {
		p.detect, p.order = &h26x.H264AUDetector{}, &h264Order{}
	}
	return p
}

// push takes the next NAL unit in decoding order. It keeps nal until it is
// emitted. An error is emit's, or a stream rtspd cannot time.
func (p *presenter) push(nal []byte) error {
	if len(nal) == 0 {
		return nil
	}
	if p.detect.StartsNewAU(nal) && p.hasSlice {
		p.pic++
		p.prevPres, p.rejoinable = p.curPres, true
		p.hasSlice, p.curPres = false, -1
	}
	if !p.order.isSlice(nal) {
		p.order.nal(nal)
		p.queue = append(p.queue, queuedNAL{nal, p.pic, p.curPres})
		return p.drain()
	}
	if !p.hasSlice && p.rejoinable && p.order.continues(nal) {
		p.rejoin()
	}
	p.rejoinable = false
	p.queue = append(p.queue, queuedNAL{nal, p.pic, p.curPres})
	if !p.hasSlice {
		p.hasSlice = true
		o, err := p.order.picture(nal)
		if err != nil {
			return err
		}
		p.place(o)
	}
	return p.drain()
}

// rejoin undoes the start of a picture: the detector takes a parameter set
// or SEI after a slice as the start of the next picture, since it cannot
// look ahead, but they may also sit between two slices of one picture, as
// the slice that follows them then shows.
func (p *presenter) rejoin() {
	p.pic--
	p.hasSlice, p.curPres = true, p.prevPres
	for i := range p.queue {
		if p.queue[i].pic > p.pic {
			p.queue[i].pic, p.queue[i].pres = p.pic, p.curPres
		}
	}
}

// place puts the current picture on the timeline.
func (p *presenter) place(o pictureOrder) {
	if o.decodable {
		p.decodable++
	}
	if !o.known {
		// Shown after everything before it, at once.
		p.tl.add(p.pic, 0, true, 0, p.setPres)
		return
	}
	depth := o.depth
	if p.fullDepth {
		depth = maxReorderDepth
	}
	p.tl.add(p.pic, o.poc, o.newSequence, depth, p.setPres)
}

func (p *presenter) setPres(pic, pres int64) {
	if pic == p.pic {
		p.curPres = pres
	}
	for i := range p.queue {
		if p.queue[i].pic == pic {
			p.queue[i].pres = pres
		}
	}
}

// drain emits the NAL units at the head of the queue whose presentation
// index is known.
func (p *presenter) drain() error {
	var err error
	n := 0
	for n < len(p.queue) && p.queue[n].pres >= 0 && err == nil {
		q := p.queue[n]
		err = p.emit(q.nal, q.pic, q.pres)
		n++
	}
	if n > 0 {
		p.queue = append(p.queue[:0], p.queue[n:]...)
	}
	return err
}

// end finishes the stream: every picture still held back is emitted. The
// decoding and presentation indices go on from where they are, so a looped
// file plays on seamlessly, and the next stream starts afresh otherwise.
func (p *presenter) end() error {
	p.tl.flush(p.setPres)
	err := p.drain()
	p.queue = p.queue[:0]
	if p.hasSlice {
		p.pic++
	}
	p.hasSlice, p.curPres, p.rejoinable = false, -1, false
	p.detect.Reset()
	p.order.reset()
	return err
}

// reordered reports whether pictures have been shown in another order than
// they were decoded in: the stream has B-frames.
func (p *presenter) reordered() bool { return p.tl.reordered }
