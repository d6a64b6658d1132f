package server

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/rtcp"
)

// transportKind is how a session's media travels. One session uses one
// kind for all its tracks.
type transportKind int

const (
	transportUDP transportKind = iota + 1
	transportTCP
	transportMulticast
)

// String names the transport as Stats does.
func (k transportKind) String() string {
	switch k {
	case transportUDP:
		return "udp"
	case transportTCP:
		return "tcp"
	case transportMulticast:
		return "multicast"
	}
	return "none"
}

// rtspSession is one player's RTSP session (RFC 2326 §3: created by SETUP,
// named by the Session header). It plays one mount.
type rtspSession struct {
	id     string
	m      *mount
	c      *conn // the connection that created it
	kind   transportKind
	remote netip.Addr // the client's address, for UDP destinations
	// user is the authenticated user name of the SETUP that created the
	// session ("" without authentication): a UDP client that reconnects
	// must present the same one to control it (conn.owns).
	user string
	// pub is the presentation this session records (a publisher's
	// session, SETUP with mode=record); nil for a player.
	pub *publication
	// back receives the player's backchannel audio (its track index is
	// len(m.tracks)); nil without it. Set by SETUP, before the RTP source
	// is registered.
	back *pubTrack

	mu      sync.Mutex
	tracks  []readerTrack
	playing bool
	// paused: the session played and was paused (PAUSE, RFC 2326 §10.6).
	// Its next PLAY resumes the live stream at the next keyframe rather
	// than replaying the GOP cache (see play).
	paused bool
	// starting: a PLAY is adding its reader (or joining the group) with
	// no lock held; stopPlaying and PAUSE clear it, and the PLAY then
	// undoes what it added rather than publishing it as r or group.
	starting bool
	r        *reader         // unicast reader while playing
	group    *multicastGroup // multicast group while playing

	seen atomic.Int64 // unix nanoseconds of the last request or RTCP
	// natLearnt marks, per track, the RTP [0] and RTCP [1] destinations
	// learnt from a player behind NAT (nat.go). Guarded by mu.
	natLearnt [][2]bool
}

func newRTSPSession(id string, m *mount, c *conn, kind transportKind, remote netip.Addr, user string) *rtspSession {
	n := len(m.tracks) + backSlot(m)
	s := &rtspSession{id: id, m: m, c: c, kind: kind, remote: remote, user: user, tracks: make([]readerTrack, n), natLearnt: make([][2]bool, n)}
	s.touch()
	return s
}

func (s *rtspSession) touch() { s.seen.Store(time.Now().UnixNano()) }

func (s *rtspSession) lastSeen() time.Time { return time.Unix(0, s.seen.Load()) }

// trackForRTCPChannel returns the track whose interleaved RTCP channel is
// ch, or -1.
func (s *rtspSession) trackForRTCPChannel(ch uint8) int {
	if s.kind != transportTCP {
		return -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range s.tracks {
		if t.setup && (t.rtcpChannel == ch || t.rtpChannel == ch) {
			return i
		}
	}
	return -1
}

// isRTPChannel reports whether ch is track i's interleaved RTP channel.
func (s *rtspSession) isRTPChannel(i int, ch uint8) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tracks[i].setup && s.tracks[i].rtpChannel == ch
}

// onRTCP handles an RTCP compound from the client: any RTCP keeps the
// session alive; receiver reports about our streams update the statistics.
func (s *rtspSession) onRTCP(track int, b []byte) {
	s.touch()
	s.mu.Lock()
	r := s.r
	s.mu.Unlock()
	if r == nil {
		return
	}
	_ = rtcp.Split(b, func(pkt []byte, typ uint8) error {
		var reports []rtcp.ReceptionReport
		switch typ {
		case rtcpTypeRR:
			var rr rtcp.ReceiverReport
			if rr.Unmarshal(pkt) == nil {
				reports = rr.Reports
			}
		case rtcpTypeSR:
			var sr rtcp.SenderReport
			if sr.Unmarshal(pkt) == nil {
				reports = sr.Reports
			}
		}
		r.recordReports(s.m, reports, time.Now())
		return nil
	})
}

const (
	rtcpTypeSR = 200
	rtcpTypeRR = 201
)

// stopPlaying detaches the session's reader (if playing), optionally sends
// an RTCP BYE for each track, and forgets the session on its connection.
func (s *rtspSession) stopPlaying(rt *runtime, bye bool) {
	s.mu.Lock()
	r, g := s.r, s.group
	s.r, s.group = nil, nil
	s.playing, s.starting = false, false
	tracks := append([]readerTrack(nil), s.tracks...)
	s.mu.Unlock()
	if r != nil {
		s.m.removeReader(r)
		if r.closeWithin(rt.stopWait()) {
			if bye {
				s.sendBye(rt, tracks)
			}
		} else if s.kind == transportTCP && s.c != nil {
			// Stuck in a write to a player that does not read: cut it.
			s.c.abort()
		}
	}
	if g != nil {
		rt.leaveMulticast(s.m, g)
	}
	if s.c != nil {
		s.c.removeSession(s)
	}
}

// sendBye writes an RTCP BYE (with a last SR and SDES) on every track, best
// effort: the player learns the stream ended rather than timing out.
func (s *rtspSession) sendBye(rt *runtime, tracks []readerTrack) {
	now := time.Now()
	for i, t := range tracks {
		if !t.setup || i >= len(s.m.tracks) {
			continue
		}
		f := s.m.reportFrame(s.m.tracks[i], now, true)
		if f == nil {
			continue
		}
		switch s.kind {
		case transportTCP:
			if s.c != nil {
				ts := &tcpSender{c: s.c}
				r := &reader{tracks: tracks}
				_ = ts.write(r, f)
			}
		case transportUDP:
			rt.udp.writeRTCP(f.data, t.rtcpAddr)
		}
		f.release()
	}
}
