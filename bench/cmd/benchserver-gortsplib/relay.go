package main

import (
	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"

	"github.com/rtspkit/rtspkit/bench/internal/gortsplibrelay"
)

// relayHandler is gortsplib's example relay server (gortsplibrelay) with
// the counters of handler: readers playing and write queue overflows.
type relayHandler struct {
	*gortsplibrelay.Relay
	h *handler
}

func (r *relayHandler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	r.h.OnSessionClose(ctx)
	r.Relay.OnSessionClose(ctx)
}

func (r *relayHandler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	return r.h.OnPlay(ctx)
}

func (r *relayHandler) OnStreamWriteError(ctx *gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	r.h.OnStreamWriteError(ctx)
}
