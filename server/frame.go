package server

import (
	"sync"
	"sync/atomic"

	"github.com/rtspkit/rtspkit/rtp"
)

// A frame is the unit of fan-out: the RTP packets of one video access unit
// (or the part of one sent so far), of one call's worth of audio, or one
// RTCP compound. It is packetized once and shared read-only by every reader;
// a reference count returns it to its mount's pool when the last reader has
// written it. Bodies in batch reference data, which the frame owns, so the
// caller's buffer is free as soon as SendVideoData returns.
type frame struct {
	pool  *framePool
	track int  // index of the session track it belongs to
	key   bool // a decoder can start here (IDR/IRAP, a JPEG, any audio)
	rtcp  bool // data holds one RTCP compound for the track's RTCP channel
	ts    uint32
	data  []byte
	batch rtp.Batch
	bytes int // wire size of all packets
	// wire is every packet behind its interleaved header on channel
	// 2*track, the channel players ask for: a TCP reader on that channel
	// writes the frame with one plain write of one buffer.
	wire []byte
	refs atomic.Int32
}

// framePool keeps a mount's released frames for reuse with their buffers.
// It is a plain bounded free list rather than a sync.Pool, which the
// garbage collector empties: frames cycle through readers' queues
// constantly, and refilling a cleared pool would allocate a frame's worth of
// memory per frame, every GC cycle. It holds at most maxPooledFrames frames
// and maxPooledBytes of buffers, and nothing once its mount is closed.
type framePool struct {
	mu     sync.Mutex
	free   []*frame
	bytes  int
	closed bool
}

// Bounds of one mount's pool.
const (
	maxPooledFrames = 512
	maxPooledBytes  = 32 << 20
)

// get returns an empty frame holding one reference.
func (p *framePool) get(track int) *frame {
	var f *frame
	p.mu.Lock()
	if n := len(p.free); n > 0 {
		f = p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.bytes -= cap(f.data) + cap(f.wire)
	}
	p.mu.Unlock()
	if f == nil {
		f = &frame{pool: p}
	}
	f.track = track
	f.key = false
	f.rtcp = false
	f.ts = 0
	f.data = f.data[:0]
	f.batch.Reset()
	f.bytes = 0
	f.wire = f.wire[:0]
	f.refs.Store(1)
	return f
}

func (p *framePool) put(f *frame) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) >= maxPooledFrames {
		return
	}
	if p.bytes+cap(f.data)+cap(f.wire) > maxPooledBytes {
		f.data, f.wire = nil, nil // keep the struct and batch, not the big buffers
	}
	p.bytes += cap(f.data) + cap(f.wire)
	p.free = append(p.free, f)
}

// close empties the pool and makes it keep nothing from now on.
func (p *framePool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	clear(p.free)
	p.free = nil
	p.bytes = 0
}

func (f *frame) retain() { f.refs.Add(1) }

func (f *frame) release() {
	if f.refs.Add(-1) == 0 {
		f.pool.put(f)
	}
}

// seal computes the derived fields once packetizing is done.
func (f *frame) seal() {
	f.bytes = f.batch.TotalSize()
	w := f.wire[:0]
	ch := byte(2 * f.track)
	for i := 0; i < f.batch.Len(); i++ {
		n := f.batch.Size(i)
		w = append(w, '$', ch, byte(n>>8), byte(n))
		w = f.batch.AppendPacket(w, i)
	}
	f.wire = w
}

// wireChannel is the interleaved channel f.wire is framed for.
func (f *frame) wireChannel() uint8 { return uint8(2 * f.track) }
