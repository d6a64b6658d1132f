package rtp

import (
	"errors"
	"time"
)

// Errors returned by ReorderBuffer.Push. The packet is dropped in every case;
// a receiver counts them and goes on.
var (
	// ErrDuplicate means the packet is already in the buffer.
	ErrDuplicate = errors.New("rtp: duplicate packet")
	// ErrLate means the packet's turn has passed: it was delivered already or
	// declared lost.
	ErrLate = errors.New("rtp: packet arrived after its turn")
	// ErrSeqJump means the sequence number is far from the stream's (RFC
	// 3550 Appendix A.1: more than 3000 ahead or far behind). It is taken as
	// a restart of the sender's numbering only when the next packet follows
	// it in sequence.
	ErrSeqJump = errors.New("rtp: sequence number jump")
)

// Window limits of a ReorderBuffer, in packets.
const (
	DefaultReorderWindow = 64
	MaxReorderWindow     = 1024
)

// Sequence distances from RFC 3550 Appendix A.1: a step forward of more than
// maxDropout or backward of more than maxMisorder is a jump that needs a
// confirming packet.
const (
	maxDropout  = 3000
	maxMisorder = 100
)

// ReorderStats counts what a ReorderBuffer did since it was made or Reset.
type ReorderStats struct {
	Delivered  uint64 // packets returned by Pop
	Lost       uint64 // sequence numbers skipped (reported by Pop as lost)
	Duplicates uint64 // Push returned ErrDuplicate
	Late       uint64 // Push returned ErrLate
	Jumps      uint64 // Push returned ErrSeqJump
	Resyncs    uint64 // confirmed jumps: the numbering restarted
	Overflows  uint64 // buffered packets discarded because Push ran full
}

type reorderSlot struct {
	pkt     Packet
	buf     []byte
	ext     int64
	arrival time.Time
}

// ReorderBuffer puts the RTP packets of one source, received over UDP, back
// in sequence order. Push packets as they arrive; after each Push (and when
// a read times out) call Pop until it reports nothing, and hand what it
// returns to the depacketizer in that order.
//
// A missing packet holds back the ones after it until one of these happens,
// and is then reported lost (Pop's lost count, the sequence numbers skipped
// just before the packet it returns):
//   - a packet arrives Window or more sequence numbers after it, so it is
//     older than the window;
//   - a packet after it has waited MaxDelay (when MaxDelay > 0): no packet
//     waits longer than MaxDelay, provided Pop is called by then (Deadline
//     says when);
//   - Flush is called.
//
// Duplicates and packets whose turn has passed are dropped by Push with an
// error. A jump in the numbering (RFC 3550 Appendix A.1) is accepted only
// when the next packet confirms it; the packets buffered before it are then
// released at once, gaps counted lost.
//
// Memory is bounded: the buffer owns Window+1 packet buffers, each grown to
// the largest packet it has held, and reuses them, so a warmed-up buffer
// allocates nothing. Push copies the packet; a packet returned by Pop stays
// valid until the next Push or Reset. Nothing blocks and no timer runs: time
// comes from the arrival and now arguments. A ReorderBuffer is not safe for
// concurrent use. The first packet pushed sets the starting point: a packet
// numbered before it that arrives later is late. Callers filter by SSRC and
// Reset when the source changes.
type ReorderBuffer struct {
	window   int
	maxDelay time.Duration

	slots []reorderSlot // window+1 of them
	free  []int         // indices of unused slots, used as a stack
	order []int         // indices of buffered slots by ascending ext
	first int           // slot that arrived first, or -1 when unknown

	started      bool
	next         int64  // extended number of the packet Pop delivers next
	highest      int64  // highest extended number accepted
	highSeq      uint16 // the sequence number it had on the wire
	flushThrough int64  // Pop releases packets up to here without waiting
	pendingLost  int64  // numbers skipped by a Push overflow, told by next Pop
	badSeq       int32  // number that would confirm a jump, or -1
	stats        ReorderStats
}

// NewReorderBuffer returns a buffer that holds up to window packets waiting
// for a gap (DefaultReorderWindow when window <= 0, at most
// MaxReorderWindow), and declares a gap lost once a packet after it has
// waited maxDelay (no time limit when maxDelay <= 0). A window of 1 does no
// reordering but still drops duplicates and late packets and counts losses.
func NewReorderBuffer(window int, maxDelay time.Duration) *ReorderBuffer {
	if window <= 0 {
		window = DefaultReorderWindow
	}
	window = min(window, MaxReorderWindow)
	r := &ReorderBuffer{
		window:   window,
		maxDelay: max(maxDelay, 0),
		slots:    make([]reorderSlot, window+1),
		free:     make([]int, 0, window+1),
		order:    make([]int, 0, window+1),
	}
	r.Reset()
	return r
}

// Window is the number of packets the buffer waits across.
func (r *ReorderBuffer) Window() int { return r.window }

// Len is the number of packets buffered.
func (r *ReorderBuffer) Len() int { return len(r.order) }

// Stats returns the counters.
func (r *ReorderBuffer) Stats() ReorderStats { return r.stats }

// Reset empties the buffer, zeroes the counters and forgets the sequence
// numbering (the next packet pushed starts afresh); it keeps its memory.
func (r *ReorderBuffer) Reset() {
	r.free = r.free[:0]
	for i := len(r.slots) - 1; i >= 0; i-- {
		r.free = append(r.free, i)
	}
	r.order = r.order[:0]
	r.first = -1
	r.started = false
	r.next, r.highest, r.flushThrough, r.pendingLost = 0, 0, 0, 0
	r.badSeq = -1
	r.stats = ReorderStats{}
}

// Push copies p into the buffer. It returns ErrDuplicate, ErrLate or
// ErrSeqJump when the packet is dropped, or the error of p.MarshalTo when p
// cannot be represented. If the buffer is full because Pop was not called
// since earlier Pushes, the oldest buffered packet is discarded to make room
// (counted in Overflows and reported lost).
func (r *ReorderBuffer) Push(p *Packet, arrival time.Time) error {
	if err := p.Header.check(); err != nil {
		return err
	}
	n := p.MarshalSize()
	seq := p.SequenceNumber
	var ext int64
	if !r.started {
		r.started = true
		ext = int64(seq)
		r.next, r.highest, r.highSeq, r.flushThrough = ext, ext-1, seq-1, ext-1
	} else {
		// Extended numbers stay contiguous across a resync, so they are
		// counted from the highest one rather than taken from seq.
		ext = r.highest + int64(int16(seq-r.highSeq))
		switch {
		case ext > r.highest+maxDropout || ext < r.next-int64(max(maxMisorder, r.window)):
			if r.badSeq != int32(seq) {
				r.badSeq = int32(seq + 1)
				r.stats.Jumps++
				return ErrSeqJump
			}
			// Two packets in sequence far from the old numbering: the sender
			// restarted it (RFC 3550 Appendix A.1). Release what is buffered
			// and continue right after it.
			r.stats.Resyncs++
			r.flushThrough = r.highest
			ext = r.highest + 1
		case ext < r.next:
			r.stats.Late++
			return ErrLate
		}
	}
	pos, dup := r.search(ext)
	if dup {
		r.stats.Duplicates++
		return ErrDuplicate
	}
	r.badSeq = -1
	if len(r.free) == 0 {
		// Pop was not called: discard the oldest to keep memory bounded.
		if pos == 0 {
			// The new packet is the oldest: it goes.
			r.pendingLost += ext + 1 - r.next
			r.next = ext + 1
			r.stats.Overflows++
			r.noteHighest(ext, seq)
			return nil
		}
		old := r.slots[r.order[0]].ext
		r.pendingLost += old + 1 - r.next
		r.next = old + 1
		r.release()
		r.stats.Overflows++
		pos--
	}
	idx := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	s := &r.slots[idx]
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	s.buf = s.buf[:n]
	if _, err := p.MarshalTo(s.buf); err != nil {
		r.free = append(r.free, idx)
		return err
	}
	if err := s.pkt.Unmarshal(s.buf); err != nil {
		r.free = append(r.free, idx)
		return err
	}
	s.ext = ext
	s.arrival = arrival
	r.order = append(r.order, 0)
	copy(r.order[pos+1:], r.order[pos:])
	r.order[pos] = idx
	if len(r.order) == 1 || (r.first >= 0 && arrival.Before(r.slots[r.first].arrival)) {
		r.first = idx
	}
	r.noteHighest(ext, seq)
	return nil
}

// release frees the slot of the first packet in order.
func (r *ReorderBuffer) release() {
	idx := r.order[0]
	if idx == r.first {
		r.first = -1
	}
	r.free = append(r.free, idx)
	r.order = append(r.order[:0], r.order[1:]...)
}

// noteHighest records ext (numbered seq on the wire) if it is the highest.
func (r *ReorderBuffer) noteHighest(ext int64, seq uint16) {
	if ext > r.highest {
		r.highest, r.highSeq = ext, seq
	}
}

// search returns where ext goes in order and whether it is there already.
func (r *ReorderBuffer) search(ext int64) (int, bool) {
	lo, hi := 0, len(r.order)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.slots[r.order[m]].ext < ext {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(r.order) && r.slots[r.order[lo]].ext == ext
}

// Pop returns the next packet in sequence order, if it may be released at
// instant now, and how many sequence numbers were skipped as lost just
// before it. It returns ok false when the buffer is empty or waiting for a
// missing packet. The packet stays valid until the next Push or Reset.
func (r *ReorderBuffer) Pop(now time.Time) (p *Packet, lost int, ok bool) {
	for len(r.order) > 0 {
		head := &r.slots[r.order[0]]
		if head.ext == r.next || head.ext <= r.flushThrough {
			lost := r.pendingLost + head.ext - r.next
			r.pendingLost = 0
			r.next = head.ext + 1
			r.release()
			r.stats.Lost += uint64(lost)
			r.stats.Delivered++
			return &head.pkt, int(lost), true
		}
		// A gap at r.next. Older than the window?
		if r.highest-r.next >= int64(r.window) {
			target := min(head.ext, r.highest-int64(r.window)+1)
			r.pendingLost += target - r.next
			r.next = target
			continue
		}
		// Has any packet after it waited too long?
		if i, ok := r.oldest(); ok && now.Sub(r.slots[i].arrival) >= r.maxDelay {
			r.flushThrough = max(r.flushThrough, r.slots[i].ext)
			continue
		}
		break
	}
	return nil, 0, false
}

// oldest returns the buffered slot that arrived first, when MaxDelay
// applies. It is cached: found again only after that slot is released.
func (r *ReorderBuffer) oldest() (int, bool) {
	if r.maxDelay <= 0 || len(r.order) == 0 {
		return 0, false
	}
	if r.first < 0 {
		best := r.order[0]
		for _, i := range r.order[1:] {
			if r.slots[i].arrival.Before(r.slots[best].arrival) {
				best = i
			}
		}
		r.first = best
	}
	return r.first, true
}

// Deadline returns the instant at which Pop will release a packet held back
// by a gap if nothing else arrives, so that a receiver can set its read
// deadline; ok is false when nothing is waiting or MaxDelay is off.
func (r *ReorderBuffer) Deadline() (t time.Time, ok bool) {
	i, ok := r.oldest()
	if !ok {
		return time.Time{}, false
	}
	return r.slots[i].arrival.Add(r.maxDelay), true
}

// Flush makes every buffered packet available to Pop at once, gaps counted
// lost, for example when the stream ends.
func (r *ReorderBuffer) Flush() {
	if len(r.order) > 0 {
		r.flushThrough = max(r.flushThrough, r.highest)
	}
}
