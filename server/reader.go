package server

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A reader receives one mount's frames for one RTSP session (or, for
// multicast, for every multicast session of the mount together). It has a
// bounded queue and one writer goroutine: the publisher only ever enqueues
// without blocking, so a slow reader can never hold up the camera or the
// other readers. When the queue is full the reader loses the frame, and then
// every video frame up to the next keyframe, so its decoder never sees half a
// picture or a picture whose references are missing.
type reader struct {
	m      *mount
	tracks []readerTrack // indexed like m.tracks
	out    sender
	q      chan *frame

	needKey bool   // guarded by m.mu: skip video until a keyframe
	srSent  []bool // guarded by m.mu: a sender report went out, per track

	failed   atomic.Bool // a write failed: the transport is gone
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
	onFail   func(error) // called once from the writer when writing fails

	stats readerStats
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
	// From the client's RTCP receiver reports (RFC 3550 §6.4.2).
	fractionLost atomic.Uint32 // 8-bit fixed point, as in the report
	totalLost    atomic.Int64
	jitter       atomic.Uint32 // timestamp units
	lastRR       atomic.Int64  // unix nanoseconds
}

// sender writes frames to one reader's transport.
type sender interface {
	// write sends every packet of f; it may block up to the write timeout.
	write(r *reader, f *frame) error
	// close releases what the sender owns (not shared sockets).
	close()
}

func newReader(m *mount, out sender, queue int) *reader {
	return &reader{
		m:      m,
		tracks: make([]readerTrack, len(m.tracks)),
		srSent: make([]bool, len(m.tracks)),
		out:    out,
		q:      make(chan *frame, queue),
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
		i := f.track
		time.AfterFunc(resyncReport, func() {
			r.m.mu.Lock()
			defer r.m.mu.Unlock()
			for _, x := range r.m.readers {
				if x == r {
					r.sendReport(i)
				}
			}
		})
	}
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

// enqueue puts f in the queue, or counts it lost when the queue is full
// (and, for video, skips to the next keyframe).
func (r *reader) enqueue(f *frame, video bool) bool {
	f.retain()
	select {
	case r.q <- f:
		return true
	default:
		f.release()
		r.stats.framesDropped.Add(1)
		if video {
			r.needKey = true
		}
		return false
	}
}

// start runs the writer goroutine.
func (r *reader) start() {
	go r.run()
}

func (r *reader) run() {
	defer close(r.done)
	for {
		// A stop wins over queued frames.
		select {
		case <-r.stop:
			r.drain()
			return
		default:
		}
		select {
		case f := <-r.q:
			err := r.out.write(r, f)
			if err == nil && !f.rtcp {
				r.stats.packets.Add(uint64(f.batch.Len()))
				r.stats.bytes.Add(uint64(f.bytes))
			}
			f.release()
			if err != nil {
				r.failed.Store(true)
				r.drain()
				if r.onFail != nil {
					r.onFail(err)
				}
				<-r.stop
				return
			}
		case <-r.stop:
			r.drain()
			return
		}
	}
}

// drain releases everything still queued.
func (r *reader) drain() {
	for {
		select {
		case f := <-r.q:
			f.release()
		default:
			return
		}
	}
}

// close stops the writer and waits for it (bounded by the write timeout of
// the frame it may be writing). The reader must already be detached from its
// mount, so nothing is enqueued any more.
func (r *reader) close() {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	r.drain()
	r.out.close()
}

// closeWithin is close that gives up waiting after d, for a writer stuck
// in a write to a player that does not read: it reports whether the writer
// finished cleanly. When it did not, the caller closes the transport, which
// ends the write at once.
func (r *reader) closeWithin(d time.Duration) bool {
	r.stopOnce.Do(func() { close(r.stop) })
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.done:
		r.drain()
		r.out.close()
		return !r.failed.Load()
	case <-t.C:
	}
	r.out.close()
	return false
}

// stopWait is how long ending a session waits for its writer before
// closing the transport under it.
const stopWait = 300 * time.Millisecond
