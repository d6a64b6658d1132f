package rtcp

import (
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

// Sender keeps what a sender needs for its sender reports on one RTP
// stream: the packet and octet counts, and the stream's RTP clock, which
// maps a wall-clock instant to the RTP timestamp of that instant.
//
// For lip sync, every stream of a session must stamp its media with
// Clock.At or Clock.Since from Clocks whose Start is the same wall-clock
// instant (media time zero) and differ only in Rate and random Offset: then
// the SRs of audio and video, made by Report with the wall clock, map their
// timestamps onto one timeline, which is what a receiver synchronises on.
//
// Count and Report may be called from different goroutines; a Sender must
// not be copied after first use.
type Sender struct {
	// SSRC is the stream's synchronisation source.
	SSRC uint32
	// Clock is the stream's RTP clock.
	Clock rtp.Clock

	packets atomic.Uint32
	octets  atomic.Uint32
}

// Count records one RTP packet sent with payloadSize bytes of payload (not
// counting the RTP header, CSRCs, extension or padding: RFC 3550 §6.4.1).
// Both counts wrap modulo 2^32 as the SR fields do.
func (s *Sender) Count(payloadSize int) {
	s.packets.Add(1)
	s.octets.Add(uint32(payloadSize))
}

// CountBatch records every packet of b, whose heads start with the 12-byte
// RTP header that Batch.Begin writes.
func (s *Sender) CountBatch(b *rtp.Batch) {
	n := b.Len()
	s.packets.Add(uint32(n))
	s.octets.Add(uint32(b.TotalSize() - n*rtp.HeaderSize))
}

// Counts returns the packets and payload octets counted so far.
func (s *Sender) Counts() (packets, octets uint32) {
	return s.packets.Load(), s.octets.Load()
}

// ResetCounts zeroes the counts, as RFC 3550 §6.4.1 requires when the SSRC
// changes.
func (s *Sender) ResetCounts() {
	s.packets.Store(0)
	s.octets.Store(0)
}

// Report returns a sender report for instant now: NTPTime is now on the
// wall clock, RTPTime is Clock.At(now), the counts are the current ones.
// Pass time.Now(): its monotonic reading makes RTPTime immune to wall-clock
// steps, while NTPTime follows the wall clock as receivers expect. The
// caller adds reception reports if it receives too.
func (s *Sender) Report(now time.Time) SenderReport {
	packets, octets := s.Counts()
	return SenderReport{
		SSRC:        s.SSRC,
		NTPTime:     NTPTime(now),
		RTPTime:     s.Clock.At(now),
		PacketCount: packets,
		OctetCount:  octets,
	}
}
