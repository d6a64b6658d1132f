package rtcp

import (
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

func TestSenderReportMapping(t *testing.T) {
	start := t0
	video := &Sender{SSRC: 1, Clock: rtp.Clock{Rate: 90000, Offset: 0xfffff000, Start: start}}
	audio := &Sender{SSRC: 2, Clock: rtp.Clock{Rate: 48000, Offset: 12345, Start: start}}
	now := start.Add(2*time.Second + 500*time.Millisecond)
	v, a := video.Report(now), audio.Report(now)
	require.Equal(t, NTPTime(now), v.NTPTime)
	require.Equal(t, v.NTPTime, a.NTPTime)
	require.Equal(t, uint32(225000-0x1000), v.RTPTime) // wrapped past 2^32
	require.Equal(t, uint32(12345+120000), a.RTPTime)

	// A receiver maps a frame's timestamp through each SR to the wall
	// clock; media stamped at the same media time land on the same instant.
	mediaTime := 1234 * time.Millisecond
	vts, ats := video.Clock.Since(mediaTime), audio.Clock.Since(mediaTime)
	wall := func(sr SenderReport, ts uint32, rate uint32) time.Time {
		return TimeFromNTP(sr.NTPTime).Add(rtp.Duration(int64(int32(ts-sr.RTPTime)), rate))
	}
	require.Equal(t, start.Add(mediaTime), wall(v, vts, 90000))
	require.Equal(t, start.Add(mediaTime), wall(a, ats, 48000))
}

func TestSenderCounts(t *testing.T) {
	s := &Sender{SSRC: 7, Clock: rtp.Clock{Rate: 8000, Start: t0}}
	s.Count(160)
	s.Count(160)
	var b rtp.Batch
	st := &rtp.Stream{PayloadType: 96}
	b.Begin(st, 0)
	b.AppendHead(0x7c, 0x85)
	b.SetBody(make([]byte, 1000))
	b.Begin(st, 0)
	b.SetBody(make([]byte, 500))
	s.CountBatch(&b)
	p, o := s.Counts()
	require.Equal(t, uint32(4), p)
	require.Equal(t, uint32(320+1002+500), o)
	sr := s.Report(t0)
	require.Equal(t, SenderReport{SSRC: 7, NTPTime: NTPTime(t0), PacketCount: 4, OctetCount: 1822}, sr)
	s.ResetCounts()
	p, o = s.Counts()
	require.Zero(t, p)
	require.Zero(t, o)

	// Counting and reporting run concurrently (go test -race).
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 1000 {
			s.Count(100)
		}
	}()
	go func() {
		defer wg.Done()
		for range 100 {
			_ = s.Report(time.Now())
		}
	}()
	wg.Wait()
	p, o = s.Counts()
	require.Equal(t, uint32(1000), p)
	require.Equal(t, uint32(100000), o)
}
