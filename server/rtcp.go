package server

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/rtcp"
)

// newCNAME returns the SDES CNAME of a new mount: RFC 3550 §6.5.1 asks for
// one per participant, stable across its streams (it is what ties a
// mount's audio and video together for lip sync) and unique, so that two
// servers, or two streams, on one host are not taken for one participant:
// "rtspkit-<random>@<host name>". It costs no network round trip (the
// host's address, found by a UDP dial at package initialisation, was the
// same for every process on the host).
func newCNAME() string {
	host, err := os.Hostname()
	if err != nil || host == "" || strings.ContainsAny(host, " \t@") {
		host = "localhost"
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], random32())
	return "rtspkit-" + hex.EncodeToString(b[:]) + "@" + host
}

// reportFrame builds the RTCP compound a sender sends for track t at now:
// a sender report mapping now to the track's RTP timeline, and an SDES
// CNAME; with bye, a BYE ends it. Returns nil before the track sent anything.
func (m *mount) reportFrame(t *track, now time.Time, bye bool) *frame {
	packets := t.packets.Load()
	if packets == 0 && !bye {
		return nil
	}
	if t.clock.rate == 0 {
		return nil
	}
	// Media time runs with the monotonic clock from the mount's epoch, so
	// the RTP timestamp of "now" follows from the elapsed time; the wall
	// clock of now goes in the NTP field. Both tracks of a mount share the
	// epoch: their SRs put audio and video on one timeline.
	med := now.Sub(m.clock.epoch)
	sr := &rtcp.SenderReport{
		SSRC:        t.stream.SSRC,
		NTPTime:     rtcp.NTPTime(now),
		RTPTime:     t.clock.rtpTime(med),
		PacketCount: packets,
		OctetCount:  t.octets.Load(),
	}
	sdes := &rtcp.SourceDescription{Chunks: []rtcp.SDESChunk{{
		Source: t.stream.SSRC,
		Items:  []rtcp.SDESItem{{Type: rtcp.SDESCNAME, Text: m.cname}},
	}}}
	pkts := []rtcp.Packet{sr, sdes}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{t.stream.SSRC}})
	}
	f := m.frames.get(t.index)
	f.rtcp = true
	var err error
	f.data, err = rtcp.AppendCompound(f.data[:0], pkts...)
	if err != nil {
		f.release()
		return nil
	}
	// An RTCP frame has no batch: senders write f.data as one packet.
	f.bytes = len(f.data)
	return f
}

// sendReports offers a sender report per track to every reader.
func (r *runtime) sendReports(now time.Time) {
	for _, m := range r.srv.mountList() {
		m.mu.Lock()
		if len(m.readers) > 0 {
			for _, t := range m.tracks {
				if f := m.reportFrame(t, now, false); f != nil {
					for _, rd := range m.readers {
						rd.offer(f)
					}
					m.flushStage()
					f.release()
				}
			}
		}
		m.mu.Unlock()
	}
}

// recordReports keeps, per track of m, the last of reports (the blocks of
// an RR or SR from r's client) whose SSRC is that track's; blocks about
// other sources are ignored. Each track's jitter stays in its own
// timestamp units until Stats converts it with that track's clock.
func (r *reader) recordReports(m *mount, reports []rtcp.ReceptionReport, now time.Time) {
	for _, rep := range reports {
		for i, t := range m.tracks {
			if rep.SSRC == t.stream.SSRC {
				r.stats.record(i, len(m.tracks), rep, now)
			}
		}
	}
}
