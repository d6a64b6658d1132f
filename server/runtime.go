package server

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/auth"
)

// runtime is everything that exists only while a Server is started: the
// listener, the UDP sockets, the connections, the RTSP sessions and the
// background goroutines. Stop shuts it down and waits for all of it.
type runtime struct {
	srv  *Server
	cfg  *Config
	ln   net.Listener
	port int
	udp  *udpPair
	fan  *fanout // sends every playing reader's frames

	mu        sync.Mutex
	conns     map[*conn]struct{}
	sessions  map[string]*rtspSession
	byAddr    map[netip.AddrPort]*rtspSession // UDP RTCP source -> session
	byRTP     map[netip.AddrPort]pubSource    // UDP publisher's RTP source -> session, track
	natByIP   map[netip.Addr][]natCandidate   // UDP players that may learn their ports (nat.go)
	mcast     map[*mount]*multicastGroup      // IPv4 groups
	mcast6    map[*mount]*multicastGroup      // IPv6 groups
	mcastIdx  int                             // groups handed out of MulticastRange
	mcastIdx6 int                             // groups handed out of MulticastRange6
	tunnels   map[string]chan tunnelHalf      // RTSP over HTTP: GETs waiting for their POST, by cookie
	closing   bool

	backoff auth.Backoff // slows down repeated wrong credentials

	// begun counts the frames a fan-out worker began on a TCP socket and
	// left the rest of to the connection (conn.rest), for tests.
	begun atomic.Uint64

	wg       sync.WaitGroup
	done     chan struct{} // closed when shutdown begins
	finished chan struct{} // closed when shutdown has waited for everything
}

// listen opens the RTSP listener of cfg: ListenAddress:Port.
func listen(cfg *Config) (net.Listener, error) {
	addr := net.JoinHostPort(cfg.ListenAddress, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if isAddrInUse(err) {
			return nil, fmt.Errorf("%w: %s: %v", ErrPortInUse, addr, err)
		}
		return nil, fmt.Errorf("rtsp server: listen %s: %w", addr, err)
	}
	return ln, nil
}

// startRuntime starts serving on ln, which it owns from then on (it is
// closed on failure too).
func startRuntime(s *Server, ln net.Listener) (*runtime, error) {
	cfg := &s.cfg
	udpHost := cfg.ListenAddress
	if ip, err := netip.ParseAddr(udpHost); err == nil && ip.Is6() && !ip.Is4In6() {
		// An IPv6 listen address: IPv4 players cannot reach the RTSP
		// port, so the IPv4 pair needs nothing but to exist, on the
		// loopback (all addresses for "::", which is dual-stack).
		udpHost = "127.0.0.1"
		if ip.IsUnspecified() {
			udpHost = ""
		}
	}
	u, err := listenUDPPair(udpHost, cfg.UDPPortMin, cfg.UDPPortMax)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if err := u.setMulticast(cfg.MulticastTTL, cfg.MulticastInterface); err != nil {
		if cfg.MulticastInterface != "" {
			// Asked for and not possible: a misspelt interface name must
			// not leave multicast going out somewhere else.
			ln.Close()
			u.close()
			return nil, fmt.Errorf("%w: multicast interface %q: %v", ErrBadConfig, cfg.MulticastInterface, err)
		}
		// No multicast route (a host without networking): unicast still
		// works; a multicast SETUP will fail then.
		cfg.Logger.Warn("multicast unavailable", "err", err)
	}
	port := cfg.Port
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	r := &runtime{
		srv:      s,
		cfg:      cfg,
		ln:       ln,
		port:     port,
		finished: make(chan struct{}),
		udp:      u,
		fan:      newFanout(u, cfg),
		conns:    make(map[*conn]struct{}),
		sessions: make(map[string]*rtspSession),
		byAddr:   make(map[netip.AddrPort]*rtspSession),
		byRTP:    make(map[netip.AddrPort]pubSource),
		natByIP:  make(map[netip.Addr][]natCandidate),
		mcast:    make(map[*mount]*multicastGroup),
		mcast6:   make(map[*mount]*multicastGroup),
		done:     make(chan struct{}),
	}
	u.v6 = listenUDP6(cfg.ListenAddress, u.rtpPort)
	if u.v6 != nil {
		if err := u.v6.setMulticast(cfg.MulticastTTL, cfg.MulticastInterface); err != nil {
			cfg.Logger.Warn("IPv6 multicast unavailable", "err", err)
		}
	}
	r.wg.Add(4)
	go func() { defer r.wg.Done(); r.acceptLoop() }()
	go func() { defer r.wg.Done(); readLoop(u.rtpConn, r.onUDPRTP) }()
	go func() { defer r.wg.Done(); readLoop(u.rtcpConn, r.onUDPRTCP) }()
	if u.v6 != nil {
		r.wg.Add(2)
		go func() { defer r.wg.Done(); readLoop(u.v6.rtpConn, r.onUDPRTP) }()
		go func() { defer r.wg.Done(); readLoop(u.v6.rtcpConn, r.onUDPRTCP) }()
	}
	go func() { defer r.wg.Done(); r.housekeeping() }()
	// udp_ports is the RTP/RTCP pair every unicast UDP player is sent
	// from (Config.UDPPortMin-UDPPortMax).
	cfg.Logger.Info("rtsp server listening", "addr", ln.Addr().String(),
		"udp_ports", fmt.Sprintf("%d-%d", u.rtpPort, u.rtpPort+1))
	return r, nil
}

func (r *runtime) acceptLoop() {
	var delay time.Duration
	for {
		nc, err := r.ln.Accept()
		if err != nil {
			if isClosed(err) {
				return
			}
			// Out of file descriptors and the like: back off, go on.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			r.cfg.Logger.Warn("accept", "err", err)
			select {
			case <-time.After(delay):
			case <-r.done:
				return
			}
			continue
		}
		delay = 0
		if r.cfg.TLS != nil {
			nc = tls.Server(nc, r.cfg.TLS) // the handshake is the connection's first read (conn.serve)
		}
		c := newConn(r, nc)
		r.mu.Lock()
		if r.closing {
			r.mu.Unlock()
			nc.Close()
			return
		}
		full := len(r.conns) >= r.cfg.MaxConnections
		if full {
			// Make room by closing the oldest connection that holds no
			// session and is not in a request: idle sockets cannot
			// lock players out.
			if v := r.oldestEvictable(); v != nil {
				v.abort()
				delete(r.conns, v)
				full = false
			}
		}
		if !full {
			r.conns[c] = struct{}{}
		}
		r.mu.Unlock()
		if full {
			// Answer 503 to whatever comes, without reading it, and close.
			if !r.goTracked(func() { rejectBusy(nc) }) {
				nc.Close()
			}
			continue
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			c.serve()
			r.mu.Lock()
			delete(r.conns, c)
			r.mu.Unlock()
		}()
	}
}

// goTracked runs fn in a goroutine that shutdown waits for, unless the
// runtime is shutting down already (then it reports false and runs
// nothing). The WaitGroup grows only under mu and before closing is set,
// so every Add comes before shutdown's Wait.
func (r *runtime) goTracked(fn func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn()
	}()
	return true
}

// oldestEvictable returns the oldest idle connection without a session.
// Called with mu held.
func (r *runtime) oldestEvictable() *conn {
	var v *conn
	for c := range r.conns {
		if (v == nil || c.created.Before(v.created)) && c.evictable() {
			v = c
		}
	}
	return v
}

func rejectBusy(nc net.Conn) {
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = nc.Write([]byte("RTSP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n"))
	nc.Close()
}

// housekeeping reaps timed-out sessions and sends RTCP sender reports.
func (r *runtime) housekeeping() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	n := 0
	for {
		select {
		case <-r.done:
			return
		case now := <-tick.C:
			n++
			r.reap(now)
			if n%srIntervalSeconds == 0 {
				r.sendReports(now)
			}
		}
	}
}

// srIntervalSeconds is the RTCP sender report interval. RFC 3550 §6.2 asks
// for at least 5 s on average; players use the first report for lip sync,
// and one goes out at PLAY, so waiting the full interval costs nothing.
const srIntervalSeconds = 5

func (r *runtime) reap(now time.Time) {
	var expired []*rtspSession
	r.mu.Lock()
	for _, s := range r.sessions {
		if now.Sub(s.lastSeen()) > r.cfg.SessionTimeout {
			expired = append(expired, s)
		}
	}
	r.mu.Unlock()
	for _, s := range expired {
		r.cfg.Logger.Info("session timed out", "session", s.id)
		r.endSession(s, true)
	}
}

func (r *runtime) newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Why addSession refuses a session (answered 503).
var (
	errSessionsFull = errors.New("too many sessions (MaxSessions)")
	errShuttingDown = errors.New("shutting down")
)

// addSession adds s unless the server is stopping or already holds
// Config.MaxSessions sessions. The check and the add are one step under
// mu: checked apart, concurrent SETUPs on different connections could all
// see room for one more and all be added.
func (r *runtime) addSession(s *rtspSession) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return errShuttingDown
	}
	if len(r.sessions) >= r.cfg.MaxSessions {
		return errSessionsFull
	}
	r.sessions[s.id] = s
	return nil
}

func (r *runtime) session(id string) *rtspSession {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[id]
}

// endSession tears a session down: detaches and stops its reader, sends an
// RTCP BYE when asked, forgets it.
func (r *runtime) endSession(s *rtspSession, bye bool) {
	r.mu.Lock()
	if r.sessions[s.id] != s {
		r.mu.Unlock()
		return
	}
	delete(r.sessions, s.id)
	for a, x := range r.byAddr {
		if x == s {
			delete(r.byAddr, a)
		}
	}
	for a, x := range r.byRTP {
		if x.s == s {
			delete(r.byRTP, a)
		}
	}
	r.forgetNAT(s)
	r.mu.Unlock()
	s.stopPlaying(r, bye)
	if s.pub != nil {
		// A publisher's session ending ends what it published.
		s.pub.end(r)
	}
	r.cfg.Logger.Debug("rtsp session ended", "session", s.id, "stream", s.m.name)
}

// endMount ends every session of a mount that is being destroyed.
func (r *runtime) endMount(m *mount, _ []*reader) {
	r.mu.Lock()
	var list []*rtspSession
	for _, s := range r.sessions {
		if s.m == m {
			list = append(list, s)
		}
	}
	r.mu.Unlock()
	for _, s := range list {
		r.endSession(s, true)
		if s.c != nil {
			s.c.close()
		}
	}
	r.dropMulticast(m)
}

// shutdown stops everything and waits for every goroutine. With bye,
// players are told (an RTCP BYE on each track) and each player's writer
// may finish the frame it is writing (stopWait); without, every connection
// is cut at once (abortConns) and nothing more is sent.
func (r *runtime) shutdown(bye bool) {
	defer close(r.finished)
	if !bye {
		r.abortConns()
	}
	r.mu.Lock()
	r.closing = true
	sessions := make([]*rtspSession, 0, len(r.sessions))
	for _, s := range r.sessions {
		sessions = append(sessions, s)
	}
	conns := make([]*conn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	close(r.done)
	r.ln.Close()
	for _, s := range sessions {
		r.endSession(s, bye)
	}
	for _, c := range conns {
		c.close()
	}
	r.udp.close()
	r.wg.Wait()
	r.fan.close()
	// The sessions' timers (paced audio, readers' further reports) are
	// the mounts', which outlive a Stop; none is left running.
	for _, m := range r.srv.mountList() {
		if m.published {
			// Nobody is left to wait for a new publisher.
			m.mu.Lock()
			waiting := m.awaiting
			m.stopAwaitingLocked()
			m.mu.Unlock()
			if waiting && r.srv.removePublished(m) {
				m.stopOutbound()
				m.close()
			}
		}
		m.stopTimers()
	}
}

// isClosing reports whether the runtime is shutting down.
func (r *runtime) isClosing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}

// abortConns cuts every connection at once (RST): a writer blocked on a
// player that does not read returns, so a shutdown in progress finishes
// promptly (Close, or Shutdown whose context ended).
func (r *runtime) abortConns() {
	r.mu.Lock()
	conns := make([]*conn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
}

// stopWait is how long ending a session waits for its writer to finish the
// frame it is writing before the transport is cut: the write timeout
// normally (a healthy player on a slow link gets its frame), a moment when
// the whole server is stopping.
func (r *runtime) stopWait() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return stopWait
	}
	return r.cfg.WriteTimeout
}

// onUDPRTCP handles a datagram on the server's RTCP port.
func (r *runtime) onUDPRTCP(from netip.AddrPort, b []byte) {
	r.mu.Lock()
	s := r.byAddr[netip.AddrPortFrom(from.Addr().Unmap(), from.Port())]
	r.mu.Unlock()
	if s == nil {
		s, _, _ = r.learnSource(from, b, true) // a player behind NAT?
	}
	if s != nil {
		s.onRTCP(-1, b)
	}
}

// registerRTCPSource maps a client's RTCP address to its session, unless
// the session has already ended (its entry would then never be removed).
func (r *runtime) registerRTCPSource(a netip.AddrPort, s *rtspSession) {
	r.mu.Lock()
	if r.sessions[s.id] == s {
		r.byAddr[a] = s
	}
	r.mu.Unlock()
}
