// Package gortsplibrelay is gortsplib's example "server" for v4.16.2 as a
// reusable handler: a server that takes one publisher (ANNOUNCE makes a
// ServerStream of its description, RECORD writes every RTP packet it sends
// to that stream) and serves the stream to readers, the way media servers
// built on gortsplib (mediamtx) do. The load benchmark's relay rows
// measure it (cmd/benchserver-gortsplib -relay), and the interop tests
// publish into it.
package gortsplibrelay

import (
	"sync"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// Relay is a gortsplib.ServerHandler. Set Server before starting it; embed
// it to add the other callbacks (OnPlay and the like).
type Relay struct {
	Server *gortsplib.Server

	mu        sync.RWMutex
	stream    *gortsplib.ServerStream
	publisher *gortsplib.ServerSession

	// units counts the access units (marker packets) received.
	units atomic.Uint64
}

// Units returns the number of access units (RTP packets with the marker
// bit) received from publishers so far.
func (r *Relay) Units() uint64 { return r.units.Load() }

// Publishing reports whether a publisher's stream is being served.
func (r *Relay) Publishing() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.stream != nil
}

// OnSessionClose ends the stream when its publisher goes.
func (r *Relay) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stream != nil && ctx.Session == r.publisher {
		r.stream.Close()
		r.stream, r.publisher = nil, nil
	}
}

// OnDescribe serves the publisher's stream, 404 before there is one.
func (r *Relay) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, r.stream, nil
}

// OnAnnounce makes the stream of the publisher's description; a new
// publisher replaces the one before, as in gortsplib's example.
func (r *Relay) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stream != nil {
		r.stream.Close()
		r.publisher.Close()
	}
	st := &gortsplib.ServerStream{Server: r.Server, Desc: ctx.Description}
	if err := st.Initialize(); err != nil {
		r.stream, r.publisher = nil, nil
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	r.stream, r.publisher = st, ctx.Session
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSetup accepts the publisher's SETUPs and readers' SETUPs of the stream.
func (r *Relay) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, r.stream, nil
}

// OnPlay accepts every reader.
func (r *Relay) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnRecord writes every packet the publisher sends to the stream.
func (r *Relay) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	r.mu.RLock()
	st := r.stream
	r.mu.RUnlock()
	ctx.Session.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		if pkt.Marker {
			r.units.Add(1)
		}
		_ = st.WritePacketRTP(m, pkt) // a full write queue is the server's OnStreamWriteError
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
