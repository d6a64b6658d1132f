package server

import (
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// UDP pacing. A worker's sendmmsg puts a whole frame into the kernel in a
// few microseconds, and on loopback (or any path faster than the player)
// the datagrams then wait in the player's socket buffer until it reads
// them. Linux gives a socket 212,992 bytes by default (rmem_default, and
// rmem_max caps what a player asks for on many distributions): about 92
// datagrams of 1400 bytes, since each costs its payload plus the kernel's
// bookkeeping. A player joining a 4 Mbit/s stream got its cached group of
// pictures, 700 datagrams or more, in one burst and lost hundreds of them
// (live555's openRTSP, VLC); a 10 Mbit/s stream's keyframe alone is 200
// datagrams. So each UDP reader is sent at most:
//
//   - Config.UDPBurst datagrams (32 by default) at once, whenever it has
//     been sent nothing for a while: small frames, audio, and the first
//     datagrams of every frame leave the moment they are published;
//   - beyond that, Config.UDPRate datagrams a second, or twice the
//     session's own rate if that is more (so that a joiner always catches
//     up with the live stream, in at most the length of the cached group of
//     pictures): the rest of a large frame and the cached group of pictures
//     are spread out, udpChunk datagrams at a time.
//
// At the default 2000 datagrams a second (22 Mbit/s of 1400-byte packets)
// a player's 92-datagram buffer holds 46 ms of the paced stream: it may
// stop reading that long without losing anything, where the burst needed
// it to read as fast as the kernel writes. A 4 Mbit/s stream's 2 s group of
// pictures (about 800 datagrams) catches up in 0.5 s, a 10 Mbit/s one in
// 2 s; a large keyframe takes some tens of milliseconds longer to arrive
// than unpaced, well within a player's jitter buffer. README, "Sending",
// gives the measurements.
//
// The pacing state of a reader, its tokens and its backlog of frames, is
// owned by its worker: the job path (add) sends what the tokens allow and
// queues the rest behind any backlog, and the worker's pace timer sends
// backlogs as tokens accrue. Frames keep their order, RTCP included (a
// sender report queued behind media goes out after it, and costs no
// tokens: it goes to the player's RTCP socket). A backlog longer than the
// reader's queue (Config.ReaderQueue frames, plus the cached group of
// pictures it started with) loses frames as a slow TCP reader does: whole
// frames, and video up to the next keyframe.
type udpPace struct {
	tokens float64
	last   time.Time // when tokens were last refilled
	pend   []pendFrame
	head   int  // pend[head:] is the backlog
	listed bool // in the worker's pacing list
}

// pendFrame is a frame, or the rest of one, waiting for a UDP reader.
type pendFrame struct {
	f     *frame
	next  int // index of the next packet to send
	video bool
}

// udpChunk is the least number of datagrams the pace timer sends a
// backlogged reader at once (fewer when less is waiting): waking up for
// single datagrams would cost more than it smooths.
const udpChunk = 8

// Defaults of Config.UDPRate and Config.UDPBurst.
const (
	DefaultUDPRate  = 2000
	DefaultUDPBurst = 32
)

func (p *udpPace) backlog() int { return len(p.pend) - p.head }

// refill adds the tokens earned since the last refill, up to burst.
func (p *udpPace) refill(now time.Time, rate float64, burst int) {
	if p.last.IsZero() {
		p.tokens, p.last = float64(burst), now
		return
	}
	if d := now.Sub(p.last); d > 0 {
		p.tokens = min(float64(burst), p.tokens+rate*d.Seconds())
		p.last = now
	}
}

// pop removes the backlog's first frame and returns it, still referenced:
// messages about to be sent may point into it.
func (p *udpPace) pop() *frame {
	f := p.pend[p.head].f
	p.pend[p.head] = pendFrame{}
	p.head++
	if p.head == len(p.pend) {
		p.pend, p.head = p.pend[:0], 0
	}
	return f
}

// release drops the whole backlog.
func (p *udpPace) release() {
	for p.backlog() > 0 {
		p.pop().release()
	}
}

// pacing reports whether UDP readers are paced at all.
func (fo *fanout) pacing() bool { return fo.rate > 0 }

// paceRate is the rate (datagrams a second) reader r is paced at.
func (w *worker) paceRate(r *reader) float64 {
	return max(w.fo.rate, 2*float64(r.m.rate.rate.Load()))
}

// paceAdd sends UDP reader r what its tokens allow of f now and queues the
// rest. It returns false when f may go out whole the usual way (the
// tokens for it have been taken).
func (w *worker) paceAdd(r *reader, f *frame, video bool) bool {
	p := &r.pace
	if r.skipToKey && video && !f.rtcp {
		if !f.key {
			r.stats.framesDropped.Add(1)
			return true
		}
		r.skipToKey = false
	}
	if p.backlog() > 0 {
		w.pendFrame(r, f, video, 0)
		return true
	}
	if f.rtcp {
		return false
	}
	p.refill(w.now, w.paceRate(r), w.fo.burst)
	n := f.batch.Len()
	if p.tokens >= float64(n) {
		p.tokens -= float64(n)
		w.touched = append(w.touched, r)
		return false
	}
	k := int(p.tokens)
	if k > 0 {
		w.udp.addPackets(w, r, f, 0, k)
		p.tokens -= float64(k)
		w.touched = append(w.touched, r)
	}
	w.pendFrame(r, f, video, k)
	return true
}

// pendFrame queues f (from packet next on) behind r's backlog, or loses it
// when the backlog is full.
func (w *worker) pendFrame(r *reader, f *frame, video bool, next int) {
	p := &r.pace
	if p.backlog() >= cap(r.q) { // ReaderQueue, plus the cache it started with (addReader)
		r.stats.framesDropped.Add(1)
		if video && !f.rtcp {
			r.skipToKey = true
		}
		return
	}
	f.retain()
	p.pend = append(p.pend, pendFrame{f: f, next: next, video: video})
	if !p.listed {
		p.listed = true
		w.pacing = append(w.pacing, r)
	}
}

// paceTick sends each backlogged reader what its tokens allow, all in one
// sendmmsg (split where a sender report has to go out in between).
func (w *worker) paceTick() {
	w.now = time.Now()
	s := &w.udp
	s.msgs = s.msgs[:0]
	keep := w.pacing[:0]
	for _, r := range w.pacing {
		p := &r.pace
		if r.stopped.Load() {
			p.release()
			p.listed = false
			continue
		}
		p.refill(w.now, w.paceRate(r), w.fo.burst)
		for p.backlog() > 0 {
			pf := &p.pend[p.head]
			if pf.f.rtcp {
				s.flushRTP(w)
				if addr := r.udp.dest(pf.f); addr != nil {
					s.send(w.fo.u, true, []ipv4.Message{{Buffers: [][]byte{pf.f.data}, Addr: addr}})
				}
				p.pop().release()
				continue
			}
			k := min(pf.f.batch.Len()-pf.next, int(p.tokens))
			if k <= 0 {
				break
			}
			s.addPackets(w, r, pf.f, pf.next, pf.next+k)
			p.tokens -= float64(k)
			if len(w.touched) == 0 || w.touched[len(w.touched)-1] != r {
				w.touched = append(w.touched, r)
			}
			pf.next += k
			if pf.next == pf.f.batch.Len() {
				// Released once sent: the messages point into it.
				w.sent = append(w.sent, p.pop())
			}
		}
		if p.backlog() > 0 {
			keep = append(keep, r)
		} else {
			p.listed = false
		}
	}
	clear(w.pacing[len(keep):])
	w.pacing = keep
	s.flushRTP(w)
	w.sentAt()
	for i, f := range w.sent {
		f.release()
		w.sent[i] = nil
	}
	w.sent = w.sent[:0]
}

// sentAt restarts the tokens of the readers just sent to from the end of
// the send. Tokens are taken when the messages are laid out; when the
// worker is held up before the kernel has them (descheduled, or waiting
// for room in the socket's buffer), tokens earned meanwhile would let the
// next datagrams follow the late ones at once, more than UDPBurst together
// at the player (seen on a loaded machine). Counting from the end of the
// send never lets more than UDPBurst plus UDPRate's share leave in any
// span.
func (w *worker) sentAt() {
	if len(w.touched) == 0 {
		return
	}
	now := time.Now()
	for i, r := range w.touched {
		r.pace.last = now
		w.touched[i] = nil
	}
	w.touched = w.touched[:0]
}

// paceWait is how long until the next reader's backlog can be sent
// udpChunk datagrams (or all of it, when less waits); 0 when now.
func (w *worker) paceWait() time.Duration {
	wait := time.Duration(-1)
	for _, r := range w.pacing {
		p := &r.pace
		if p.backlog() == 0 {
			continue
		}
		pf := &p.pend[p.head]
		need := 0.0
		if !pf.f.rtcp {
			need = float64(min(udpChunk, pf.f.batch.Len()-pf.next, w.fo.burst))
		}
		d := time.Duration(0)
		if missing := need - p.tokens; missing > 0 {
			rate := w.paceRate(r)
			d = time.Duration(missing/rate*float64(time.Second)) - w.now.Sub(p.last)
		}
		if d < 0 {
			d = 0
		}
		if wait < 0 || d < wait {
			wait = d
		}
	}
	return wait
}

// armPace sets the pace timer for the next backlog to send, if any.
func (w *worker) armPace() {
	if len(w.pacing) == 0 {
		return
	}
	d := w.paceWait()
	if d < 0 {
		return
	}
	if w.paceTimer == nil {
		w.paceTimer = time.NewTimer(d)
		return
	}
	w.paceTimer.Reset(d)
}

// paceC is the pace timer's channel, nil (never ready) without one.
func (w *worker) paceC() <-chan time.Time {
	if w.paceTimer == nil {
		return nil
	}
	return w.paceTimer.C
}

// releasePacing drops every backlog, when the worker stops.
func (w *worker) releasePacing() {
	for _, r := range w.pacing {
		r.pace.release()
		r.pace.listed = false
	}
	clear(w.pacing)
	w.pacing = w.pacing[:0]
	if w.paceTimer != nil {
		w.paceTimer.Stop()
	}
}

// addPackets adds UDP reader r's messages for packets [from, to) of f
// (with GSO, one per run of equal-size packets).
func (s *udpScratch) addPackets(w *worker, r *reader, f *frame, from, to int) {
	addr := r.udp.dest(f)
	if addr == nil {
		return
	}
	s.msgs, s.pbufs = appendRuns(s.msgs, s.pbufs, &f.batch, from, to, w.fo.u.gso.Load(), addr)
	bytes := 0
	for i := from; i < to; i++ {
		bytes += f.batch.Size(i)
	}
	r.stats.packets.Add(uint64(to - from))
	r.stats.bytes.Add(uint64(bytes))
}

// flushRTP sends the RTP messages gathered so far.
func (s *udpScratch) flushRTP(w *worker) {
	if len(s.msgs) > 0 {
		s.send(w.fo.u, false, s.msgs)
	}
	clear(s.msgs)
	s.msgs = s.msgs[:0]
	clear(s.pbufs)
	s.pbufs = s.pbufs[:0]
}

// packetRate estimates the datagrams a second a mount sends, over windows
// of two seconds (a group of pictures, typically), for the pace of its
// UDP readers. add is called with the mount's mu held; rate is read by the
// workers.
type packetRate struct {
	start time.Time
	n     int
	rate  atomic.Uint32
}

func (p *packetRate) add(now time.Time, n int) {
	if p.start.IsZero() {
		p.start = now
	}
	p.n += n
	if d := now.Sub(p.start); d >= 2*time.Second {
		p.rate.Store(uint32(float64(p.n) / d.Seconds()))
		p.start, p.n = now, 0
	}
}
