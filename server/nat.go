package server

import (
	"net"
	"net/netip"

	"github.com/rtspkit/rtspkit/rtcp"
)

// Players behind NAT. A UDP player's SETUP names the ports it listens on
// behind its NAT (client_port); the NAT maps them to other ports, so media
// sent to the named ones never arrives. Such players send something from
// their sockets soon after SETUP (a hole-punch packet, an RTCP receiver
// report), which shows the real ports. The server learns a track's RTP or
// RTCP destination from the first packet of this kind that:
//
//   - comes from the same IP address as the player's RTSP connection (the
//     session's remote): media is never redirected to another host, so
//     the server cannot be used as a reflector;
//   - can only belong to one track of one session: it is an RTCP packet
//     whose report blocks name one of the session's tracks (by the SSRC
//     its SETUP answer gave), or the session sets up one UDP track only;
//     and only one UDP session of that address is open.
//
// Each of a track's two ports is learnt once. A player whose packets come
// from the ports it named is known by them and never reaches this. A
// learnt source is then known like a named one (keep-alives).

// natCandidate is a session that may learn a port.
type natCandidate struct {
	s *rtspSession
}

// registerNAT notes a UDP session of a player that may sit behind NAT.
func (r *runtime) registerNAT(s *rtspSession) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions[s.id] != s {
		return
	}
	for _, x := range r.natByIP[s.remote] {
		if x.s == s {
			return
		}
	}
	r.natByIP[s.remote] = append(r.natByIP[s.remote], natCandidate{s: s})
}

// forgetNAT drops s from the sessions that may learn. Called with mu held.
func (r *runtime) forgetNAT(s *rtspSession) {
	list := r.natByIP[s.remote]
	for i, x := range list {
		if x.s == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(r.natByIP, s.remote)
	} else {
		r.natByIP[s.remote] = list
	}
}

// learnSource tries to learn from an unknown packet at the server's RTP
// (rtcpPort false) or RTCP port. It reports whether it did; the packet is
// then handled as from a known source by the caller.
func (r *runtime) learnSource(from netip.AddrPort, b []byte, rtcpPort bool) (*rtspSession, int, bool) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	r.mu.Lock()
	list := r.natByIP[from.Addr()]
	if len(list) != 1 {
		r.mu.Unlock()
		return nil, 0, false // nobody, or ambiguous
	}
	s := list[0].s
	r.mu.Unlock()

	ti := s.natTrack(b, rtcpPort)
	if ti < 0 {
		return nil, 0, false
	}
	if !s.learn(ti, from, rtcpPort) {
		return nil, 0, false
	}
	r.mu.Lock()
	if r.sessions[s.id] == s {
		if rtcpPort {
			r.byAddr[from] = s
		} else {
			r.byRTP[from] = pubSource{s: s, track: ti}
		}
	}
	r.mu.Unlock()
	r.cfg.Logger.Debug("rtsp player behind NAT: port learnt", "session", s.id, "track", ti, "rtcp", rtcpPort, "from", from.String())
	return s, ti, true
}

// natTrack returns the track an unknown packet from the session's address
// belongs to, or -1 when that cannot be told.
func (s *rtspSession) natTrack(b []byte, rtcpPort bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	udp := -1
	n := 0
	for i, t := range s.tracks {
		if t.setup && t.rtpAddr.IsValid() && i < len(s.m.tracks) {
			udp, n = i, n+1
		}
	}
	if rtcpPort {
		if ti := s.reportedTrack(b); ti >= 0 && s.tracks[ti].setup {
			return ti
		}
	}
	if n == 1 {
		return udp
	}
	return -1
}

// reportedTrack returns the track whose SSRC a receiver or sender report
// in compound packet b names in a report block, or -1. Called with mu held.
func (s *rtspSession) reportedTrack(b []byte) int {
	var blocks []rtcp.ReceptionReport
	_ = rtcp.Split(b, func(pkt []byte, typ uint8) error {
		switch typ {
		case rtcpTypeRR:
			var rr rtcp.ReceiverReport
			if rr.Unmarshal(pkt) == nil {
				blocks = append(blocks, rr.Reports...)
			}
		case rtcpTypeSR:
			var sr rtcp.SenderReport
			if sr.Unmarshal(pkt) == nil {
				blocks = append(blocks, sr.Reports...)
			}
		}
		return nil
	})
	for _, rb := range blocks {
		for i, t := range s.m.tracks {
			if t.stream.SSRC == rb.SSRC {
				return i
			}
		}
	}
	return -1
}

// learn sets track ti's RTP or RTCP destination to from, once, and in the
// playing reader's sender too. It reports whether it did.
func (s *rtspSession) learn(ti int, from netip.AddrPort, rtcpPort bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.tracks[ti]
	cur := t.rtpAddr
	if rtcpPort {
		cur = t.rtcpAddr
	}
	if cur == from || s.natLearnt[ti][b2i(rtcpPort)] {
		return false
	}
	s.natLearnt[ti][b2i(rtcpPort)] = true
	if rtcpPort {
		t.rtcpAddr = from
	} else {
		t.rtpAddr = from
	}
	if s.r != nil && s.r.udp != nil {
		a := net.UDPAddrFromAddrPort(from)
		if rtcpPort {
			s.r.udp.rtcpAddr[ti].Store(a)
		} else {
			s.r.udp.rtpAddr[ti].Store(a)
		}
	}
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
