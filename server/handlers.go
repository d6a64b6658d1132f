package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtsp"
)

// publicMethods is the Public header of OPTIONS responses; publishMethods
// are added when publishing is enabled (Config.PublishPaths).
const (
	publicMethods  = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER"
	publishMethods = ", ANNOUNCE, RECORD"
)

// public is the Public header of this server.
func (c *conn) public() string {
	if len(c.rt.cfg.PublishPaths) > 0 {
		return publicMethods + publishMethods
	}
	return publicMethods
}

// handle answers one request. after, when not nil, runs once the response is
// written (PLAY starts sending only then, so the response comes first).
func (c *conn) handle(req *rtsp.Request) (resp *rtsp.Response, after func()) {
	if req.Proto != rtsp.Proto10 {
		// Only RTSP/1.0 is spoken: a 2.0 request (whose headers, methods
		// and state rules differ) served as if it were 1.0 would get
		// answers it cannot rely on. 505 (RFC 2326 §7.1.1; RFC 7826
		// §17.5.6) says so; rtsp.NewResponse writes it as RTSP/1.0,
		// the version we speak, which a 2.0 client reads to learn it.
		return c.fail(req, rtsp.StatusRTSPVersionNotSupported, "version "+req.Proto), nil
	}
	if _, err := req.CSeq(); err != nil {
		return c.fail(req, rtsp.StatusBadRequest, "missing or bad CSeq"), nil
	}
	if resp := c.checkRequire(req); resp != nil {
		return resp, nil
	}
	if req.Method != rtsp.Options {
		if resp := c.authenticate(req); resp != nil {
			return resp, nil
		}
	}
	// Any request on a connection keeps its sessions alive, with or
	// without their Session header (a client that pings with a bare
	// OPTIONS).
	c.touchSessions()
	switch req.Method {
	case rtsp.Options:
		resp = rtsp.NewResponse(req, rtsp.StatusOK)
		resp.Header.Set("Public", c.public())
		if s := c.sessionOf(req); s != nil && c.owns(s) {
			s.touch()
		}
		return resp, nil
	case rtsp.Describe:
		return c.describe(req), nil
	case rtsp.Setup:
		return c.setup(req), nil
	case rtsp.Play:
		return c.play(req)
	case rtsp.Pause:
		return c.pause(req), nil
	case rtsp.Teardown:
		return c.teardown(req), nil
	case rtsp.GetParameter, rtsp.SetParameter:
		return c.parameter(req), nil
	case rtsp.Announce:
		return c.announce(req), nil
	case rtsp.Record:
		return c.record(req), nil
	}
	resp = c.fail(req, rtsp.StatusNotImplemented, "")
	resp.Header.Set("Public", c.public())
	return resp, nil
}

// supportedFeatures are the feature-tags a Require or Proxy-Require header
// may name without the request being refused. RTSP/1.0 defines none; the
// one accepted is RFC 7826's "play.basic" (§11.1: the minimal playback
// behaviour, which this server implements), as clients that can speak both
// versions may ask for it on a 1.0 request too.
var supportedFeatures = map[string]bool{"play.basic": true}

// checkRequire returns a 551 Option Not Supported response listing, in an
// Unsupported header, the feature-tags of the request's Require and
// Proxy-Require headers that the server does not support, or nil when
// there are none. RFC 2326 §12.32: a server must refuse a request whose
// Require names a feature it does not implement rather than silently do
// something else; §12.27: servers treat Proxy-Require like Require. Empty
// values and empty list elements name nothing and are ignored.
func (c *conn) checkRequire(req *rtsp.Request) *rtsp.Response {
	var unsupported []string
	for _, key := range []string{"Require", "Proxy-Require"} {
		for _, v := range req.Header.Values(key) {
			for _, tag := range strings.Split(v, ",") {
				tag = strings.TrimSpace(tag)
				if tag == "" || supportedFeatures[tag] || slices.Contains(unsupported, tag) {
					continue
				}
				if tag == backchannelTag && c.backchannelOK(req) {
					continue
				}
				unsupported = append(unsupported, tag)
			}
		}
	}
	if len(unsupported) == 0 {
		return nil
	}
	list := strings.Join(unsupported, ", ")
	resp := c.fail(req, rtsp.StatusOptionNotSupported, "unsupported feature "+list)
	resp.Header.Set("Unsupported", list)
	return resp
}

func (c *conn) fail(req *rtsp.Request, code int, why string) *rtsp.Response {
	if why != "" {
		c.rt.cfg.Logger.Debug("rtsp request refused", "method", string(req.Method), "status", code, "why", why)
	}
	return rtsp.NewResponse(req, code)
}

// authenticate returns a 401 response when the server wants credentials
// that the request does not carry correctly, nil when it may go on.
func (c *conn) authenticate(req *rtsp.Request) *rtsp.Response {
	a := c.rt.srv.auth
	if a == nil {
		return nil
	}
	if len(req.Header.Values("Authorization")) > 1 {
		return c.fail(req, rtsp.StatusBadRequest, "several Authorization headers")
	}
	// Failures are counted per client, as auth.Backoff asks: an IPv4
	// address, or the /64 of an IPv6 one (a single host usually holds a
	// whole /64 and could otherwise pick a fresh address for every guess).
	ip := auth.BackoffKey(c.remoteIP())
	authz := req.Header.Get("Authorization")
	user, err := a.VerifyIn(string(req.Method), req.URL.String(), c.presentationURL(req.URL), authz)
	if err == nil {
		c.user = user
		c.rt.backoff.Succeed(ip)
		return nil
	}
	c.logAuthFailure(req, authz, err)
	if errors.Is(err, auth.ErrInvalid) {
		// Wrong credentials: each further failure from this address waits
		// longer before its answer (README, "Authentication").
		if d := c.rt.backoff.Fail(ip); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-c.rt.done:
				t.Stop()
			}
		}
	}
	resp := rtsp.NewResponse(req, rtsp.StatusUnauthorized)
	for _, ch := range a.Challenges(errors.Is(err, auth.ErrStale)) {
		resp.Header.Add("WWW-Authenticate", ch)
	}
	return resp
}

// presentationURL is the aggregate URL of the session (mount) that u is
// in, rtsp://host/name, or "" when u names none: the base whose Digest
// credentials auth.Authenticator.VerifyIn also accepts for the tracks in
// it, as live555-based players sign every request with it.
func (c *conn) presentationURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(u.Path, "/"), "/")
	if name == "" || c.rt.srv.mount(name) == nil {
		return ""
	}
	base := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/" + name}
	return base.String()
}

// logAuthFailure logs why a request's credentials were refused: the
// method, URL (any password in it masked), the user name the credentials
// claim and the reason, never a password or digest. A missing or stale
// credential is a normal step of the exchange, logged at debug level;
// wrong credentials at info level.
func (c *conn) logAuthFailure(req *rtsp.Request, authz string, err error) {
	log := c.rt.cfg.Logger
	level := slog.LevelInfo
	if errors.Is(err, auth.ErrMissing) || errors.Is(err, auth.ErrStale) {
		level = slog.LevelDebug
	}
	if !log.Enabled(context.Background(), level) {
		return
	}
	target := ""
	if req.URL != nil {
		target = req.URL.Redacted()
	}
	user := ""
	if cred, perr := auth.ParseAuthorization(authz); perr == nil {
		user = cred.Username
	}
	log.Log(context.Background(), level, "rtsp authentication failed",
		"remote", c.nc.RemoteAddr().String(), "method", string(req.Method),
		"url", target, "user", user, "why", err.Error())
}

// mountOf finds the mount a request URL names and the track control in it.
func (c *conn) mountOf(u *url.URL) (*mount, string, int) {
	if u == nil {
		return nil, "", rtsp.StatusBadRequest
	}
	p := strings.TrimLeft(u.Path, "/")
	name, _, _ := strings.Cut(p, "/")
	m := c.rt.srv.mount(name)
	if m == nil {
		// A query glued to the mount ("name?x/trackID=0") keeps the name
		// in the path; anything else is not ours.
		return nil, "", rtsp.StatusNotFound
	}
	control, err := rtsp.MatchMount(u, name)
	if err != nil {
		if errors.Is(err, rtsp.ErrBadPath) {
			return nil, "", rtsp.StatusBadRequest
		}
		return nil, "", rtsp.StatusNotFound
	}
	return m, control, 0
}

// sessionOf returns the session a request's Session header names, if any.
func (c *conn) sessionOf(req *rtsp.Request) *rtspSession {
	v := req.Header.Get("Session")
	if v == "" {
		return nil
	}
	h, err := rtsp.ParseSession(v)
	if err != nil {
		// Be liberal with what clients echo after the ID (a timeout in
		// another notation): the ID alone names the session.
		id, _, _ := strings.Cut(v, ";")
		if h, err = rtsp.ParseSession(id); err != nil {
			return nil
		}
	}
	return c.rt.session(h.ID)
}

// requireSession returns the request's session or the error response. A
// session that exists but is not the requester's (see owns) is answered
// 454 like an unknown one: knowing or guessing a session ID must not let
// anybody else pause, tear down or keep alive somebody's stream, and the
// answer does not tell whether the ID exists.
func (c *conn) requireSession(req *rtsp.Request) (*rtspSession, *rtsp.Response) {
	if req.Header.Get("Session") == "" {
		return nil, c.fail(req, rtsp.StatusSessionNotFound, "no Session header")
	}
	s := c.sessionOf(req)
	if s == nil {
		return nil, c.fail(req, rtsp.StatusSessionNotFound, "unknown session")
	}
	if !c.owns(s) {
		c.rt.cfg.Logger.Info("rtsp request on another client's session refused",
			"method", string(req.Method), "session", s.id, "remote", c.nc.RemoteAddr().String())
		return nil, c.fail(req, rtsp.StatusSessionNotFound, "session of another client")
	}
	s.touch()
	return s, nil
}

// owns reports whether requests on c may control s. The connection that
// created s always may. A TCP-interleaved session is bound to it: its
// media and RTCP travel on that connection, so no other one may act on it.
// A UDP (unicast or multicast) session is not tied to a connection (RFC
// 2326 §1.1: a client may open and close transport connections during a
// session), so a client that reconnects may go on with it, provided it is
// the same client: the same IP address as at SETUP (the one its media goes
// to) and the same authenticated user (both "" without authentication).
// The session ID alone is not enough: it travels in clear text.
func (c *conn) owns(s *rtspSession) bool {
	if s.c == c {
		return true
	}
	if s.kind == transportTCP {
		return false
	}
	return c.remoteIP() == s.remote && c.user == s.user
}

func (c *conn) sessionHeader(s *rtspSession) string {
	return rtsp.Session{ID: s.id, Timeout: int(c.rt.cfg.SessionTimeout / time.Second)}.String()
}

func (c *conn) describe(req *rtsp.Request) *rtsp.Response {
	m, _, code := c.mountOf(req.URL)
	if m == nil {
		return c.fail(req, code, "unknown path "+req.URL.Path)
	}
	// Wait (bounded) for the parameter sets of the first keyframe, so the
	// SDP is complete; a connection that closes meanwhile ends the wait.
	select {
	case <-m.ready:
	default:
		if why := c.waitReady(m); why != "" {
			return c.fail(req, rtsp.StatusServiceUnavailable, why)
		}
	}
	base := c.baseURL(req, m)
	body, err := m.sdp(c.localIP(), m.backchannel && wantsBackchannel(req))
	if err != nil {
		return c.fail(req, rtsp.StatusServiceUnavailable, err.Error())
	}
	resp := rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Content-Type", "application/sdp")
	resp.Header.Set("Content-Base", base)
	resp.Body = body
	return resp
}

// baseURL is the mount's URL as the client addressed us, with a trailing
// slash, so relative track controls resolve under it (RFC 2326 C.1.1).
func (c *conn) baseURL(req *rtsp.Request, m *mount) string {
	u := *req.URL
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	u.Path = "/" + m.name + "/"
	u.RawPath = ""
	if u.Scheme == "" {
		u.Scheme = "rtsp"
	}
	if u.Host == "" {
		u.Host = c.nc.LocalAddr().String()
	}
	return u.String()
}

func (c *conn) localIP() netip.Addr {
	if a, ok := c.nc.LocalAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.IPv4Unspecified()
}

func (c *conn) remoteIP() netip.Addr {
	if a, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

func (c *conn) setup(req *rtsp.Request) *rtsp.Response {
	if pub, control := c.publicationOf(req.URL); pub != nil {
		ts, err := rtsp.ParseTransports(strings.Join(req.Header.Values("Transport"), ","))
		if err != nil {
			return c.fail(req, rtsp.StatusBadRequest, err.Error())
		}
		return c.setupRecord(req, pub, control, ts)
	}
	m, control, code := c.mountOf(req.URL)
	if m == nil {
		return c.fail(req, code, "unknown path "+req.URL.Path)
	}
	ti := -1
	if control == "" && len(m.tracks) == 1 {
		ti = 0 // SETUP on the aggregate URL of a single-track stream
	}
	for i, t := range m.tracks {
		if control == t.control {
			ti = i
		}
	}
	if m.backchannel && control == backControl {
		ti = len(m.tracks) // the backchannel's slot, after the stream's tracks
	}
	if ti < 0 {
		if control == "" {
			// RFC 2326 §11.3.10: SETUP names one stream, not the whole.
			return c.fail(req, rtsp.StatusAggregateOperationNotAllowed, "SETUP on the aggregate URL of a multi-track session")
		}
		return c.fail(req, rtsp.StatusNotFound, "unknown track "+control)
	}
	ths := req.Header.Values("Transport")
	if len(ths) == 0 {
		return c.fail(req, rtsp.StatusBadRequest, "no Transport header")
	}
	transports, err := rtsp.ParseTransports(strings.Join(ths, ","))
	if err != nil {
		return c.fail(req, rtsp.StatusBadRequest, err.Error())
	}

	var s *rtspSession
	if req.Header.Get("Session") != "" {
		var resp *rtsp.Response
		if s, resp = c.requireSession(req); resp != nil {
			return resp
		}
		if s.m != m {
			return c.fail(req, rtsp.StatusAggregateOperationNotAllowed, "session plays another stream")
		}
		s.mu.Lock()
		playing := s.playing
		s.mu.Unlock()
		if playing {
			return c.fail(req, rtsp.StatusMethodNotValidInThisState, "SETUP while playing")
		}
	}

	// Take the first alternative we support (RFC 2326 §12.39: the client
	// lists them in order of preference).
	var chosen *rtsp.Transport
	var kind transportKind
	status := rtsp.StatusUnsupportedTransport
	for i := range transports {
		t := &transports[i]
		k, st := c.acceptable(t)
		if st != 0 {
			status = st
			continue
		}
		if s != nil && s.kind != k {
			continue
		}
		chosen, kind = t, k
		break
	}
	if chosen == nil {
		return c.fail(req, status, "no acceptable transport in "+strings.Join(ths, ","))
	}

	created := false
	if s == nil {
		// Only this connection's goroutine adds sessions to it, so its own
		// count cannot change under us; the server-wide limit is checked
		// and the session added in one step (runtime.addSession), so that
		// concurrent SETUPs on other connections cannot all pass it.
		if c.sessionCount() >= maxSessionsPerConn {
			return c.fail(req, rtsp.StatusServiceUnavailable, "too many sessions on this connection")
		}
		s = newRTSPSession(c.rt.newSessionID(), m, c, kind, c.remoteIP(), c.user)
		if err := c.rt.addSession(s); err != nil {
			return c.fail(req, rtsp.StatusServiceUnavailable, err.Error())
		}
		c.addSession(s)
		created = true
		// A stream destroyed since mountOf found it ended the sessions it
		// had (endMount, after closing it), perhaps before this one was
		// added: then it is ended here, or it would live on a stream that
		// sends nothing, for as long as its player keeps it alive.
		if m.isClosed() {
			c.rt.endSession(s, false)
			return c.fail(req, rtsp.StatusNotFound, "unknown path "+req.URL.Path)
		}
	}
	if ti == len(m.tracks) && kind == transportMulticast {
		if created {
			c.rt.endSession(s, false)
		}
		return c.fail(req, rtsp.StatusUnsupportedTransport, "the backchannel goes over TCP or unicast UDP")
	}
	reply := rtsp.Transport{Protocol: "RTP", Profile: "AVP", Lower: chosen.Lower, Mode: ""}
	// The multicast group is found before the session's lock is taken,
	// and the RTCP source registered after it is released: no lock is
	// taken while holding another (doc.go).
	var g *multicastGroup
	if kind == transportMulticast {
		g = c.rt.multicastFor(m, !c.remoteIP().Is4())
	}
	s.mu.Lock()
	rt := &s.tracks[ti]
	switch kind {
	case transportTCP:
		var chans rtsp.PortRange
		if chosen.Interleaved != nil {
			chans = *chosen.Interleaved
			if chans.Last == chans.First {
				chans.Last = chans.First + 1
			}
		} else {
			chans = rtsp.PortRange{First: uint16(2 * ti), Last: uint16(2*ti + 1)}
		}
		if chans.First > 255 || chans.Last > 255 || s.channelTaken(ti, uint8(chans.First), uint8(chans.Last)) {
			s.mu.Unlock()
			if created {
				c.rt.endSession(s, false) // nothing set up: give its place back
			}
			return c.fail(req, rtsp.StatusUnsupportedTransport, "interleaved channels out of range or taken")
		}
		*rt = readerTrack{setup: true, rtpChannel: uint8(chans.First), rtcpChannel: uint8(chans.Last)}
		reply.Delivery = rtsp.DeliveryUnicast
		reply.Interleaved = &chans
	case transportUDP:
		cp := *chosen.ClientPort
		*rt = readerTrack{
			setup:    true,
			rtpAddr:  netip.AddrPortFrom(s.remote, cp.First),
			rtcpAddr: netip.AddrPortFrom(s.remote, cp.Last),
		}
		reply.Delivery = rtsp.DeliveryUnicast
		reply.ClientPort = &cp
		sp := rtsp.PortRange{First: uint16(c.rt.udp.rtpPort), Last: uint16(c.rt.udp.rtpPort + 1)}
		reply.ServerPort = &sp
	case transportMulticast:
		*rt = g.tracks[ti]
		reply.Delivery = rtsp.DeliveryMulticast
		reply.Destination = g.addr.String()
		port := rtsp.PortRange{First: rt.rtpAddr.Port(), Last: rt.rtcpAddr.Port()}
		reply.Port = &port
		ttl := uint8(c.rt.cfg.MulticastTTL)
		reply.TTL = &ttl
	}
	rtcpFrom, rtpFrom := rt.rtcpAddr, rt.rtpAddr
	back := ti == len(m.tracks)
	if back && s.back == nil {
		s.back = newBackTrack(m.name, c.rt.cfg.OnBackChannelData)
	}
	s.mu.Unlock()
	if kind == transportUDP {
		c.rt.registerNAT(s)
		c.rt.registerRTCPSource(rtcpFrom, s)
		// The backchannel's RTP, and for a played track the client's
		// own packets from its RTP port (a NAT hole-punch, a keep-alive:
		// onUDPRTP).
		c.rt.registerRTPSource(rtpFrom, s, ti)
	}
	if created {
		c.rt.cfg.Logger.Debug("rtsp session", "session", s.id, "stream", m.name,
			"transport", kind.String(), "remote", c.nc.RemoteAddr().String())
	}
	if ti < len(m.tracks) {
		ssrc := m.tracks[ti].stream.SSRC
		reply.SSRC = &ssrc
	}
	resp := rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Transport", reply.String())
	resp.Header.Set("Session", c.sessionHeader(s))
	return resp
}

// channelTaken reports whether another track of s uses channel a or b.
// Called with s.mu held.
func (s *rtspSession) channelTaken(ti int, a, b uint8) bool {
	for i, t := range s.tracks {
		if i == ti || !t.setup {
			continue
		}
		if t.rtpChannel == a || t.rtpChannel == b || t.rtcpChannel == a || t.rtcpChannel == b {
			return true
		}
	}
	return false
}

// acceptable classifies a transport alternative, or returns the status to
// refuse it with.
func (c *conn) acceptable(t *rtsp.Transport) (transportKind, int) {
	if !t.IsRTPAVP() || t.IsRecord() {
		return 0, rtsp.StatusUnsupportedTransport
	}
	if t.IsTCP() {
		return transportTCP, 0
	}
	if c.secure {
		// RTSPS: media over UDP would leave the encryption (RFC 7826
		// §19.2 leaves it to SRTP, which we do not speak).
		return 0, rtsp.StatusUnsupportedTransport
	}
	if t.Delivery == rtsp.DeliveryMulticast {
		rng := c.rt.cfg.MulticastRange
		if !c.remoteIP().Is4() {
			if c.rt.udp.v6 == nil {
				return 0, rtsp.StatusUnsupportedTransport // no IPv6 sockets
			}
			rng = c.rt.cfg.MulticastRange6
		}
		if t.Destination != "" {
			a, err := netip.ParseAddr(t.Destination)
			if err != nil || !netip.MustParsePrefix(rng).Contains(a) {
				// A group outside our range: refuse rather than flood it.
				return 0, rtsp.StatusForbidden
			}
		}
		return transportMulticast, 0
	}
	// UDP unicast (the default when neither is said, in practice).
	if t.ClientPort == nil {
		return 0, rtsp.StatusUnsupportedTransport
	}
	if !c.remoteIP().Is4() && c.rt.udp.v6 == nil {
		return 0, rtsp.StatusUnsupportedTransport // no IPv6 UDP sockets: TCP it is
	}
	if t.Destination != "" {
		// Sending media to a third party would make us a traffic
		// reflector: only the requester's own address is allowed.
		a, err := netip.ParseAddr(t.Destination)
		if err != nil || a.Unmap() != c.remoteIP() {
			return 0, rtsp.StatusForbidden
		}
	}
	cp := t.ClientPort
	if cp.Last == cp.First && cp.First < 65535 {
		cp.Last = cp.First + 1 // one port given: RTCP is the next (RFC 3550 §11)
	}
	if cp.First == 0 || cp.Last <= cp.First {
		return 0, rtsp.StatusUnsupportedTransport
	}
	return transportUDP, 0
}

func (c *conn) play(req *rtsp.Request) (*rtsp.Response, func()) {
	s, resp := c.requireSession(req)
	if resp != nil {
		return resp, nil
	}
	if m, _, code := c.mountOf(req.URL); m == nil || m != s.m {
		if code == 0 {
			code = rtsp.StatusNotFound
		}
		return c.fail(req, code, "PLAY URL does not match the session"), nil
	}
	if v := req.Header.Get("Range"); v != "" {
		if _, err := rtsp.ParseRange(v); err != nil {
			return c.fail(req, rtsp.StatusInvalidRange, err.Error()), nil
		}
	}
	// The multicast group is found before the session's lock is taken,
	// and the reader is added to its stream after it is released: no lock
	// is taken while holding another (doc.go).
	var g *multicastGroup
	if s.kind == transportMulticast {
		g = c.rt.multicastFor(s.m, !s.remote.Is4())
	}
	s.mu.Lock()
	if s.playing {
		// PLAY while playing: nothing to change for a live stream.
		s.mu.Unlock()
		resp = rtsp.NewResponse(req, rtsp.StatusOK)
		resp.Header.Set("Session", c.sessionHeader(s))
		resp.Header.Set("Range", "npt=now-")
		return resp, nil
	}
	setUp := false
	for _, t := range s.tracks {
		setUp = setUp || t.setup
	}
	if !setUp {
		s.mu.Unlock()
		return c.fail(req, rtsp.StatusMethodNotValidInThisState, "PLAY before SETUP"), nil
	}
	var r *reader
	switch s.kind {
	case transportTCP:
		r = newTCPReader(s.m, s.c, c.rt.cfg.ReaderQueue) // s.c == c (owns), the connection that carries its media
	case transportUDP:
		r = newUDPReader(s.m, newUDPSender(c.rt.fan, s.tracks), c.rt.cfg.ReaderQueue)
	}
	if r != nil {
		copy(r.tracks, s.tracks)
		r.onFail = func(err error) {
			c.rt.cfg.Logger.Info("reader dropped", "session", s.id, "err", err)
			// Not from this goroutine (the reader's writer, which
			// ending the session waits for); shutdown, which ends every
			// session itself, waits for it.
			c.rt.goTracked(func() { c.rt.endSession(s, false) })
		}
	}
	// A first PLAY starts with the cached GOP (a picture at once). A PLAY
	// that resumes after PAUSE starts at the next live keyframe: the
	// player already showed what the cache holds (replaying it would send
	// older timestamps than those it got before PAUSE), and a client that
	// only restarts reading its RTP channels after the PLAY response is in
	// (live555's proxy: its PLAY goes out at the first downstream SETUP,
	// its sources read from the downstream PLAY on) would take a burst
	// sent with the response for RTSP text.
	resumed := s.paused
	s.playing = true
	s.starting = true
	s.paused = false
	tracks := append([]readerTrack(nil), s.tracks...)
	s.mu.Unlock()

	var sp []startPoint
	if g != nil {
		sp = c.rt.joinMulticast(s.m, g)
	} else {
		sp = s.m.addReader(r, !resumed)
	}
	// The reader (or group) becomes the session's only now. Were the
	// session paused or ended meanwhile (stopPlaying cleared starting, and
	// found nothing to stop), this PLAY undoes what it added itself, and
	// is answered as if it had come first.
	s.mu.Lock()
	current := s.starting
	if current {
		s.starting = false
		s.r, s.group = r, g
	}
	s.mu.Unlock()
	if !current {
		if r != nil {
			s.m.removeReader(r)
			r.closeWithin(c.rt.stopWait())
		} else {
			c.rt.leaveMulticast(s.m, g)
		}
		r = nil
	}
	c.rt.cfg.Logger.Debug("rtsp play", "session", s.id, "stream", s.m.name, "resumed", resumed)

	resp = rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(s))
	resp.Header.Set("Range", "npt=now-")
	base := c.baseURL(req, s.m)
	var info rtsp.RTPInfo
	for i, t := range tracks {
		if !t.setup || i >= len(s.m.tracks) {
			continue // not set up, or the backchannel (the player sends it)
		}
		seq, ts := sp[i].seq, sp[i].ts
		info = append(info, rtsp.RTPInfoEntry{URL: base + s.m.tracks[i].control, Seq: &seq, RTPTime: &ts})
	}
	resp.Header.Set("RTP-Info", info.String())
	if r == nil {
		return resp, nil
	}
	return resp, func() { r.start(c.rt.goTracked) }
}

func (c *conn) pause(req *rtsp.Request) *rtsp.Response {
	s, resp := c.requireSession(req)
	if resp != nil {
		return resp
	}
	s.mu.Lock()
	r, g := s.r, s.group
	s.r, s.group = nil, nil
	s.paused = s.paused || s.playing
	s.playing, s.starting = false, false
	s.mu.Unlock()
	if r != nil {
		s.m.removeReader(r)
		if !r.closeWithin(c.rt.stopWait()) && s.kind == transportTCP && s.c != nil {
			// Stuck writing to a player that does not read: cut the
			// connection that carries the media, the session's own (the
			// same as c since owns binds TCP sessions to it; never the
			// requester's merely because it sent PAUSE).
			s.c.abort()
		}
	}
	if g != nil {
		c.rt.leaveMulticast(s.m, g)
	}
	c.rt.cfg.Logger.Debug("rtsp pause", "session", s.id, "stream", s.m.name)
	resp = rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(s))
	return resp
}

func (c *conn) teardown(req *rtsp.Request) *rtsp.Response {
	s, resp := c.requireSession(req)
	if resp != nil {
		return resp
	}
	c.rt.endSession(s, true)
	resp = rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Session", s.id)
	return resp
}

// parameter answers GET_PARAMETER and SET_PARAMETER: with no body they are
// keep-alives (RFC 2326 §10.8); parameters themselves are not supported.
func (c *conn) parameter(req *rtsp.Request) *rtsp.Response {
	var s *rtspSession
	if req.Header.Get("Session") != "" {
		var resp *rtsp.Response
		if s, resp = c.requireSession(req); resp != nil {
			return resp
		}
	}
	if len(req.Body) > 0 {
		if req.Method == rtsp.SetParameter {
			return c.fail(req, rtsp.StatusParameterNotUnderstood, "")
		}
	}
	resp := rtsp.NewResponse(req, rtsp.StatusOK)
	if s != nil {
		resp.Header.Set("Session", c.sessionHeader(s))
	}
	return resp
}
