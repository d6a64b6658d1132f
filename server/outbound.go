package server

import (
	"sync"

	"github.com/rtspkit/rtspkit/format"
)

// Outbound readers: a session's frames delivered to something that is not
// an RTSP player of this server, such as a push target that records the
// stream to a media server (package relay). An outbound reader is a reader
// like a player's: it shares the session's per-frame packet batches (a
// frame is packetized once whatever the number of readers), and its own
// bounded queue and goroutine mean a slow or dead outbound loses whole
// frames up to the next keyframe and never holds up the camera or another
// reader. It starts with the cached group of pictures, so its first video
// frame is a keyframe.

// An Outbound receives an outbound reader's frames. WriteFrame runs on the
// reader's own goroutine, one frame at a time, and may block: while it
// does, frames wait in the reader's queue (ReaderQueue), and when that is
// full whole frames are dropped up to the next keyframe. f is valid only
// during the call. Close is called once, from that goroutine, when the
// reader ends (Stop, the stream closing).
type Outbound interface {
	WriteFrame(f *OutFrame)
	Close()
}

// OutboundStats is an optional interface of an Outbound: its counters,
// listed in SessionStats.Pushes.
type OutboundStats interface {
	PushStats() PushStats
}

// PushStats are one push target's counters (SessionStats.Pushes).
type PushStats struct {
	// URL is where the session is pushed (without password).
	URL string
	// Connected reports that the target is recording now.
	Connected bool
	// Retries counts failed connection attempts and connections lost.
	Retries uint64
	// Packets and Bytes count the RTP packets and bytes sent.
	Packets, Bytes uint64
	// FramesDropped counts the frames the target lost: while
	// disconnected, waiting for a keyframe, or too slow (its queue full).
	FramesDropped uint64
	// LastError is why the last attempt or connection failed.
	LastError string
}

// OutFrame is one frame as an Outbound gets it: the RTP packets of one
// access unit (or of one call's audio) of a track, or one RTCP compound
// packet (a sender report) for it.
type OutFrame struct{ f *frame }

// Track is the session's track the frame belongs to (0 video, 1 audio).
func (o *OutFrame) Track() int { return o.f.track }

// RTCP reports an RTCP compound packet (RTCPData) rather than RTP packets.
func (o *OutFrame) RTCP() bool { return o.f.rtcp }

// Keyframe reports a frame a decoder can start at (IDR, IRAP, a JPEG, any
// audio).
func (o *OutFrame) Keyframe() bool { return o.f.key }

// Len is the number of RTP packets.
func (o *OutFrame) Len() int { return o.f.batch.Len() }

// AppendPacket appends RTP packet i to dst and returns it.
func (o *OutFrame) AppendPacket(dst []byte, i int) []byte { return o.f.batch.AppendPacket(dst, i) }

// Bytes is the size of all RTP packets.
func (o *OutFrame) Bytes() int { return o.f.bytes }

// RTCPData is the RTCP compound packet of an RTCP frame.
func (o *OutFrame) RTCPData() []byte { return o.f.data }

// An OutboundReader is an Outbound attached to a session (AddOutbound).
type OutboundReader struct {
	m    *mount
	r    *reader
	o    Outbound
	once sync.Once
}

// outboundSender adapts an Outbound to a reader's sender.
type outboundSender struct {
	o  Outbound
	of OutFrame
}

func (s *outboundSender) write(_ *reader, f *frame) error {
	s.of.f = f
	s.o.WriteFrame(&s.of)
	s.of.f = nil
	return nil
}

func (s *outboundSender) close() { s.o.Close() }

// Formats returns the formats of the stream's tracks as its SDP describes
// them now (the parameter sets once the stream has sent them): what an
// Outbound announces to a media server. It fails while the stream cannot
// be described yet (an AAC track before its first frame).
func (st *Stream) Formats() ([]format.Format, error) { return st.m.formats() }

// AddOutbound attaches o to the stream: it gets every frame from the
// cached group of pictures on, until Stop or until the stream closes.
func (st *Stream) AddOutbound(o Outbound) (*OutboundReader, error) {
	m := st.m
	r := newReader(m, &outboundSender{o: o}, m.cfg.ReaderQueue)
	for i := range r.tracks {
		r.tracks[i].setup = true
	}
	ob := &OutboundReader{m: m, r: r, o: o}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrStreamClosed
	}
	m.outbound = append(m.outbound, ob)
	m.mu.Unlock()
	m.addReader(r, true)
	r.start(nil)
	return ob, nil
}

// Stop detaches the outbound reader and waits for its goroutine (and the
// Outbound's Close). Stopping twice is fine.
func (ob *OutboundReader) Stop() {
	ob.once.Do(func() {
		ob.m.mu.Lock()
		for i, x := range ob.m.outbound {
			if x == ob {
				ob.m.outbound = append(ob.m.outbound[:i], ob.m.outbound[i+1:]...)
				break
			}
		}
		ob.m.mu.Unlock()
		ob.m.removeReader(ob.r)
		ob.r.close()
	})
}

// FramesDropped counts the frames the reader lost for being too slow (its
// queue full), whole frames up to the next keyframe.
func (ob *OutboundReader) FramesDropped() uint64 { return ob.r.stats.framesDropped.Load() }

// stopOutbound stops every outbound reader of a mount that is closing.
// Called with no lock held.
func (m *mount) stopOutbound() {
	m.mu.Lock()
	list := append([]*OutboundReader(nil), m.outbound...)
	m.mu.Unlock()
	for _, ob := range list {
		ob.Stop()
	}
}

// formats returns the mount's tracks' formats, as its SDP has them now.
func (m *mount) formats() ([]format.Format, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []format.Format
	for _, t := range m.tracks {
		var f format.Format
		var err error
		if t.video {
			f, err = m.vid.format()
		} else {
			f, err = m.aud.format()
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
