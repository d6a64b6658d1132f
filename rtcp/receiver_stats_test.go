package rtcp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReceiverStatsLoss follows RFC 3550 A.1 and A.3 by hand over several
// report intervals with loss, reordering and duplicates.
func TestReceiverStatsLoss(t *testing.T) {
	s := NewReceiverStats(8000)
	feed := func(seqs ...uint16) {
		for _, q := range seqs {
			// Arrivals in step with the timestamps: no jitter.
			require.True(t, s.Update(q, uint32(q)*160, t0.Add(time.Duration(q)*20*time.Millisecond)), "seq %d", q)
		}
	}
	// 5 lost, 3 and 4 swapped: 7 received of 8 expected, 1/8 lost.
	feed(0, 1, 2, 4, 3, 6, 7)
	require.Equal(t, ReceptionReport{SSRC: 42, FractionLost: 32, CumulativeLost: 1, ExtendedHighestSeq: 7}, s.Report(42, t0))
	// 10 and 12 lost, 9 duplicated: 5 counted of 6 expected (8..13).
	// fraction (1<<8)/6 = 42.
	feed(8, 9, 9, 11, 13)
	require.Equal(t, ReceptionReport{SSRC: 42, FractionLost: 42, CumulativeLost: 2, ExtendedHighestSeq: 13}, s.Report(42, t0))
	// Nothing new: expected interval 0, fraction 0.
	require.Equal(t, ReceptionReport{SSRC: 42, CumulativeLost: 2, ExtendedHighestSeq: 13}, s.Report(42, t0))
	// Duplicates outnumber losses: received 17 of 15 expected.
	feed(14, 14, 14, 14, 14)
	require.Equal(t, ReceptionReport{SSRC: 42, CumulativeLost: -2, ExtendedHighestSeq: 14}, s.Report(42, t0))
	require.Equal(t, int64(-2), s.Lost())
	require.Equal(t, uint32(17), s.Received())
}

func TestReceiverStatsWrapAndJump(t *testing.T) {
	s := NewReceiverStats(90000)
	for _, q := range []uint16{65534, 65535, 0, 2, 1} {
		require.True(t, s.Update(q, 0, t0))
	}
	require.Equal(t, uint32(65536+2), s.ExtendedHighestSeq())
	r := s.Report(1, t0)
	require.Equal(t, uint32(65538), r.ExtendedHighestSeq)
	require.Equal(t, int32(0), r.CumulativeLost)

	// A jump of more than 3000 is a restart only when confirmed.
	require.False(t, s.Update(10000, 0, t0))
	require.Equal(t, uint32(65538), s.ExtendedHighestSeq())
	require.True(t, s.Update(10001, 0, t0))
	require.Equal(t, uint32(10001), s.ExtendedHighestSeq())
	require.Equal(t, uint32(1), s.Received())
	require.Equal(t, ReceptionReport{SSRC: 1, ExtendedHighestSeq: 10001}, s.Report(1, t0))
	// A jump far back that is not confirmed does not count.
	require.False(t, s.Update(5000, 0, t0))
	require.False(t, s.Update(4000, 0, t0))
	require.True(t, s.Update(10002, 0, t0))
	// A gap below the dropout limit counts as loss.
	require.True(t, s.Update(12000, 0, t0))
	require.Equal(t, int64(12000-10001+1-3), s.Lost())
	// As in A.1, the confirming packet need not come right after the
	// jump: a valid packet in between does not cancel it.
	require.False(t, s.Update(20000, 0, t0))
	require.True(t, s.Update(12001, 0, t0))
	require.True(t, s.Update(20001, 0, t0))
	require.Equal(t, uint32(20001), s.ExtendedHighestSeq())
	require.Equal(t, uint32(1), s.Received())
}

func TestReceiverStatsProbation(t *testing.T) {
	s := &ReceiverStats{ClockRate: 8000, MinSequential: 2}
	require.Equal(t, ReceptionReport{SSRC: 3}, s.Report(3, t0))
	require.False(t, s.Update(10, 0, t0))
	require.False(t, s.Update(12, 0, t0), "not in sequence: probation restarts")
	require.Equal(t, ReceptionReport{SSRC: 3}, s.Report(3, t0))
	require.Zero(t, s.Lost())
	require.True(t, s.Update(13, 0, t0))
	require.True(t, s.Update(14, 0, t0))
	require.Equal(t, uint32(2), s.Received())
	require.Equal(t, ReceptionReport{SSRC: 3, ExtendedHighestSeq: 14}, s.Report(3, t0))

	// Without probation the first packet counts.
	var z ReceiverStats
	require.True(t, z.Update(10, 0, t0))
	require.Equal(t, uint32(1), z.Received())
	require.Zero(t, z.Jitter(), "no clock rate, no jitter")
}

// TestReceiverStatsJitter checks A.8 by hand at 8000 Hz (8 ticks per ms),
// 20 ms packets: transit times 0, 0, 40, 0, 0 ticks give |D| 0, 40, 40, 0
// and 16*J = 0, 40, 40+40-3 = 77, 77+0-5 = 72, so J = 4 (the floating
// form of A.8 gives 4.54).
func TestReceiverStatsJitter(t *testing.T) {
	s := NewReceiverStats(8000)
	arrivalsMs := []int{0, 20, 45, 60, 80}
	for i, ms := range arrivalsMs {
		s.Update(uint16(i), 1000+uint32(i)*160, t0.Add(time.Duration(ms)*time.Millisecond))
	}
	require.Equal(t, uint32(4), s.Jitter())
	require.Equal(t, uint32(4), s.Report(1, t0).Jitter)

	// Reordered: taken in arrival order. Seq 0 at 0 ms, seq 2 at 40 ms,
	// seq 1 at 45 ms: transits 0, 0, 200 ticks; 16*J = 0 then 200.
	s = NewReceiverStats(8000)
	s.Update(0, 0, t0)
	s.Update(2, 320, t0.Add(40*time.Millisecond))
	s.Update(1, 160, t0.Add(45*time.Millisecond))
	require.Equal(t, uint32(200>>4), s.Jitter())

	// The RTP timestamp wraps: no jitter from that.
	s = NewReceiverStats(8000)
	s.Update(0, 0xffffff60, t0)
	s.Update(1, 0, t0.Add(20*time.Millisecond))
	s.Update(2, 160, t0.Add(40*time.Millisecond))
	require.Zero(t, s.Jitter())

	// A constant network delay gives no jitter; a 90 kHz clock with
	// constant 2 ms delay variation alternating gives it converging
	// towards 180 ticks.
	s = NewReceiverStats(90000)
	for i := range 2000 {
		extra := time.Duration(i%2) * 2 * time.Millisecond
		s.Update(uint16(i), uint32(i)*3600, t0.Add(time.Duration(i)*40*time.Millisecond+extra))
	}
	require.InDelta(t, 180, float64(s.Jitter()), 10)
}

func TestReceiverStatsLSR(t *testing.T) {
	s := NewReceiverStats(90000)
	r := s.Report(9, t0)
	require.Zero(t, r.LSR)
	require.Zero(t, r.DLSR)
	srTime := t0.Add(-time.Second)
	ntp := NTPTime(srTime)
	arrival := t0.Add(10 * time.Millisecond)
	s.OnSenderReport(ntp, arrival)
	s.Update(1, 0, arrival)
	r = s.Report(9, arrival.Add(1500*time.Millisecond))
	require.Equal(t, MiddleNTP(ntp), r.LSR)
	require.Equal(t, uint32(98304), r.DLSR)
	// The sender can now compute the round trip: nothing but the
	// transmission times, here 10 ms on the way in, 5 ms back.
	back := arrival.Add(1500*time.Millisecond + 5*time.Millisecond)
	rtt, ok := RoundTripTime(back, r.LSR, r.DLSR)
	require.True(t, ok)
	require.InDelta(t, float64(time.Second+15*time.Millisecond), float64(rtt), float64(50*time.Microsecond))
}
