package server

import (
	"errors"
	"os"
	"time"
)

// waitReady waits, at most Config.DescribeWait, until m can be described
// completely (the parameter sets of its first keyframe, the configuration
// of its AAC). A DESCRIBE that comes before the camera's first keyframe
// would otherwise get an SDP without sprop-parameter-sets, which some
// players cannot start from. It returns why the DESCRIBE should fail ("":
// go on, with what is known when the wait times out).
//
// The connection is watched meanwhile: a client that hangs up ends the
// wait at once instead of pinning the connection for the whole of it.
// Only this connection's goroutine reads its socket, and it is here, so a
// helper goroutine may peek at the socket; it is waited for before
// waitReady returns, so it lives within the connection's goroutine.
func (c *conn) waitReady(m *mount) string {
	t := time.NewTimer(c.rt.cfg.DescribeWait)
	defer t.Stop()
	gone := make(chan struct{})
	watched := make(chan struct{})
	_ = c.nc.SetReadDeadline(time.Now().Add(c.rt.cfg.DescribeWait + time.Second))
	go func() {
		defer close(watched)
		// A byte (a pipelined request) is no reason to stop waiting; an
		// end of stream or a reset is.
		if _, err := c.br.Peek(1); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			close(gone)
		}
	}()
	defer func() {
		// End the peek (a deadline in the past) and wait for it; serve
		// sets the next deadline itself.
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		<-watched
	}()
	select {
	case <-m.ready:
	case <-t.C:
	case <-c.rt.done:
		return "shutting down"
	case <-gone:
		return "connection closed"
	}
	return ""
}
