package rtcp

import (
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

// Sequence-number limits of RFC 3550 Appendix A.1.
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
)

// ReceiverStats keeps what a receiver needs to report on one source: the
// sequence-number state of RFC 3550 Appendix A.1, the loss counts of A.3
// and the interarrival jitter of A.8. Feed it every RTP packet of the
// source with Update and every SR from it with OnSenderReport; Report
// fills a reception report block and starts a new interval.
//
// Source validation is A.1's: a jump of more than 3000 forward or 100 back
// is not counted, and is taken as a restart of the sender's numbering (all
// counts start again) when a packet numbered right after it arrives next or
// later, before another jump. Probation (A.1's MIN_SEQUENTIAL) is off by default, since an
// RTSP client knows its source from SETUP: the first packet counts. Set
// MinSequential to 2 to require two packets in sequence first, as A.1 does.
//
// ClockRate must be the RTP clock rate of the payload for jitter to mean
// anything; with 0 the jitter stays 0. A ReceiverStats is not safe for
// concurrent use.
type ReceiverStats struct {
	// ClockRate is the RTP timestamp rate of the source, in Hz.
	ClockRate uint32
	// MinSequential is the number of packets in sequence needed before the
	// source counts; 0 and 1 mean the first packet counts.
	MinSequential int

	started   bool
	probation int
	maxSeq    uint16
	cycles    uint32 // wraps of the sequence number, times 2^16
	baseSeq   uint32
	badSeq    uint32 // seqMod+1 when none
	received  uint32

	expectedPrior uint32
	receivedPrior uint32

	haveTransit bool
	arrivalBase time.Time
	transit     uint32
	jitter      uint32 // times 16, A.8's integer form

	haveSR    bool
	lsr       uint32
	lsrArrive time.Time
}

// NewReceiverStats returns statistics for a source whose RTP clock runs at
// clockRate Hz.
func NewReceiverStats(clockRate uint32) *ReceiverStats {
	return &ReceiverStats{ClockRate: clockRate}
}

// initSeq is A.1's init_seq.
func (s *ReceiverStats) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.receivedPrior = 0
	s.expectedPrior = 0
}

// updateSeq is A.1's update_seq: it reports whether the packet counts.
func (s *ReceiverStats) updateSeq(seq uint16) bool {
	udelta := seq - s.maxSeq
	switch {
	case s.probation > 0:
		// The source is valid once MinSequential packets are in sequence.
		if seq == s.maxSeq+1 {
			s.probation--
			s.maxSeq = seq
			if s.probation == 0 {
				s.initSeq(seq)
				s.received++
				return true
			}
		} else {
			s.probation = s.MinSequential - 1
			s.maxSeq = seq
		}
		return false
	case udelta < maxDropout:
		// In order, with a permissible gap.
		if seq < s.maxSeq {
			s.cycles += seqMod // wrapped
		}
		s.maxSeq = seq
	case int(udelta) <= seqMod-maxMisorder:
		// A very large jump: a restart if the next packet follows it.
		if uint32(seq) == s.badSeq {
			s.initSeq(seq)
		} else {
			s.badSeq = uint32(seq+1) & (seqMod - 1)
			return false
		}
	default:
		// A duplicate or a reordered packet: it counts (A.3 notes that
		// duplicates can make the cumulative loss negative).
	}
	s.received++
	return true
}

// Update records one RTP packet of the source, received at arrival. It
// returns false when A.1's validation does not count the packet (probation,
// or a jump waiting for confirmation).
func (s *ReceiverStats) Update(seq uint16, rtpTime uint32, arrival time.Time) bool {
	if !s.started {
		s.started = true
		s.initSeq(seq)
		if s.MinSequential > 1 {
			s.maxSeq = seq - 1
			s.probation = s.MinSequential
		}
	}
	if !s.updateSeq(seq) {
		return false
	}
	s.updateJitter(rtpTime, arrival)
	return true
}

// updateJitter is A.8: the transit time is the arrival time in timestamp
// units minus the RTP timestamp, and the jitter a running mean, with gain
// 1/16, of the absolute difference between consecutive transit times.
// Packets are taken in order of arrival, not of sequence.
func (s *ReceiverStats) updateJitter(rtpTime uint32, arrival time.Time) {
	if s.ClockRate == 0 {
		return
	}
	if !s.haveTransit {
		s.arrivalBase = arrival
	}
	// Arrival in timestamp units, counted from the first packet: only
	// differences matter, and both sides wrap modulo 2^32.
	arr := rtp.Ticks(arrival.Sub(s.arrivalBase), s.ClockRate)
	transit := arr - rtpTime
	if !s.haveTransit {
		s.haveTransit = true
		s.transit = transit
		return
	}
	d := int64(int32(transit - s.transit))
	s.transit = transit
	if d < 0 {
		d = -d
	}
	j := int64(s.jitter) + d - int64((s.jitter+8)>>4)
	s.jitter = uint32(min(max(j, 0), 0xffffffff))
}

// OnSenderReport records an SR from the source: its NTP timestamp and the
// instant it arrived, for the next reports' LSR and DLSR.
func (s *ReceiverStats) OnSenderReport(ntp uint64, arrival time.Time) {
	s.haveSR = true
	s.lsr = MiddleNTP(ntp)
	s.lsrArrive = arrival
}

// Received is the number of packets counted so far (duplicates included,
// as A.1 counts them).
func (s *ReceiverStats) Received() uint32 { return s.received }

// ExtendedHighestSeq is the highest sequence number received, with the
// count of wraps in the high 16 bits.
func (s *ReceiverStats) ExtendedHighestSeq() uint32 { return s.cycles + uint32(s.maxSeq) }

// Jitter is the current interarrival jitter estimate in timestamp units.
func (s *ReceiverStats) Jitter() uint32 { return s.jitter >> 4 }

// Lost is the cumulative number of packets lost (A.3): expected minus
// received, negative when duplicates outnumber losses.
func (s *ReceiverStats) Lost() int64 {
	if !s.started || s.probation > 0 {
		return 0
	}
	return int64(s.expected()) - int64(s.received)
}

// expected is A.3's expected count: extended highest minus base plus one.
func (s *ReceiverStats) expected() uint32 {
	return s.ExtendedHighestSeq() - s.baseSeq + 1
}

// Report returns a reception report block about the source, whose SSRC is
// ssrc, at instant now, and starts a new interval for the fraction lost
// (RFC 3550 A.3). LSR and DLSR refer to the last SR recorded, or are 0.
// Before the first counted packet the block is empty but for the SSRC.
func (s *ReceiverStats) Report(ssrc uint32, now time.Time) ReceptionReport {
	r := ReceptionReport{SSRC: ssrc}
	if s.haveSR {
		r.LSR = s.lsr
		r.DLSR = ShortDuration(now.Sub(s.lsrArrive))
	}
	if !s.started || s.probation > 0 {
		return r
	}
	expected := s.expected()
	lost := int64(expected) - int64(s.received)
	r.CumulativeLost = int32(min(max(lost, minCumulativeLost), maxCumulativeLost))
	expectedInterval := expected - s.expectedPrior
	s.expectedPrior = expected
	receivedInterval := s.received - s.receivedPrior
	s.receivedPrior = s.received
	lostInterval := int64(expectedInterval) - int64(receivedInterval)
	if expectedInterval != 0 && lostInterval > 0 {
		// At most 255: 256 (everything lost) does not fit the field.
		r.FractionLost = uint8(min(lostInterval<<8/int64(expectedInterval), 255))
	}
	r.ExtendedHighestSeq = s.ExtendedHighestSeq()
	r.Jitter = s.Jitter()
	return r
}
