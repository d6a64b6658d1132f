package server

import (
	"fmt"
	"slices"
	"time"

	"github.com/rtspkit/rtspkit/rtcp"
)

// SessionStats are a session's counters, from Server.Stats.
type SessionStats struct {
	Name  string
	Video VideoType
	Audio AudioType
	// UnitsIn and BytesIn count the calls to SendVideoData/SendAudioData
	// and their bytes; MediaDropped the calls refused as bad or too large.
	UnitsIn, BytesIn, MediaDropped uint64
	// Width and Height are the video's picture size as the stream gives it
	// (the H.264 or H.265 SPS, each JPEG's header; a publisher's SDP or
	// stream): 0 before it did.
	Width, Height int
	// GOPLength is the number of pictures from one keyframe to the next,
	// in the latest complete group (1 for MJPEG, where every picture is
	// one): what an ONVIF GovLength reports. 0 until two keyframes came.
	GOPLength int
	// PacketsSent and OctetsSent count RTP packets and payload bytes
	// produced per track (index 0 video, 1 audio), once, whatever the
	// number of readers (the RTCP sender report counts).
	PacketsSent, OctetsSent []uint32
	Readers                 []ReaderStats
	// Pushes lists the counters of the session's outbound readers that
	// keep them (push targets: package relay).
	Pushes []PushStats
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
	// Tracks is the player's reception of each track of the session,
	// indexed like SessionStats.PacketsSent (the video track first, then
	// the audio track), from its RTCP receiver reports. Every reader lists
	// every track; a track the player has not reported on (not set up, no
	// report yet, a multicast group) has a zero LastReport.
	Tracks []TrackReception
}

// TrackReception is what a player's last RTCP reception report block
// about one track (RFC 3550 §6.4.1) says: the block whose SSRC is that
// track's. Blocks about other sources are ignored, so the tracks of one
// player never mix.
type TrackReception struct {
	Media string // "video" or "audio"
	// ClockRate is the track's RTP clock rate in Hz (90000 for video, 8000
	// for G.711, the sample rate for AAC), with which Jitter is converted;
	// 0 for an AAC track before its first frame.
	ClockRate uint32
	// FractionLost is the fraction of packets lost since the player's
	// previous report, 0 to 1.
	FractionLost float64
	// TotalLost is the number of packets lost since reception began;
	// negative when duplicates outnumber losses.
	TotalLost int64
	// Jitter is the interarrival jitter, converted from the report's
	// timestamp units with this track's own clock rate: a duration (use
	// Jitter.Milliseconds() or float64(Jitter)/float64(time.Millisecond)
	// for milliseconds).
	Jitter time.Duration
	// LastReport is when the report arrived; zero if the player has not
	// reported on this track (the other reception fields are zero then).
	LastReport time.Time
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
	return m.stats(run), nil
}

// stats returns the counters of m and, while run serves, of its readers.
// It takes one lock at a time (doc.go).
func (m *mount) stats(run *runtime) SessionStats {
	st := SessionStats{
		Name: m.name, Video: m.video, Audio: m.audio,
		UnitsIn: m.framesIn.Load(), BytesIn: m.bytesIn.Load(), MediaDropped: m.mediaDrops.Load(),
	}
	for _, t := range m.tracks {
		st.PacketsSent = append(st.PacketsSent, t.packets.Load())
		st.OctetsSent = append(st.OctetsSent, t.octets.Load())
	}
	m.mu.Lock()
	outbound := append([]*OutboundReader(nil), m.outbound...)
	if m.vid != nil {
		st.Width, st.Height = m.vid.size()
	}
	st.GOPLength = m.gopLen
	m.mu.Unlock()
	for _, ob := range outbound {
		if s, ok := ob.o.(OutboundStats); ok {
			ps := s.PushStats()
			ps.FramesDropped += ob.FramesDropped()
			st.Pushes = append(st.Pushes, ps)
		}
	}
	if run == nil {
		return st
	}
	tracks := m.trackTemplate()
	// The sessions are listed under run.mu and read after it is released:
	// SETUP holds a session's mu while it takes run.mu, so holding run.mu
	// while taking a session's mu could deadlock with it.
	run.mu.Lock()
	var sessions []*rtspSession
	for _, rs := range run.sessions {
		if rs.m == m && rs.pub == nil {
			sessions = append(sessions, rs)
		}
	}
	type group struct {
		r    *reader
		addr string
	}
	var groups []group
	for _, g := range []*multicastGroup{run.mcast[m], run.mcast6[m]} {
		if g != nil && g.r != nil {
			groups = append(groups, group{g.r, g.addr.String()})
		}
	}
	run.mu.Unlock()
	for _, rs := range sessions {
		rs.mu.Lock()
		r := rs.r
		kind := rs.kind
		rs.mu.Unlock()
		rd := ReaderStats{Session: rs.id, Remote: rs.remote.String(), Transport: kind.String()}
		if r != nil {
			r.fill(&rd, slices.Clone(tracks))
		} else {
			rd.Tracks = slices.Clone(tracks)
		}
		st.Readers = append(st.Readers, rd)
	}
	for _, g := range groups {
		rd := ReaderStats{Transport: "multicast", Remote: g.addr}
		g.r.fill(&rd, slices.Clone(tracks))
		st.Readers = append(st.Readers, rd)
	}
	return st
}

// fill sets rd's counters and the reception of each track from r's
// statistics; tracks is the session's tracks with no report.
func (r *reader) fill(rd *ReaderStats, tracks []TrackReception) {
	rd.Packets = r.stats.packets.Load()
	rd.Bytes = r.stats.bytes.Load()
	rd.FramesDropped = r.stats.framesDropped.Load()
	rd.Tracks = tracks
	reps := r.stats.reports()
	for i := range rd.Tracks {
		if i >= len(reps) || reps[i].at.IsZero() {
			continue
		}
		t, rep := &rd.Tracks[i], reps[i]
		t.FractionLost = float64(rep.fractionLost) / 256
		t.TotalLost = int64(rep.totalLost)
		if t.ClockRate > 0 {
			t.Jitter = time.Duration(rep.jitter) * time.Second / time.Duration(t.ClockRate)
		}
		t.LastReport = rep.at
	}
}

// trackReport is one reception report block a reader's client sent about
// one track (the fields Stats shows).
type trackReport struct {
	fractionLost uint8  // 8-bit fixed point, as in the block
	totalLost    int32  // cumulative, signed 24 bits
	jitter       uint32 // the track's timestamp units
	at           time.Time
}

// record keeps rep as the last report about track i of n.
func (s *readerStats) record(i, n int, rep rtcp.ReceptionReport, now time.Time) {
	s.rrMu.Lock()
	if len(s.rr) < n {
		s.rr = append(s.rr, make([]trackReport, n-len(s.rr))...)
	}
	s.rr[i] = trackReport{fractionLost: rep.FractionLost, totalLost: rep.CumulativeLost, jitter: rep.Jitter, at: now}
	s.rrMu.Unlock()
}

// reports returns a copy of the last report about each track, indexed
// like the mount's tracks (nil before the first report; a zero at for a
// track not reported on).
func (s *readerStats) reports() []trackReport {
	s.rrMu.Lock()
	defer s.rrMu.Unlock()
	return append([]trackReport(nil), s.rr...)
}

// trackTemplate lists m's tracks with their media and clock rates and no
// reception yet; Stats gives each reader a copy. Taken under m.mu: the
// clock rate of an AAC track is set by its first frame.
func (m *mount) trackTemplate() []TrackReception {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := make([]TrackReception, len(m.tracks))
	for i, t := range m.tracks {
		ts[i].Media = "audio"
		if t.video {
			ts[i].Media = "video"
		}
		ts[i].ClockRate = t.clock.rate
	}
	return ts
}
