// Package relay pushes a server's stream to a remote RTSP server (a media
// server that fans it out further: mediamtx, ZLMediaKit, SRS, another
// rtspkit with PublishPaths) with ANNOUNCE and RECORD, while the session
// goes on serving its own players.
//
// A push target is an outbound reader of the session (server.Stream
// .AddOutbound): it shares the session's per-frame packet batches with
// the players, so nothing is packetized twice, and its bounded queue means
// a slow or dead target loses whole frames up to the next keyframe and
// never holds up the camera or another reader. It connects in the
// background, and again with capped exponential backoff (100 ms doubling
// to 10 s) when the remote refuses or goes away; frames are dropped
// meanwhile, and the remote gets video from a keyframe on. Its counters
// are in the session's Stats (SessionStats.Pushes).
//
// It sits above server and client: the server knows nothing of RTSP
// clients, and the client nothing of the server.
package relay

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/server"
)

// Backoff bounds of a target's reconnection.
const (
	MinBackoff = 100 * time.Millisecond
	MaxBackoff = 10 * time.Second
)

// ErrBadURL: a push URL that is not rtsp://host[:port]/path.
var ErrBadURL = errors.New("relay: bad push URL")

// A Target is one push target of a session.
type Target struct {
	ob   *server.OutboundReader
	s    *sender
	once sync.Once
}

// Push pushes st to rawURL (rtsp://[user:pass@]host[:port]/path) until the
// Target is stopped or the stream closed. opt chooses the transport (TCP
// interleaved, or UDP; not multicast) and the credentials. It returns at
// once: connecting happens in the background. Several targets may push
// the same stream.
func Push(st *server.Stream, rawURL string, opt client.Options) (*Target, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !(strings.EqualFold(u.Scheme, "rtsp") || strings.EqualFold(u.Scheme, "rtsps")) || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q (want rtsp://host[:port]/path or rtsps://)", ErrBadURL, rawURL)
	}
	if opt.Transport == client.TransportMulticast {
		return nil, fmt.Errorf("%w: pushing goes over TCP or UDP, not multicast", ErrBadURL)
	}
	s := &sender{url: rawURL, shown: u.Redacted(), opt: opt, st: st, backoff: MinBackoff, stop: make(chan struct{})}
	ob, err := st.AddOutbound(s)
	if err != nil {
		return nil, err
	}
	return &Target{ob: ob, s: s}, nil
}

// Stop ends the target: a TEARDOWN goes to the remote when connected, and
// Stop returns once its goroutine has. Stopping twice is fine.
func (t *Target) Stop() {
	t.once.Do(func() {
		close(t.s.stop) // ends a connection attempt or a blocked write
		t.ob.Stop()
	})
}

// Stats returns the target's counters, as SessionStats.Pushes lists them.
func (t *Target) Stats() server.PushStats {
	st := t.s.PushStats()
	st.FramesDropped += t.ob.FramesDropped()
	return st
}

// sender writes an outbound reader's frames to the remote, connecting
// first when it must. A failure disconnects it; the frames that come
// meanwhile are dropped.
type sender struct {
	url, shown string
	opt        client.Options
	st         *server.Stream
	stop       chan struct{}

	// Owned by the outbound reader's goroutine.
	c       *client.Client
	needKey bool // video is dropped up to a keyframe (a stream with video)
	video   bool // the stream's track 0 is video
	backoff time.Duration
	nextTry time.Time

	connected atomic.Bool
	retries   atomic.Uint64
	packets   atomic.Uint64
	bytes     atomic.Uint64
	drops     atomic.Uint64
	lastErr   atomic.Pointer[string] // why the last attempt or connection failed
}

// WriteFrame implements server.Outbound.
func (s *sender) WriteFrame(f *server.OutFrame) {
	if s.c != nil {
		select {
		case <-s.c.Done():
			s.disconnect(s.c.Err())
		default:
		}
	}
	if s.c == nil && !s.connect() {
		if !f.RTCP() {
			s.drops.Add(1)
		}
		return
	}
	if f.RTCP() {
		if err := s.c.WriteRTCP(f.Track(), f.RTCPData()); err != nil {
			s.disconnect(err)
		}
		return
	}
	if s.needKey {
		// The remote starts at a keyframe of the video track (track 0).
		if f.Track() != 0 || !f.Keyframe() {
			s.drops.Add(1)
			return
		}
		s.needKey = false
	}
	if err := s.c.WriteRTPPackets(f.Track(), f); err != nil {
		s.disconnect(err)
		s.drops.Add(1)
		return
	}
	s.packets.Add(uint64(f.Len()))
	s.bytes.Add(uint64(f.Bytes()))
}

// Close implements server.Outbound: TEARDOWN when connected.
func (s *sender) Close() {
	if s.c == nil {
		return
	}
	select {
	case <-s.c.Done():
	default:
		_, _ = s.c.Teardown()
	}
	s.c.Close()
	s.c = nil
	s.connected.Store(false)
}

// PushStats implements server.OutboundStats.
func (s *sender) PushStats() server.PushStats {
	st := server.PushStats{URL: s.shown, Connected: s.connected.Load(), Retries: s.retries.Load(),
		Packets: s.packets.Load(), Bytes: s.bytes.Load(), FramesDropped: s.drops.Load()}
	if e := s.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// connect dials, announces the stream's formats, sets every track up and
// records, unless the backoff says to wait. It reports success.
func (s *sender) connect() bool {
	if time.Now().Before(s.nextTry) {
		return false
	}
	c, err := s.dial()
	if err != nil {
		s.retries.Add(1)
		s.setErr(err)
		s.nextTry = time.Now().Add(s.backoff)
		s.backoff = min(2*s.backoff, MaxBackoff)
		return false
	}
	s.c, s.needKey, s.backoff = c, s.video, MinBackoff
	s.connected.Store(true)
	return true
}

func (s *sender) dial() (*client.Client, error) {
	timeout := s.opt.Timeout
	if timeout <= 0 {
		timeout = client.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	formats, err := s.st.Formats()
	if err != nil {
		return nil, err
	}
	s.video = len(formats) > 0 && formats[0].Codec.Media() == "video"
	c, err := client.DialRecord(ctx, s.url, formats, s.opt)
	if err != nil {
		return nil, err
	}
	// Stop closes the connection under a blocked write.
	go func() {
		select {
		case <-s.stop:
			c.Close()
		case <-c.Done():
		}
	}()
	return c, nil
}

func (s *sender) disconnect(err error) {
	if err == nil {
		err = errors.New("the remote closed the connection")
	}
	s.setErr(err)
	s.retries.Add(1)
	s.c.Close()
	s.c = nil
	s.connected.Store(false)
}

func (s *sender) setErr(err error) {
	msg := err.Error()
	s.lastErr.Store(&msg)
}
