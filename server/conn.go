package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// conn is one RTSP control connection. Its goroutine reads requests (and,
// for TCP transport, the client's interleaved RTCP); responses and
// interleaved media share the socket under wmu.
type conn struct {
	rt  *runtime
	nc  net.Conn
	raw *rawWriter    // the fan-out's non-blocking writes (under wmu); nil: none
	br  *bufio.Reader // the socket's reader, used by serve's goroutine only
	rd  *rtsp.Reader
	wmu sync.Mutex
	// deadlineSet is when the write deadline was last moved (under wmu).
	deadlineSet time.Time
	// rest is the unwritten end of a frame a fan-out worker began on the
	// socket (tryWriteWire), restF the frame it belongs to (a reference
	// held until it is written): every write under wmu writes it first
	// (flushRest), whoever does it. Guarded by wmu.
	rest  []byte
	restF *frame
	// secure: the connection is RTSPS (Config.TLS): media must stay
	// inside it (TCP interleaved only).
	secure bool
	// coalesce: the connection is not a plain TCP socket (TLS, an HTTP
	// tunnel), which would turn each of a frame's buffers into a write of
	// its own (three per packet, and a TLS record each): writeData joins
	// them first.
	coalesce bool
	joined   []byte // writeData's buffer when coalescing (under wmu)
	// handedOff: the socket now belongs to an HTTP tunnel (the POST half,
	// tunnel.go), so serve must not close it when it returns.
	handedOff bool

	created time.Time
	busy    atomic.Bool // a request is being read or answered

	closeOnce sync.Once
	// sessions created on this connection, ended when it closes
	smu      sync.Mutex
	sessions map[string]*rtspSession
	// nsess is len(sessions), readable without smu (evictable runs under
	// the runtime's lock, which takes no other).
	nsess atomic.Int32
	// pubs are the presentations announced on this connection, by path;
	// each ends when the connection does (publish.go).
	pmu  sync.Mutex
	pubs map[string]*publication
	// user is the authenticated user name, once known (set by
	// authenticate, read by the same goroutine): recorded on the sessions
	// this connection creates, and compared when another connection asks
	// to control one of them (owns).
	user string
}

func newConn(rt *runtime, nc net.Conn) *conn {
	if tc := tcpConn(nc); tc != nil {
		_ = tc.SetNoDelay(true)
	}
	_, secure := nc.(*tls.Conn)
	_, plain := nc.(*net.TCPConn)
	// A TLS connection has no descriptor to write to directly (raw is
	// nil): its media goes through the TLS writer, coalesced (writeData).
	return &conn{rt: rt, nc: nc, raw: newRawWriter(nc), secure: secure, coalesce: !plain,
		sessions: make(map[string]*rtspSession), pubs: make(map[string]*publication), created: time.Now()}
}

// tcpConn is the TCP connection under nc, a plain one or TLS's; nil for
// anything else.
func tcpConn(nc net.Conn) *net.TCPConn {
	if t, ok := nc.(*tls.Conn); ok {
		nc = t.NetConn()
	}
	tc, _ := nc.(*net.TCPConn)
	return tc
}

func (c *conn) close() {
	c.closeOnce.Do(func() { c.nc.Close() })
}

// abort closes the connection at once, discarding what the kernel still
// holds for a player that stopped reading (RST instead of FIN), so a
// dropped reader frees its socket buffer immediately.
func (c *conn) abort() {
	if tc := tcpConn(c.nc); tc != nil {
		_ = tc.SetLinger(0)
	}
	c.close()
}

// serve reads until the connection ends, then ends its sessions.
func (c *conn) serve() {
	log := c.rt.cfg.Logger
	log.Debug("rtsp connection", "remote", c.nc.RemoteAddr().String())
	defer func() {
		log.Debug("rtsp connection closed", "remote", c.nc.RemoteAddr().String())
		if c.handedOff {
			return // the socket is an HTTP tunnel's now (it has no session)
		}
		c.close()
		c.dropRest()
		c.smu.Lock()
		list := make([]*rtspSession, 0, len(c.sessions))
		for _, s := range c.sessions {
			list = append(list, s)
		}
		c.smu.Unlock()
		for _, s := range list {
			c.rt.endSession(s, true)
		}
		c.endPublications()
	}()
	if t, ok := c.nc.(*tls.Conn); ok {
		// The handshake, within the time a request's header gets (a
		// client that opens and says nothing, or speaks plain RTSP to
		// the TLS port, goes away here).
		ctx, cancel := context.WithTimeout(context.Background(), c.rt.cfg.ReadHeaderTimeout)
		err := t.HandshakeContext(ctx)
		cancel()
		if err != nil {
			log.Debug("rtsps handshake", "remote", c.nc.RemoteAddr().String(), "err", err)
			return
		}
	}
	br := bufio.NewReaderSize(c.nc, 4096)
	c.br = br
	cfg := c.rt.cfg
	if _, ok := c.nc.(*tunnelConn); !ok {
		// RTSP over HTTP begins with an HTTP request (tunnel.go). The
		// first byte may take as long as the loop below allows; the rest
		// of the first five, the time a request's head gets.
		_ = c.nc.SetReadDeadline(time.Now().Add(c.idleTimeout()))
		if _, err := br.Peek(1); err != nil {
			return
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(cfg.ReadHeaderTimeout))
		if first, err := br.Peek(5); err == nil && rtsp.LooksLikeHTTP(first) {
			c.serveTunnel(br)
			return
		}
	}
	c.rd = rtsp.NewReader(br, rtsp.Limits{})
	for {
		// Wait for the first byte of the next message as long as the
		// connection may idle (a playing TCP session sends only RTCP),
		// then give the whole message ReadHeaderTimeout (slowloris).
		_ = c.nc.SetReadDeadline(time.Now().Add(c.idleTimeout()))
		if _, err := br.Peek(1); err != nil {
			return
		}
		c.busy.Store(true)
		_ = c.nc.SetReadDeadline(time.Now().Add(cfg.ReadHeaderTimeout))
		msg, err := c.rd.Read()
		if err != nil {
			if code := rtsp.StatusForError(err); code != 0 {
				resp := rtsp.NewResponse(nil, code)
				_ = c.writeResponse(resp)
			}
			if !errors.Is(err, io.EOF) {
				cfg.Logger.Debug("rtsp read", "remote", c.nc.RemoteAddr().String(), "err", err)
			}
			return
		}
		switch msg.Kind {
		case rtsp.KindRequest:
			resp, after := c.handle(msg.Request)
			if err := c.writeResponse(resp); err != nil {
				return
			}
			if after != nil {
				after()
			}
			if resp.Header.Get("Connection") == "close" {
				return
			}
		case rtsp.KindFrame:
			c.onFrame(msg.Channel, msg.Payload)
		case rtsp.KindResponse:
			// A client answering something we never send: ignore.
		}
		c.busy.Store(false)
	}
}

// touchSessions keeps the sessions created on this connection alive.
func (c *conn) touchSessions() {
	c.smu.Lock()
	defer c.smu.Unlock()
	for _, s := range c.sessions {
		s.touch()
	}
}

// evictable reports whether the connection may be closed to make room for
// a new one: it has no session and is not in the middle of a request.
func (c *conn) evictable() bool {
	return !c.busy.Load() && c.nsess.Load() == 0
}

// idleTimeout is how long the connection may stay silent between messages.
func (c *conn) idleTimeout() time.Duration {
	if c.nsess.Load() > 0 {
		// Past the session timeout the reaper ends the sessions first.
		return c.rt.cfg.SessionTimeout + c.rt.cfg.ReadHeaderTimeout
	}
	// A fresh connection gets a little longer than one request's budget;
	// a player between requests is usually much faster than that.
	return 2 * c.rt.cfg.ReadHeaderTimeout
}

// onFrame handles interleaved data from the client: RTCP receiver reports on
// an odd channel of one of its sessions. Frames on channels no session of
// this connection set up are ignored (and cost nothing).
func (c *conn) onFrame(ch uint8, payload []byte) {
	// The sessions are listed under smu and asked after it is released:
	// no lock is taken while holding another (doc.go).
	var list [maxSessionsPerConn]*rtspSession
	c.smu.Lock()
	n := 0
	for _, x := range c.sessions {
		if n < len(list) {
			list[n] = x
			n++
		}
	}
	c.smu.Unlock()
	for _, s := range list[:n] {
		if i := s.trackForRTCPChannel(ch); i >= 0 {
			if s.back != nil && i == len(s.m.tracks) && s.isRTPChannel(i, ch) {
				s.touch()
				s.back.push(payload, time.Now(), false)
				return
			}
			if s.pub != nil && s.isRTPChannel(i, ch) {
				s.touch()
				s.pub.tracks[i].push(payload, time.Now(), false)
				return
			}
			s.onRTCP(i, payload)
			return
		}
	}
}

func (c *conn) writeResponse(resp *rtsp.Response) error {
	resp.Header.Set("Server", serverName)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	now := time.Now()
	_ = c.nc.SetWriteDeadline(now.Add(c.rt.cfg.WriteTimeout))
	c.deadlineSet = now
	if err := c.flushRest(); err != nil {
		return err
	}
	err := resp.Write(c.nc)
	if err != nil {
		c.close()
	}
	return err
}

// writeData writes interleaved packets; a write that cannot finish within
// WriteTimeout closes the connection (the reader is too slow).
func (c *conn) writeData(b *net.Buffers) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.dataDeadline()
	if err := c.flushRest(); err != nil {
		return err
	}
	var err error
	if c.coalesce {
		c.joined = c.joined[:0]
		for _, p := range *b {
			c.joined = append(c.joined, p...)
		}
		_, err = c.nc.Write(c.joined)
		if cap(c.joined) > 1<<20 {
			c.joined = nil // not kept after a huge frame
		}
	} else {
		_, err = b.WriteTo(c.nc)
	}
	if err != nil {
		c.abort()
	}
	return err
}

// writeWire is writeData for one ready-made buffer; an empty b writes only
// the connection's pending rest (finishRest).
func (c *conn) writeWire(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.dataDeadline()
	if err := c.flushRest(); err != nil || len(b) == 0 {
		return err
	}
	_, err := c.nc.Write(b)
	if err != nil {
		c.abort()
	}
	return err
}

// finishRest writes the rest of a frame a worker began, if nobody has yet:
// what a reader's writer does for a queued frame marked rest.
func (c *conn) finishRest() error { return c.writeWire(nil) }

// flushRest writes the pending rest of a begun frame, if any. Called with
// wmu held; a failed write aborts the connection.
func (c *conn) flushRest() error {
	if c.rest == nil {
		return nil
	}
	_, err := c.nc.Write(c.rest)
	c.restF.release()
	c.rest, c.restF = nil, nil
	if err != nil {
		c.abort()
	}
	return err
}

// dropRest releases a rest that will never be written (the connection
// has ended).
func (c *conn) dropRest() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.restF != nil {
		c.restF.release()
	}
	c.rest, c.restF = nil, nil
}

// dataDeadline keeps the write deadline between 3/4 and 1 WriteTimeout
// ahead, moving it only when a quarter has passed: setting it costs a timer
// update, and frames come 25 or more times a second. Called with wmu held.
func (c *conn) dataDeadline() {
	if now := time.Now(); now.Sub(c.deadlineSet) > c.rt.cfg.WriteTimeout/4 {
		_ = c.nc.SetWriteDeadline(now.Add(c.rt.cfg.WriteTimeout))
		c.deadlineSet = now
	}
}

// maxSessionsPerConn bounds the RTSP sessions one connection may hold (a
// player needs one per stream it plays).
const maxSessionsPerConn = 16

func (c *conn) sessionCount() int { return int(c.nsess.Load()) }

func (c *conn) addSession(s *rtspSession) {
	c.smu.Lock()
	c.sessions[s.id] = s
	c.nsess.Store(int32(len(c.sessions)))
	c.smu.Unlock()
}

func (c *conn) removeSession(s *rtspSession) {
	c.smu.Lock()
	delete(c.sessions, s.id)
	c.nsess.Store(int32(len(c.sessions)))
	c.smu.Unlock()
}

const serverName = "rtspkit"
