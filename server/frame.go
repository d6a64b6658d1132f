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

var framePool = sync.Pool{New: func() any { return new(frame) }}

// newFrame returns an empty frame holding one reference.
func newFrame(track int) *frame {
	f := framePool.Get().(*frame)
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
		framePool.Put(f)
	}
}

// seal computes the derived fields once packetizing is done.
func (f *frame) seal() {
	f.bytes = f.batch.TotalSize()
}
