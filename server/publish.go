package server

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// Publishing (RFC 2326 §10.3 ANNOUNCE, §10.11 RECORD, §12.39 mode=record):
// a publisher (ffmpeg -f rtsp, OBS, an encoder, another rtspkit) announces
// a presentation with an SDP, sets its tracks up with mode=record and
// records; the server turns its RTP back into access units through the
// format layer and feeds them to a session exactly as SendVideoData would,
// so players read a published stream like a board session: keyframe cache,
// parameter sets in the SDP, sender reports, every transport.
//
// The session (a mount flagged published) exists from the ANNOUNCE until
// its publisher goes (TEARDOWN, the connection closing, the session timing
// out): then its players get an RTCP BYE and are disconnected, and the
// path is free for the next publisher.

// publishAllowed reports whether a publisher may use path name:
// Config.PublishPaths lists the names, "*" any name. Paths of board
// sessions are never allowed (announce checks).
func (c *conn) publishAllowed(name string) bool {
	for _, p := range c.rt.cfg.PublishPaths {
		if p == "*" || p == name {
			return true
		}
	}
	return false
}

// announce handles ANNOUNCE: a publisher's presentation becomes a session.
func (c *conn) announce(req *rtsp.Request) *rtsp.Response {
	if len(c.rt.cfg.PublishPaths) == 0 {
		return c.fail(req, rtsp.StatusNotImplemented, "publishing is not enabled (Config.PublishPaths)")
	}
	if req.URL == nil {
		return c.fail(req, rtsp.StatusBadRequest, "no URL")
	}
	name, rest, _ := strings.Cut(strings.Trim(req.URL.Path, "/"), "/")
	if rest != "" || validName(name) != nil {
		return c.fail(req, rtsp.StatusBadRequest, "a publishing path is one segment: "+req.URL.Path)
	}
	if !c.publishAllowed(name) {
		return c.fail(req, rtsp.StatusForbidden, "publishing to "+name+" is not allowed")
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		if !strings.EqualFold(strings.TrimSpace(mt), "application/sdp") {
			return c.fail(req, rtsp.StatusUnsupportedMediaType, "ANNOUNCE body is "+ct)
		}
	}
	desc, err := sdp.Parse(req.Body)
	if err != nil {
		return c.fail(req, rtsp.StatusBadRequest, "SDP: "+err.Error())
	}
	pub, err := newPublication(c, name, req.URL, desc)
	if err != nil {
		return c.fail(req, rtsp.StatusUnsupportedMediaType, err.Error())
	}
	video, audio := pub.codecs()
	m, code, why := c.claimPath(name, video, audio)
	if code != 0 {
		return c.fail(req, code, why)
	}
	if err := pub.bind(m); err != nil {
		c.rt.srv.removePublished(m)
		m.close()
		return c.fail(req, rtsp.StatusUnsupportedMediaType, err.Error())
	}
	c.pmu.Lock()
	old := c.pubs[name]
	c.pubs[name] = pub
	c.pmu.Unlock()
	if old != nil {
		old.end(c.rt) // a second ANNOUNCE of the path on this connection
	}
	c.rt.cfg.Logger.Info("publisher announced", "stream", name, "remote", c.nc.RemoteAddr().String(),
		"video", string(pub.m.video), "audio", string(pub.m.audio))
	return rtsp.NewResponse(req, rtsp.StatusOK)
}

// claimPath returns the session a new publisher of name feeds: the session
// of a publisher that left, when its players are waiting for a new one
// (Config.PublisherWait) and the codecs are the same, else a new one,
// unless the path is taken: by a board session (403), or by another
// publisher (455, one per path).
func (c *conn) claimPath(name string, video VideoType, audio AudioType) (*mount, int, string) {
	if old := c.rt.srv.mount(name); old != nil && old.published && old.claimAwaiting(video, audio) {
		return old, 0, ""
	}
	m := c.newPublishedMount(name, video, audio)
	if code, why := c.rt.srv.addPublished(m); code != 0 {
		m.close()
		return nil, code, why
	}
	return m, 0, ""
}

// addPublished adds a published session unless the name is taken: by a
// board session (403), or by another publisher (455, one per path).
func (s *Server) addPublished(m *mount) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return rtsp.StatusServiceUnavailable, err.Error()
	}
	if old := s.mounts[m.name]; old != nil {
		if !old.published {
			return rtsp.StatusForbidden, "the path of a board session"
		}
		return rtsp.StatusMethodNotValidInThisState, "another publisher is publishing to " + m.name
	}
	s.mounts[m.name] = m
	return 0, ""
}

// removePublished removes a published session if it is still m.
func (s *Server) removePublished(m *mount) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mounts[m.name] != m {
		return false
	}
	delete(s.mounts, m.name)
	return true
}

// publication is one publisher's presentation: the session players read
// and, per track it carries, the publisher's control and depacketizer.
type publication struct {
	m      *mount
	c      *conn // the announcing connection
	tracks []*pubTrack
	once   sync.Once
}

// newPublication reads a publisher's SDP: the first video track (H.264,
// H.265 or JPEG) and the first audio track (PCMU, PCMA or AAC) are
// carried, either of them alone too; other media descriptions are refused
// at SETUP. The session is
// configured with microsecond timestamps, the unit the RTP timestamps are
// converted to.
func newPublication(c *conn, name string, announced *url.URL, desc *sdp.Session) (*publication, error) {
	base := *announced
	base.User = nil
	base.RawQuery, base.Fragment = "", ""
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	var video, audio *pubTrack
	for _, md := range desc.Media {
		f, err := format.FromMedia(md)
		if err != nil || !f.Codec.Known() {
			continue
		}
		control := ""
		if u, err := rtsp.ResolveControl(&base, md.Control()); err == nil {
			control, _ = rtsp.MatchMount(u, name)
		}
		t := &pubTrack{control: control, format: f}
		switch {
		case f.Codec.Media() == "video" && video == nil:
			video = t
		case f.Codec.Media() == "audio" && audio == nil:
			audio = t
		}
	}
	pub := &publication{c: c}
	for _, t := range []*pubTrack{video, audio} { // the session's track order
		if t != nil {
			pub.tracks = append(pub.tracks, t)
		}
	}
	if len(pub.tracks) == 0 {
		return nil, fmt.Errorf("no H.264, H.265, JPEG, PCMU, PCMA or AAC track in the SDP")
	}
	return pub, nil
}

// codecs are the video and audio codecs of the publication's tracks
// (VideoNone for an audio-only one).
func (p *publication) codecs() (VideoType, AudioType) {
	video, audio := VideoNone, AudioNone
	for _, t := range p.tracks {
		if t.isVideo() {
			video = t.format.Codec
		} else {
			audio = t.format.Codec
		}
	}
	return video, audio
}

// bind gives the publication its session, m, new or one whose players
// wait for a new publisher, and seeds it with what the SDP carries.
func (p *publication) bind(m *mount) error {
	p.m = m
	for i, t := range p.tracks {
		if err := t.init(m, i); err != nil {
			return err
		}
	}
	return nil
}

// newPublishedMount is the session of a new publication: microsecond
// timestamps, the unit RTP timestamps are converted to.
func (c *conn) newPublishedMount(name string, video VideoType, audio AudioType) *mount {
	cfg := *c.rt.cfg
	cfg.TimestampUnit = Microseconds
	m := newMount(name, video, audio, &cfg)
	m.published = true
	return m
}

// track returns the track index of a publisher's control, or -1.
func (p *publication) track(control string) int {
	for i, t := range p.tracks {
		if t.control == control || (control == "" && len(p.tracks) == 1) {
			return i
		}
	}
	return -1
}

// end removes the published session, once: its players are told (RTCP
// BYE) and disconnected, and the path is free again.
func (p *publication) end(rt *runtime) {
	p.once.Do(func() {
		if p.m == nil {
			return
		}
		if wait := p.c.rt.cfg.PublisherWait; wait > 0 && rt != nil && !rt.isClosing() && p.m.await(wait, rt) {
			p.c.rt.cfg.Logger.Info("publisher gone; players wait for the next", "stream", p.m.name, "wait", wait)
			return
		}
		removed := p.c.rt.srv.removePublished(p.m)
		p.m.stopOutbound()
		readers := p.m.close()
		if removed && rt != nil {
			rt.endMount(p.m, readers)
		}
		p.m.waitTimers()
		p.c.rt.cfg.Logger.Info("publisher gone", "stream", p.m.name)
	})
}

// endPublications ends what this connection published (it is closing).
func (c *conn) endPublications() {
	c.pmu.Lock()
	list := make([]*publication, 0, len(c.pubs))
	for _, p := range c.pubs {
		list = append(list, p)
	}
	clear(c.pubs)
	c.pmu.Unlock()
	for _, p := range list {
		p.end(c.rt)
	}
}

// publicationOf returns the publication of this connection a request URL
// names, and the control in it.
func (c *conn) publicationOf(u *url.URL) (*publication, string) {
	if u == nil {
		return nil, ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(u.Path, "/"), "/")
	c.pmu.Lock()
	p := c.pubs[name]
	c.pmu.Unlock()
	if p == nil {
		return nil, ""
	}
	control, err := rtsp.MatchMount(u, name)
	if err != nil {
		return nil, ""
	}
	return p, control
}

// setupRecord handles SETUP with mode=record on an announced path: TCP
// interleaved on the channels the publisher names, or UDP from its client
// ports to the server's RTP/RTCP pair.
func (c *conn) setupRecord(req *rtsp.Request, pub *publication, control string, transports []rtsp.Transport) *rtsp.Response {
	ti := pub.track(control)
	if ti < 0 {
		return c.fail(req, rtsp.StatusNotFound, "the announced presentation has no carried track "+control)
	}
	var chosen *rtsp.Transport
	kind := transportKind(0)
	for i := range transports {
		t := &transports[i]
		if !t.IsRTPAVP() || !t.IsRecord() {
			continue
		}
		if t.IsTCP() {
			chosen, kind = t, transportTCP
			break
		}
		if !c.secure && t.Delivery != rtsp.DeliveryMulticast && t.ClientPort != nil && t.ClientPort.First != 0 &&
			(c.remoteIP().Is4() || c.rt.udp.v6 != nil) {
			chosen, kind = t, transportUDP
			break
		}
	}
	if chosen == nil {
		return c.fail(req, rtsp.StatusUnsupportedTransport, "no RTP/AVP mode=record transport over TCP or UDP")
	}
	var s *rtspSession
	if req.Header.Get("Session") != "" {
		var resp *rtsp.Response
		if s, resp = c.requireSession(req); resp != nil {
			return resp
		}
		if s.pub != pub || s.kind != kind {
			return c.fail(req, rtsp.StatusAggregateOperationNotAllowed, "session of another presentation or transport")
		}
	} else {
		s = newRTSPSession(c.rt.newSessionID(), pub.m, c, kind, c.remoteIP(), c.user)
		s.pub = pub
		if err := c.rt.addSession(s); err != nil {
			return c.fail(req, rtsp.StatusServiceUnavailable, err.Error())
		}
		c.addSession(s)
	}
	reply := rtsp.Transport{Protocol: "RTP", Profile: "AVP", Lower: chosen.Lower, Delivery: rtsp.DeliveryUnicast, Mode: "record"}
	var rtpFrom netip.AddrPort
	s.mu.Lock()
	rt := &s.tracks[ti]
	if kind == transportTCP {
		chans := rtsp.PortRange{First: uint16(2 * ti), Last: uint16(2*ti + 1)}
		if chosen.Interleaved != nil {
			chans = *chosen.Interleaved
			if chans.Last == chans.First {
				chans.Last = chans.First + 1
			}
		}
		if chans.First > 255 || chans.Last > 255 || s.channelTaken(ti, uint8(chans.First), uint8(chans.Last)) {
			s.mu.Unlock()
			return c.fail(req, rtsp.StatusUnsupportedTransport, "interleaved channels out of range or taken")
		}
		*rt = readerTrack{setup: true, rtpChannel: uint8(chans.First), rtcpChannel: uint8(chans.Last)}
		reply.Interleaved = &chans
	} else {
		cp := *chosen.ClientPort
		if cp.Last <= cp.First {
			cp.Last = cp.First + 1
		}
		*rt = readerTrack{setup: true,
			rtpAddr:  netip.AddrPortFrom(s.remote, cp.First),
			rtcpAddr: netip.AddrPortFrom(s.remote, cp.Last)}
		rtpFrom = rt.rtpAddr
		reply.ClientPort = &cp
		sp := rtsp.PortRange{First: uint16(c.rt.udp.rtpPort), Last: uint16(c.rt.udp.rtpPort + 1)}
		reply.ServerPort = &sp
	}
	s.mu.Unlock()
	if kind == transportUDP {
		c.rt.registerRTPSource(rtpFrom, s, ti)
	}
	resp := rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Transport", reply.String())
	resp.Header.Set("Session", c.sessionHeader(s))
	return resp
}

// record handles RECORD: the publisher's media is taken from now on (it
// is taken from SETUP on already, as some publishers send before the
// answer arrives).
func (c *conn) record(req *rtsp.Request) *rtsp.Response {
	if len(c.rt.cfg.PublishPaths) == 0 {
		return c.fail(req, rtsp.StatusNotImplemented, "publishing is not enabled (Config.PublishPaths)")
	}
	s, resp := c.requireSession(req)
	if resp != nil {
		return resp
	}
	if s.pub == nil {
		return c.fail(req, rtsp.StatusMethodNotValidInThisState, "RECORD on a session that plays")
	}
	s.mu.Lock()
	s.playing = true
	s.mu.Unlock()
	c.rt.cfg.Logger.Debug("rtsp record", "session", s.id, "stream", s.m.name)
	resp = rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Session", c.sessionHeader(s))
	return resp
}

// pubSource is where a UDP publisher's RTP of one track comes from.
type pubSource struct {
	s     *rtspSession
	track int
}

// registerRTPSource maps a UDP client's RTP address to its session's
// track (a publisher's, the backchannel's, or a played one's, whose
// packets only keep the session alive), unless the session has already
// ended.
func (r *runtime) registerRTPSource(a netip.AddrPort, s *rtspSession, track int) {
	r.mu.Lock()
	if r.sessions[s.id] == s {
		r.byRTP[a] = pubSource{s: s, track: track}
	}
	r.mu.Unlock()
}

// onUDPRTP handles a datagram on the server's RTP port from the address a
// SETUP gave: a publisher's media, a player's backchannel, or a player's
// own packet on a track it plays (a NAT hole-punch), which only keeps its
// session alive. Anything else is dropped.
func (r *runtime) onUDPRTP(from netip.AddrPort, b []byte) {
	r.mu.Lock()
	src, ok := r.byRTP[netip.AddrPortFrom(from.Addr().Unmap(), from.Port())]
	r.mu.Unlock()
	if !ok {
		// A player behind NAT punching a hole: learnt, it only keeps
		// the session alive.
		s, ti, learnt := r.learnSource(from, b, false)
		if !learnt {
			return
		}
		src = pubSource{s: s, track: ti}
	}
	src.s.touch()
	switch {
	case src.s.pub != nil:
		src.s.pub.tracks[src.track].push(b, time.Now(), true)
	case src.s.back != nil && src.track == len(src.s.m.tracks):
		src.s.back.push(b, time.Now(), true)
	}
}

// await keeps a published session whose publisher left for wait: its
// players stay, and a new publisher with the same codecs takes it over
// (claimAwaiting); else it ends when wait is over. It reports false when
// the session is closed already.
func (m *mount) await(wait time.Duration, rt *runtime) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.awaiting = true
	m.timers.add() // done when the timer has run or been stopped
	m.orphan = time.AfterFunc(wait, func() {
		defer m.timers.done()
		m.expireAwaiting(rt)
	})
	return true
}

// claimAwaiting takes over a session waiting for a new publisher with
// these codecs, and reports whether it did.
func (m *mount) claimAwaiting(video VideoType, audio AudioType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.awaiting || m.closed || m.video != video || m.audio != audio {
		return false
	}
	m.stopAwaitingLocked()
	return true
}

// stopAwaitingLocked ends the wait; called with mu held.
func (m *mount) stopAwaitingLocked() {
	m.awaiting = false
	if m.orphan != nil && m.orphan.Stop() {
		m.timers.done() // it will not run
	}
	m.orphan = nil
}

// expireAwaiting ends a session whose players waited for a new publisher
// in vain: they get a BYE and are disconnected.
func (m *mount) expireAwaiting(rt *runtime) {
	m.mu.Lock()
	if !m.awaiting {
		m.mu.Unlock()
		return
	}
	m.awaiting = false
	m.orphan = nil
	m.mu.Unlock()
	removed := rt.srv.removePublished(m)
	m.stopOutbound()
	readers := m.close()
	if removed {
		rt.endMount(m, readers)
	}
	rt.cfg.Logger.Info("no new publisher came", "stream", m.name)
}
