package server

import (
	"fmt"
	"time"
)

// SessionStats are a session's counters, from Server.Stats.
type SessionStats struct {
	Name  string
	Video VideoType
	Audio AudioType
	// UnitsIn and BytesIn count the calls to SendVideoData/SendAudioData
	// and their bytes; MediaDropped the calls refused as bad or too large.
	UnitsIn, BytesIn, MediaDropped uint64
	// PacketsSent and OctetsSent count RTP packets and payload bytes
	// produced per track (index 0 video, 1 audio), once, whatever the
	// number of readers (the RTCP sender report counts).
	PacketsSent, OctetsSent []uint32
	Readers                 []ReaderStats
}

// ReaderStats describe one player (or one mount's multicast group).
type ReaderStats struct {
	Session   string // RTSP session ID ("" for the multicast group)
	Transport string // "udp", "tcp" or "multicast"
	Remote    string
	// Packets and Bytes written to this reader; FramesDropped counts the
	// frames it lost because it was too slow (whole frames, up to the next
	// keyframe).
	Packets, Bytes, FramesDropped uint64
	// From the player's last RTCP receiver report: fraction lost (0-1),
	// cumulative packets lost, interarrival jitter (seconds), and when.
	FractionLost float64
	TotalLost    int64
	Jitter       time.Duration
	LastReport   time.Time
}

// Stats returns the counters of a session and of each of its readers.
func (s *Server) Stats(name string) (SessionStats, error) {
	s.mu.Lock()
	if err := s.usable(); err != nil {
		s.mu.Unlock()
		return SessionStats{}, err
	}
	m, ok := s.mounts[name]
	run := s.run
	s.mu.Unlock()
	if !ok {
		return SessionStats{}, fmt.Errorf("%w: %q", ErrUnknownSession, name)
	}
	st := SessionStats{
		Name: name, Video: m.video, Audio: m.audio,
		UnitsIn: m.framesIn.Load(), BytesIn: m.bytesIn.Load(), MediaDropped: m.mediaDrops.Load(),
	}
	for _, t := range m.tracks {
		st.PacketsSent = append(st.PacketsSent, t.packets.Load())
		st.OctetsSent = append(st.OctetsSent, t.octets.Load())
	}
	if run == nil {
		return st, nil
	}
	// The sessions are listed under run.mu and read after it is released:
	// SETUP holds a session's mu while it takes run.mu, so holding run.mu
	// while taking a session's mu could deadlock with it.
	run.mu.Lock()
	var sessions []*rtspSession
	for _, rs := range run.sessions {
		if rs.m == m {
			sessions = append(sessions, rs)
		}
	}
	var group *reader
	var groupAddr string
	if g := run.mcast[m]; g != nil && g.r != nil {
		group, groupAddr = g.r, g.addr.String()
	}
	run.mu.Unlock()
	for _, rs := range sessions {
		rs.mu.Lock()
		r := rs.r
		kind := rs.kind
		rs.mu.Unlock()
		rd := ReaderStats{Session: rs.id, Remote: rs.remote.String()}
		switch kind {
		case transportTCP:
			rd.Transport = "tcp"
		case transportUDP:
			rd.Transport = "udp"
		case transportMulticast:
			rd.Transport = "multicast"
		}
		if r != nil {
			r.fill(&rd, m)
		}
		st.Readers = append(st.Readers, rd)
	}
	if group != nil {
		rd := ReaderStats{Transport: "multicast", Remote: groupAddr}
		group.fill(&rd, m)
		st.Readers = append(st.Readers, rd)
	}
	return st, nil
}

func (r *reader) fill(rd *ReaderStats, m *mount) {
	rd.Packets = r.stats.packets.Load()
	rd.Bytes = r.stats.bytes.Load()
	rd.FramesDropped = r.stats.framesDropped.Load()
	rd.FractionLost = float64(r.stats.fractionLost.Load()) / 256
	rd.TotalLost = r.stats.totalLost.Load()
	if len(m.tracks) > 0 && m.tracks[0].clock.rate > 0 {
		rd.Jitter = time.Duration(r.stats.jitter.Load()) * time.Second / time.Duration(m.tracks[0].clock.rate)
	}
	if ns := r.stats.lastRR.Load(); ns != 0 {
		rd.LastReport = time.Unix(0, ns)
	}
}
