package server

import (
	"fmt"
	"sort"
)

// A Stream is a handle to one session (the board's word; an RTSP mount
// point): the idiomatic way to feed it. A camera loop holds it and calls
// WriteVideo and WriteAudio, which take no server-wide lock and look
// nothing up by name: the session's own lock is the only one on the path.
// SendVideoData(name, ...) and the board's other calls by name are thin
// adapters over a Stream. A Stream is safe for concurrent use; once
// closed (Close, DestroySession, Deinit) its writes return
// ErrStreamClosed.
type Stream struct {
	srv *Server
	m   *mount
}

// NewStream creates a session named name, reachable at URL(name), with the
// given video codec and audio codec (AudioNone for none), and returns its
// handle. It is CreateSessionWithAudio returning the handle; the board's
// spellings of the codecs are accepted ("h264", "0", "ulaw"...). VideoNone
// with an audio codec makes an audio-only session (an intercom, a
// microphone): players get live audio, there being no picture to start
// from, and WriteVideo returns ErrNoVideo.
func (s *Server) NewStream(name string, video VideoType, audio AudioType) (*Stream, error) {
	return s.newStream(name, video, audio, false)
}

// newStream is NewStream, with the audio backchannel when back.
func (s *Server) newStream(name string, video VideoType, audio AudioType, back bool) (*Stream, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	var err error
	if video != VideoNone {
		if video, err = ParseVideoType(string(video)); err != nil {
			return nil, err
		}
	}
	if audio, err = ParseAudioType(string(audio)); err != nil {
		return nil, err
	}
	if video == VideoNone && audio == AudioNone {
		return nil, fmt.Errorf("%w: a session carries video, audio or both", ErrUnknownVideoType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	if _, ok := s.mounts[name]; ok {
		return nil, fmt.Errorf("%w: %q", ErrSessionExists, name)
	}
	m := newMount(name, video, audio, &s.cfg)
	m.backchannel = back
	s.mounts[name] = m
	return &Stream{srv: s, m: m}, nil
}

// StreamNames returns the names of the server's sessions, board sessions
// and publishers' alike, sorted: what an ONVIF media service lists as
// profiles, for example.
func (s *Server) StreamNames() []string {
	s.mu.Lock()
	names := make([]string, 0, len(s.mounts))
	for name := range s.mounts {
		names = append(names, name)
	}
	s.mu.Unlock()
	sort.Strings(names)
	return names
}

// Stream returns the handle of an existing session, such as one made by
// CreateSession.
func (s *Server) Stream(name string) (*Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return nil, err
	}
	m, ok := s.mounts[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSession, name)
	}
	return &Stream{srv: s, m: m}, nil
}

// Name returns the session's name, the path of its URL.
func (st *Stream) Name() string { return st.m.name }

// WriteVideo hands encoded video to the stream; see SendVideoData for what
// data and timestamp hold. It returns ErrStopped while the server is
// stopped, ErrServerClosed after Shutdown or Close, ErrStreamClosed once
// the stream is closed, and ErrBadMedia or ErrMediaTooLarge for data that
// is dropped.
func (st *Stream) WriteVideo(data []byte, timestamp uint64) error {
	if err := st.srv.sendErr.Load(); err != nil {
		return *err
	}
	return st.m.sendVideo(data, timestamp)
}

// WriteAudio hands encoded audio to the stream; see SendAudioData. A
// stream without audio returns ErrNoAudio.
func (st *Stream) WriteAudio(data []byte, timestamp uint64) error {
	if err := st.srv.sendErr.Load(); err != nil {
		return *err
	}
	return st.m.sendAudio(data, timestamp)
}

// Stats returns the stream's counters and its readers'; see Server.Stats.
func (st *Stream) Stats() (SessionStats, error) {
	st.srv.mu.Lock()
	err := st.srv.usable()
	run := st.srv.run
	st.srv.mu.Unlock()
	if err != nil {
		return SessionStats{}, err
	}
	if st.m.isClosed() {
		return SessionStats{}, ErrStreamClosed
	}
	return st.m.stats(run), nil
}

// URL returns the address a player opens for the stream; see Server.URL.
func (st *Stream) URL() (string, error) { return st.srv.URL(st.m.name) }

// Close removes the stream (DestroySession): its players get an RTCP BYE
// and are disconnected, and its timers have stopped when Close returns.
// Closing a closed stream returns ErrStreamClosed.
func (st *Stream) Close() error {
	s := st.srv
	s.mu.Lock()
	if err := s.usable(); err != nil {
		s.mu.Unlock()
		return err
	}
	if s.mounts[st.m.name] != st.m {
		s.mu.Unlock()
		return ErrStreamClosed
	}
	delete(s.mounts, st.m.name)
	run := s.run
	s.mu.Unlock()
	st.m.stopOutbound()
	readers := st.m.close()
	if run != nil {
		run.endMount(st.m, readers)
	}
	st.m.waitTimers()
	return nil
}
