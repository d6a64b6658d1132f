package server

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A reader receives one mount's frames for one RTSP session (or, for
// multicast, for every multicast session of the mount together). The
// publisher only ever hands frames over without blocking, so a slow reader
// can never hold up the camera or the other readers:
//
//   - Once playing, a reader's frames go to its fan-out worker (fanout.go),
//     which writes each frame to all its readers in one pass: one sendmmsg
//     for the UDP readers, and for each TCP reader one non-blocking write of
//     the frame's interleaved image.
//   - A TCP reader whose socket is full (or whose connection is busy with a
//     response) gets the rest through its bounded queue q and its own writer
//     goroutine, which may block up to WriteTimeout; until the queue is
//     empty again, the worker appends to it so that frames stay in order.
//     Before PLAY's response has gone out, frames wait in q too.
//
// When a queue is full the reader loses the frame, and then every video
// frame up to the next keyframe, so its decoder never sees half a picture
// or a picture whose references are missing.
type reader struct {
	m      *mount
	tracks []readerTrack // indexed like m.tracks
	out    sender        // what the writer goroutine writes with (TCP)
	q      chan queued
	// backlog counts the frames in q plus the one the writer goroutine is
	// writing: while it is not 0, new frames must queue behind them.
	backlog atomic.Int32

	w    *worker    // the fan-out worker; nil: every frame goes through q
	c    *conn      // TCP: the connection the worker writes to directly
	udp  *udpSender // UDP: destinations, sent by the worker only
	live bool       // guarded by m.mu: PLAY answered, frames go to w

	started   atomic.Bool // start ran (the writer goroutine exists, for TCP)
	stopped   atomic.Bool // the worker sends this reader nothing more
	skipToKey bool        // owned by w: lost a frame, skip video to a keyframe
	pace      udpPace     // owned by w: a UDP reader's pace (pace_udp.go)

	needKey bool // guarded by m.mu: skip video until a keyframe
	// audioFrom is the media time of the first picture the reader gets
	// (set with it, guarded by m.mu): audio from before it is not sent.
	audioFrom    time.Duration
	audioFromSet bool
	playsVideo   bool   // the video track is set up (fixed by addReader)
	srSent       []bool // guarded by m.mu: a sender report went out, per track
	// resyncs are the further sender reports due (offer), guarded by m.mu;
	// cancelled when the reader leaves its mount (stopResync).
	resyncs []*resync

	failed   atomic.Bool // a write failed: the transport is gone
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	onFail   func(error) // called once from the writer when writing fails

	stats readerStats
}

// queued is a frame in a reader's queue. rest marks a frame the worker
// began writing on the socket: its rest is the connection's (conn.rest),
// written before anything else goes out there, and the writer only has to
// make sure it has been (conn.finishRest) before the frames behind it.
type queued struct {
	f    *frame
	rest bool
}

// readerTrack is how one track reaches a reader.
type readerTrack struct {
	setup bool
	// TCP interleaved channels.
	rtpChannel, rtcpChannel uint8
	// UDP destinations (unicast client ports or multicast group).
	rtpAddr, rtcpAddr netip.AddrPort
}

// readerStats are counters readable while the reader runs.
type readerStats struct {
	packets       atomic.Uint64
	bytes         atomic.Uint64
	framesDropped atomic.Uint64
	// rr is the last reception report block (RFC 3550 §6.4.1) the client
	// sent about each track, indexed like the mount's tracks and matched
	// by SSRC (reader.recordReports); a block is kept whole, under rrMu,
	// so that Stats never shows parts of two.
	rrMu sync.Mutex
	rr   []trackReport
}

// sender writes frames to one reader's transport.
type sender interface {
	// write sends every packet of f; it may block up to the write timeout.
	write(r *reader, f *frame) error
	// close releases what the sender owns (not shared sockets).
	close()
}

// newUDPReader returns a reader sent to through the shared UDP sockets.
func newUDPReader(m *mount, u *udpSender, queue int) *reader {
	r := newReader(m, nil, queue)
	r.udp = u
	r.w = u.w
	return r
}

// newTCPReader returns a reader sent to over c as interleaved data.
func newTCPReader(m *mount, c *conn, queue int) *reader {
	r := newReader(m, &tcpSender{c: c}, queue)
	r.c = c
	if c.raw != nil {
		r.w = c.rt.fan.assign()
	}
	return r
}

func newReader(m *mount, out sender, queue int) *reader {
	return &reader{
		m:      m,
		tracks: make([]readerTrack, len(m.tracks)),
		srSent: make([]bool, len(m.tracks)),
		out:    out,
		q:      make(chan queued, queue),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
}

// wants reports whether track i is set up for this reader.
func (r *reader) wants(i int) bool {
	return i < len(r.tracks) && r.tracks[i].setup
}

// offer enqueues f without blocking. Called with r.m.mu held. Around the
// first media of each track it sends a sender report twice, so that players
// put audio and video on one timeline from the start (RFC 3550 §6.4.1):
// before the first packet, because ffmpeg takes its timing base from the
// first report and shifts its timestamps when that comes after packets;
// and right after it, because GStreamer's jitter buffer ignores a report
// about a stream it has not received yet and would sync only at the next
// one, seconds later. Both reports map the same timeline.
func (r *reader) offer(f *frame) {
	if !r.wants(f.track) {
		return
	}
	if f.rtcp {
		r.srSent[f.track] = true
		r.enqueue(f, false)
		return
	}
	video := r.m.tracks[f.track].video
	if video && r.needKey {
		if !f.key {
			r.stats.framesDropped.Add(1)
			return
		}
		r.needKey = false
		if !r.audioFromSet {
			r.audioFrom, r.audioFromSet = r.m.frameMedia(r.m.tracks[f.track], f), true
		}
	}
	if !r.takesAudio(f) {
		return
	}
	first := !r.srSent[f.track]
	if first {
		r.sendReport(f.track)
	}
	if r.enqueue(f, video) && first {
		r.sendReport(f.track)
		// GStreamer maps a stream's first packet to its arrival: after the
		// GOP cache burst its clock estimate (rtpjitterbuffer's skew) takes
		// about a second to converge, differently per track, and rtpbin
		// turns every report received meanwhile into an A/V offset that the
		// next report (seconds later) corrects with a jump. One more report
		// once the estimates have settled makes that correction early.
		r.scheduleResync(f.track)
	}
}

// resync is a further sender report due for a reader. Its timer refers to
// the reader only through r, which stopResync clears when the reader
// leaves its mount: a pending timer must not keep an ended session's
// reader, connection and mount (its caches, a destroyed session's memory)
// alive for resyncReport, which with many short sessions, or a session
// destroyed just after a player joined, held tens of megabytes.
type resync struct {
	timer *time.Timer
	m     *mount // whose timers count it
	r     atomic.Pointer[reader]
}

// scheduleResync sends a further sender report for track i after
// resyncReport. Called with m.mu held.
func (r *reader) scheduleResync(i int) {
	x := &resync{m: r.m}
	x.r.Store(r)
	r.m.timers.add() // done when it has run or been stopped: mount.timers
	x.timer = time.AfterFunc(resyncReport, func() { x.fire(i) })
	r.resyncs = append(r.resyncs, x)
}

func (x *resync) fire(i int) {
	defer x.m.timers.done()
	r := x.r.Load()
	if r == nil {
		return
	}
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	if x.r.Load() == nil {
		return // the reader left meanwhile
	}
	for _, y := range r.m.readers {
		if y == r {
			r.sendReport(i)
		}
	}
	r.m.flushStage()
}

// stopResync cancels the reader's pending sender reports, and drops the
// timers' references to it: it has left its mount. Called with m.mu held.
func (r *reader) stopResync() {
	for _, x := range r.resyncs {
		if x.timer.Stop() {
			x.m.timers.done() // it will not run
		}
		x.r.Store(nil)
	}
	r.resyncs = nil
}

// takesAudio reports whether the reader is sent f as far as the start of
// its audio goes: a reader that plays video starts its audio at its first
// picture. Audio is sent as late as the first sample of the caller's call
// (and paced), so without this a new reader's first audio packets would
// be older than its first picture, and ffmpeg, which aligns the streams on
// their first packets, then shifts every picture after the first by the
// difference. Anything but audio passes. Called with m.mu held.
func (r *reader) takesAudio(f *frame) bool {
	t := r.m.tracks[f.track]
	if t.video || f.rtcp || !r.playsVideo {
		return true
	}
	return r.audioFromSet && r.m.frameMedia(t, f) >= r.audioFrom
}

// resyncReport is when a reader gets a further sender report after its
// first packet of a track.
const resyncReport = 1500 * time.Millisecond

// sendReport enqueues a sender report for track i.
func (r *reader) sendReport(i int) {
	if sr := r.m.reportFrame(r.m.tracks[i], time.Now(), false); sr != nil {
		r.offer(sr)
		sr.release()
	}
}

// enqueue hands f to the reader's worker once the reader is live, or
// puts it in the queue, counting it lost when the queue is full (and, for
// video, skipping to the next keyframe). Called with m.mu held.
func (r *reader) enqueue(f *frame, video bool) bool {
	if r.live && r.w != nil {
		r.m.stage(r, f, video)
		return true
	}
	if r.push(queued{f: f}) {
		return true
	}
	r.stats.framesDropped.Add(1)
	if video {
		r.needKey = true
	}
	return false
}

// push puts q in the queue (taking a reference to its frame) unless the
// queue is full.
func (r *reader) push(it queued) bool {
	it.f.retain()
	r.backlog.Add(1)
	select {
	case r.q <- it:
		return true
	default:
		r.backlog.Add(-1)
		it.f.release()
		return false
	}
}

// start begins delivery once PLAY's response is out: frames offered from
// now on go to the worker. A TCP reader's writer goroutine first writes
// what was queued before; a UDP reader's queue moves to the worker.
//
// spawn runs a TCP reader's writer goroutine where Stop waits for it
// (runtime.goTracked); nil runs it untracked, for tests without a
// runtime. When spawn refuses (the server is stopping), the reader ends
// as if its writer had.
func (r *reader) start(spawn func(func()) bool) {
	r.started.Store(true)
	if r.udp == nil {
		if spawn == nil {
			go r.run()
		} else if !spawn(r.run) {
			close(r.done)
			return
		}
	}
	m := r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.udp != nil {
		for done := false; !done; {
			select {
			case it := <-r.q:
				r.backlog.Add(-1)
				m.stage(r, it.f, !it.f.rtcp && m.tracks[it.f.track].video)
				it.f.release()
			default:
				done = true
			}
		}
	}
	m.flushStage()
	r.live = true
}

func (r *reader) run() {
	defer close(r.done)
	for {
		// A stop wins over queued frames.
		select {
		case <-r.stop:
			r.drain(true)
			return
		default:
		}
		select {
		case it := <-r.q:
			err := r.write(it)
			if err == nil && !it.f.rtcp {
				r.stats.packets.Add(uint64(it.f.batch.Len()))
				r.stats.bytes.Add(uint64(it.f.bytes))
			}
			it.f.release()
			r.backlog.Add(-1)
			if err != nil {
				r.failed.Store(true)
				r.drain(false)
				if r.onFail != nil {
					r.onFail(err)
				}
				<-r.stop
				return
			}
		case <-r.stop:
			r.drain(true)
			return
		}
	}
}

// write writes one queued frame, or the rest of one.
func (r *reader) write(it queued) error {
	if it.rest {
		return r.c.finishRest()
	}
	return r.out.write(r, it.f)
}

// drain releases everything still queued. The rest of a frame the worker
// began is still written (with finish, on a connection that works), since
// the interleaved stream must not stop in the middle of a packet; without,
// it stays the connection's, for its next write.
func (r *reader) drain(finish bool) {
	for {
		select {
		case it := <-r.q:
			if it.rest && finish && !r.failed.Load() {
				_ = r.c.finishRest()
			}
			it.f.release()
			r.backlog.Add(-1)
		default:
			return
		}
	}
}

// close stops the writer and waits for it (bounded by the write timeout of
// the frame it may be writing). The reader must already be detached from its
// mount, so nothing is enqueued any more.
func (r *reader) close() {
	r.closeWithin(-1)
}

// closeWithin is close that gives up waiting after d (a negative d waits as
// long as it takes), for a writer stuck in a write to a player that does
// not read: it reports whether the writer finished cleanly. When it did
// not, the caller closes the transport, which ends the write at once.
// Once it returns, the worker sends r nothing more, so a BYE sent next is
// the last thing the player gets.
func (r *reader) closeWithin(d time.Duration) bool {
	r.stopped.Store(true)
	r.stopOnce.Do(func() {
		close(r.stop)
		if r.udp != nil {
			r.w.udpReaders.Add(-1)
		}
	})
	var expired <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	ok := true
	if r.w != nil {
		ok = r.w.quiesce(expired)
	}
	if ok && r.udp == nil && r.started.Load() {
		select {
		case <-r.done:
		case <-expired:
			ok = false
		}
	}
	if ok {
		r.drain(true)
	}
	if r.out != nil {
		r.out.close()
	}
	return ok && !r.failed.Load()
}

// stopWait is how long ending a session waits for its writer before
// closing the transport under it.
const stopWait = 300 * time.Millisecond
