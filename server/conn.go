package server

import (
	"bufio"
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
	raw *rawWriter // the fan-out's non-blocking writes (under wmu); nil: none
	rd  *rtsp.Reader
	wmu sync.Mutex
	// deadlineSet is when the write deadline was last moved (under wmu).
	deadlineSet time.Time

	created time.Time
	busy    atomic.Bool // a request is being read or answered

	closeOnce sync.Once
	// sessions created on this connection, ended when it closes
	smu      sync.Mutex
	sessions map[string]*rtspSession
	// user is the authenticated user name, once known (set by
	// authenticate, read by the same goroutine): recorded on the sessions
	// this connection creates, and compared when another connection asks
	// to control one of them (owns).
	user string
}

func newConn(rt *runtime, nc net.Conn) *conn {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &conn{rt: rt, nc: nc, raw: newRawWriter(nc), sessions: make(map[string]*rtspSession), created: time.Now()}
}

func (c *conn) close() {
	c.closeOnce.Do(func() { c.nc.Close() })
}

// abort closes the connection at once, discarding what the kernel still
// holds for a player that stopped reading (RST instead of FIN), so a
// dropped reader frees its socket buffer immediately.
func (c *conn) abort() {
	if tc, ok := c.nc.(*net.TCPConn); ok {
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
		c.close()
		c.smu.Lock()
		list := make([]*rtspSession, 0, len(c.sessions))
		for _, s := range c.sessions {
			list = append(list, s)
		}
		c.smu.Unlock()
		for _, s := range list {
			c.rt.endSession(s, true)
		}
	}()
	br := bufio.NewReaderSize(c.nc, 4096)
	c.rd = rtsp.NewReader(br, rtsp.Limits{})
	cfg := c.rt.cfg
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

// evictable reports whether the connection may be closed to make room for
// a new one: it has no session and is not in the middle of a request.
func (c *conn) evictable() bool {
	if c.busy.Load() {
		return false
	}
	c.smu.Lock()
	defer c.smu.Unlock()
	return len(c.sessions) == 0
}

// idleTimeout is how long the connection may stay silent between messages.
func (c *conn) idleTimeout() time.Duration {
	c.smu.Lock()
	n := len(c.sessions)
	c.smu.Unlock()
	if n > 0 {
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
	c.smu.Lock()
	var s *rtspSession
	track := -1
	for _, x := range c.sessions {
		if i := x.trackForRTCPChannel(ch); i >= 0 {
			s, track = x, i
			break
		}
	}
	c.smu.Unlock()
	if s == nil {
		return
	}
	s.onRTCP(track, payload)
}

func (c *conn) writeResponse(resp *rtsp.Response) error {
	resp.Header.Set("Server", serverName)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	now := time.Now()
	_ = c.nc.SetWriteDeadline(now.Add(c.rt.cfg.WriteTimeout))
	c.deadlineSet = now
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
	_, err := b.WriteTo(c.nc)
	if err != nil {
		c.abort()
	}
	return err
}

// writeWire is writeData for one ready-made buffer.
func (c *conn) writeWire(b []byte) error {
	c.wmu.Lock()
	return c.writeWireUnlock(b)
}

// writeWireUnlock writes b with wmu held, then releases wmu.
func (c *conn) writeWireUnlock(b []byte) error {
	defer c.wmu.Unlock()
	c.dataDeadline()
	_, err := c.nc.Write(b)
	if err != nil {
		c.abort()
	}
	return err
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

func (c *conn) sessionCount() int {
	c.smu.Lock()
	defer c.smu.Unlock()
	return len(c.sessions)
}

func (c *conn) addSession(s *rtspSession) {
	c.smu.Lock()
	c.sessions[s.id] = s
	c.smu.Unlock()
}

func (c *conn) removeSession(s *rtspSession) {
	c.smu.Lock()
	delete(c.sessions, s.id)
	c.smu.Unlock()
}

const serverName = "rtspkit"
