package main

// timeline turns the decoding order of an H.264/H.265 stream into its
// presentation order. Raw Annex-B input carries no timestamps, and with
// B-frames pictures are coded before pictures they are shown after (I0 P3
// B1 B2 ...), so the decoding index is not the presentation time: the
// picture order count (POC) is. A picture's presentation index is its rank
// by POC among the pictures of its coded video sequence, known once no
// later picture can come before it: the timeline holds pictures back the
// way a decoder's output buffer does (ITU-T H.264 §C.4.5.3, "bumping"),
// outputting the smallest POC whenever more than depth pictures wait,
// depth being the stream's declared reorder depth (or the most any stream
// may have). A new coded video sequence (IDR) outputs everything first, as
// its counts start afresh.
type timeline struct {
	next      int64 // presentation index of the next picture out
	waiting   []waitingPicture
	reordered bool // a picture went out before one decoded earlier: B-frames
}

type waitingPicture struct {
	pic int64 // decoding index
	poc int64
}

// add takes picture pic (decoding index) with its POC and calls out for
// every picture whose presentation index is now known, in presentation
// order.
func (t *timeline) add(pic, poc int64, newSequence bool, depth int, out func(pic, pres int64)) {
	if newSequence {
		t.flush(out)
	}
	t.waiting = append(t.waiting, waitingPicture{pic, poc})
	t.drain(depth, out)
}

// flush outputs every waiting picture: at the end of the stream, and
// before a picture whose order cannot be told.
func (t *timeline) flush(out func(pic, pres int64)) { t.drain(0, out) }

func (t *timeline) drain(keep int, out func(pic, pres int64)) {
	for len(t.waiting) > max(keep, 0) {
		first := 0 // the smallest POC; the earliest decoded among equals
		for i, w := range t.waiting {
			if w.poc < t.waiting[first].poc {
				first = i
			}
		}
		if first != 0 {
			t.reordered = true
		}
		out(t.waiting[first].pic, t.next)
		t.next++
		t.waiting = append(t.waiting[:first], t.waiting[first+1:]...)
	}
}
