package server

import (
	"context"
	"net"
)

// The idiomatic core, after net/http: NewServer (or New and InitConfig),
// NewStream for each stream, then ListenAndServe or Serve in a goroutine
// of the caller's, and Shutdown or Close to end. The board's Start and
// Stop are the same machinery without a context: Start serves in the
// background, Stop ends serving and may be followed by Start again.

// Serve serves RTSP on ln, which it owns (it is closed when serving ends,
// and on failure), until ctx ends, or Stop, Shutdown or Close is called.
// The server's UDP ports are opened as by Start. Like net/http's Serve it
// always returns a non-nil error: ErrServerClosed when serving ended
// because of Stop, Shutdown or Close; ctx.Err() when ctx ended (serving
// then stops as with Stop: players get an RTCP BYE, every goroutine has
// returned, and Serve or Start may serve again); otherwise why it could
// not start (ErrNotInitialized, ErrAlreadyStarted, ErrServerClosed,
// ErrPortInUse for the UDP ports...).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	run, err := s.startOn(ln)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		s.stopRun(run, true, false)
		return ctx.Err()
	case <-run.finished:
		return ErrServerClosed
	}
}

// ListenAndServe is Serve on a listener of Config.ListenAddress and
// Config.Port (as Start opens).
func (s *Server) ListenAndServe(ctx context.Context) error {
	s.mu.Lock()
	err := s.usable()
	cfg := s.cfg
	s.mu.Unlock()
	if err != nil {
		return err
	}
	ln, err := listen(&cfg)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Shutdown stops serving for good, gracefully: the listener closes,
// players get an RTCP BYE, each player's writer may finish the frame it is
// writing, and Shutdown returns once every goroutine and timer of the
// server has. When ctx ends first, every connection is cut at once (as by
// Close), Shutdown waits for the goroutines that this ends, and returns
// ctx.Err(). Serve then returns ErrServerClosed, and Serve, Start and
// writes to the streams return ErrServerClosed from then on; the streams
// stay until Deinit or Destroy. Shutdown of a server that is not serving
// only marks it closed.
func (s *Server) Shutdown(ctx context.Context) error {
	run, err := s.closing()
	if run == nil || err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.stopRun(run, true, true)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		run.abortConns()
		<-done
		return ctx.Err()
	}
}

// Close stops serving for good, at once: every connection is cut without
// a BYE, and Close returns once every goroutine and timer of the server
// has. Otherwise it is Shutdown.
func (s *Server) Close() error {
	run, err := s.closing()
	if run == nil || err != nil {
		return err
	}
	s.stopRun(run, false, true)
	return nil
}

// closing marks the server closed and returns what serves now, if
// anything.
func (s *Server) closing() (*runtime, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return nil, ErrDestroyed
	}
	s.closed = true
	s.setState()
	return s.run, nil
}
