package server

import (
	"sync"
	"sync/atomic"

	"github.com/rtspkit/rtspkit/rtp"
)

// A frame is the unit of fan-out: the RTP packets of one video access unit
// (or the part of one sent so far), of one call's worth of audio, or one
// RTCP compound. It is packetized once and shared read-only by every reader;
// a reference count returns it to a pool when the last reader has written
// it. Bodies in batch reference data, which the frame owns, so the caller's
// buffer is free as soon as SendVideoData returns.
type frame struct {
	track int  // index of the session track it belongs to
	key   bool // a decoder can start here (IDR/IRAP, a JPEG, any audio)
	rtcp  bool // batch holds one RTCP compound for the track's RTCP channel
	ts    uint32
	data  []byte
	batch rtp.Batch
	bytes int // wire size of all packets
	refs  atomic.Int32
}

// framePool keeps released frames for reuse with their buffers. It is a
// plain bounded free list rather than a sync.Pool, which the garbage
// collector empties: frames cycle through readers' queues constantly, and
// refilling a cleared pool would allocate a frame's worth of memory per
// frame, every GC cycle.
var framePool = struct {
	mu   sync.Mutex
	free []*frame
}{}

// maxPooledFrames bounds the free list (and so the memory it holds).
const maxPooledFrames = 1024

// newFrame returns an empty frame holding one reference.
func newFrame(track int) *frame {
	var f *frame
	framePool.mu.Lock()
	if n := len(framePool.free); n > 0 {
		f = framePool.free[n-1]
		framePool.free[n-1] = nil
		framePool.free = framePool.free[:n-1]
	}
	framePool.mu.Unlock()
	if f == nil {
		f = new(frame)
	}
	f.track = track
	f.key = false
	f.rtcp = false
	f.ts = 0
	f.data = f.data[:0]
	f.batch.Reset()
	f.bytes = 0
	f.refs.Store(1)
	return f
}

func (f *frame) retain() { f.refs.Add(1) }

func (f *frame) release() {
	if f.refs.Add(-1) == 0 {
		// Do not keep huge buffers alive in the pool.
		if cap(f.data) > 4<<20 {
			f.data = nil
		}
		framePool.mu.Lock()
		if len(framePool.free) < maxPooledFrames {
			framePool.free = append(framePool.free, f)
		}
		framePool.mu.Unlock()
	}
}

// seal computes the derived fields once packetizing is done.
func (f *frame) seal() {
	f.bytes = f.batch.TotalSize()
}
