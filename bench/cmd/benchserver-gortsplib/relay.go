package main

import (
	"sync"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/pion/rtp"
)

// relayHandler is gortsplib's example "server" for v4.16.2 (one stream,
// made by the publisher's ANNOUNCE and fed by its RECORD), with the
// counters of handler: readers playing and write queue overflows.
type relayHandler struct {
	*handler
	server *gortsplib.Server

	smu       sync.RWMutex
	stream    *gortsplib.ServerStream
	publisher *gortsplib.ServerSession

	// published counts the access units (marker packets) received.
	published atomic.Uint64
}

func (r *relayHandler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	r.handler.OnSessionClose(ctx)
	r.smu.Lock()
	defer r.smu.Unlock()
	if r.stream != nil && ctx.Session == r.publisher {
		r.stream.Close()
		r.stream = nil
	}
}

func (r *relayHandler) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	r.smu.RLock()
	defer r.smu.RUnlock()
	if r.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, r.stream, nil
}

func (r *relayHandler) OnAnnounce(ctx *gortsplib.ServerHandlerOnAnnounceCtx) (*base.Response, error) {
	r.smu.Lock()
	defer r.smu.Unlock()
	if r.stream != nil {
		r.stream.Close()
		r.publisher.Close()
	}
	st := &gortsplib.ServerStream{Server: r.server, Desc: ctx.Description}
	if err := st.Initialize(); err != nil {
		return &base.Response{StatusCode: base.StatusBadRequest}, err
	}
	r.stream, r.publisher = st, ctx.Session
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (r *relayHandler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if ctx.Session.State() == gortsplib.ServerSessionStatePreRecord {
		return &base.Response{StatusCode: base.StatusOK}, nil, nil
	}
	r.smu.RLock()
	defer r.smu.RUnlock()
	if r.stream == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, r.stream, nil
}

func (r *relayHandler) OnRecord(ctx *gortsplib.ServerHandlerOnRecordCtx) (*base.Response, error) {
	r.smu.RLock()
	st := r.stream
	r.smu.RUnlock()
	ctx.Session.OnPacketRTPAny(func(medi *description.Media, _ format.Format, pkt *rtp.Packet) {
		if pkt.Marker {
			r.published.Add(1)
		}
		_ = st.WritePacketRTP(medi, pkt) // a full queue is counted by OnStreamWriteError
	})
	return &base.Response{StatusCode: base.StatusOK}, nil
}
