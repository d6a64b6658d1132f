package server

import (
	"os"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// auOf groups a stream's NAL units into access units with the h26x
// detector: the ground truth the server's output is checked against.
func auOf(t *testing.T, path string, hevc bool) [][][]byte {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var d4 h26x.H264AUDetector
	var d5 h26x.H265AUDetector
	var aus [][][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		n := false
		if hevc {
			n = d5.StartsNewAU(nal)
		} else {
			n = d4.StartsNewAU(nal)
		}
		if n || len(aus) == 0 {
			aus = append(aus, nil)
		}
		aus[len(aus)-1] = append(aus[len(aus)-1], nal)
	}
	return aus
}

type capturedPacket struct {
	p   *rtp.Packet
	key bool
}

// feed runs a whole stream through a mount the way the board does (one call
// per NAL unit, the constant timestamp 1000) or the way a careful caller does
// (one call per access unit, real timestamps), and returns every packet
// published.
func feed(t *testing.T, video VideoType, path string, perNAL bool) (aus [][][]byte, pkts []capturedPacket) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	m := newMount("t", video, AudioNone, &cfg)
	r := newReader(m, nil, 100000)
	r.tracks[0].setup = true
	m.addReader(r, true)
	aus = auOf(t, path, video == VideoH265)
	for i, au := range aus {
		if perNAL {
			for _, nal := range au {
				require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, nal), 1000))
			}
		} else {
			require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, au...), uint64(i*40)))
		}
		time.Sleep(time.Millisecond) // the wall clock must advance between pictures
	}
	// The last picture is complete once the next begins: end the stream
	// with an access unit delimiter.
	aud := []byte{0x09, 0xf0}
	if video == VideoH265 {
		aud = []byte{0x46, 0x01, 0x50}
	}
	require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, aud), 1000))
	m.removeReader(r)
	close(r.q)
	for it := range r.q {
		f := it.f
		if f.rtcp {
			f.release()
			continue
		}
		ps, err := f.batch.Packets()
		require.NoError(t, err)
		for _, p := range ps {
			pkts = append(pkts, capturedPacket{p, f.key})
		}
		f.release()
	}
	return aus, pkts
}

func TestIngestMarkersAndTimestamps(t *testing.T) {
	for _, tc := range []struct {
		name   string
		video  VideoType
		path   string
		perNAL bool
	}{
		{"h264 board pattern", VideoH264, "../testdata/h264_main_720p.h264", true},
		{"h264 multi-slice board pattern", VideoH264, "../testdata/h264_high_slices_720p_bframes.h264", true},
		{"h264 multi-slice whole AUs", VideoH264, "../testdata/h264_high_slices_720p_bframes.h264", false},
		{"h265 board pattern", VideoH265, "../testdata/h265_main_720p_bframes.h265", true},
		{"h265 whole AUs", VideoH265, "../testdata/h265_main_720p_bframes.h265", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			aus, pkts := feed(t, tc.video, tc.path, tc.perNAL)
			require.NotEmpty(t, pkts)
			// Group packets by timestamp: one group per picture.
			var groups [][]*rtp.Packet
			for i, c := range pkts {
				if i == 0 || c.p.Timestamp != pkts[i-1].p.Timestamp {
					groups = append(groups, nil)
				}
				groups[len(groups)-1] = append(groups[len(groups)-1], c.p)
				if i > 0 {
					require.Equal(t, pkts[i-1].p.SequenceNumber+1, c.p.SequenceNumber, "consecutive sequence numbers")
				}
			}
			require.True(t, pkts[0].key, "the first frame is a keyframe")
			require.Len(t, groups, len(aus), "one RTP timestamp per access unit")
			for gi, g := range groups {
				for i, p := range g {
					require.Equal(t, i == len(g)-1, p.Marker, "AU %d packet %d/%d: marker only on the last packet", gi, i, len(g))
				}
				if gi > 0 {
					d := int32(g[0].Timestamp - groups[gi-1][0].Timestamp)
					require.Positive(t, d, "timestamps increase")
				}
			}
		})
	}
}

func TestIngestInsertsParameterSetsBeforeIDR(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	m := newMount("t", VideoH264, AudioNone, &cfg)
	aus := auOf(t, "../testdata/h264_main_720p.h264", false)
	// The first AU carries SPS, PPS (and SEI); the 26th is the next IDR,
	// which x264 also precedes by SPS/PPS: strip them to see them put back.
	require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, aus[0]...), 0))
	require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, aus[1]...), 40))
	var idr [][]byte
	for _, n := range aus[25] {
		if h26x.H264Type(n) == h26x.H264NALIDR {
			idr = append(idr, n)
		}
	}
	require.NotEmpty(t, idr)
	r := newReader(m, nil, 100)
	r.tracks[0].setup = true
	m.mu.Lock()
	m.readers = append(m.readers, r)
	m.mu.Unlock()
	// The picture count per access unit is known by now: the IDR goes out
	// at once, without waiting for the next access unit.
	require.NoError(t, m.sendVideo(h26x.AppendAnnexB(nil, idr...), 1000))
	// A sender report, the picture, a sender report; and, should the test
	// have been held up for resyncReport, the next sender report.
	require.GreaterOrEqual(t, len(r.q), 3, "a sender report, the picture, a sender report")
	sr := (<-r.q).f
	require.True(t, sr.rtcp)
	sr.release()
	f := (<-r.q).f
	defer f.release()
	require.False(t, f.rtcp, "the picture")
	for len(r.q) > 0 {
		sr = (<-r.q).f
		require.True(t, sr.rtcp, "only sender reports after the picture")
		sr.release()
	}
	var d h26x.H264Depacketizer
	var got [][]byte
	ps, err := f.batch.Packets()
	require.NoError(t, err)
	for _, p := range ps {
		aus, err := d.Depacketize(p)
		require.NoError(t, err)
		for _, au := range aus {
			got = au.NALs
		}
	}
	require.GreaterOrEqual(t, len(got), 3)
	require.Equal(t, h26x.H264NALSPS, h26x.H264Type(got[0]))
	require.Equal(t, h26x.H264NALPPS, h26x.H264Type(got[1]))
	require.Equal(t, h26x.H264NALIDR, h26x.H264Type(got[2]))
	require.True(t, f.key)
}

func TestMediaClockRule(t *testing.T) {
	epoch := time.Now()
	at := func(ms int) time.Time { return epoch.Add(time.Duration(ms) * time.Millisecond) }
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	c := mediaClock{unit: Milliseconds, epoch: epoch}
	var v trackClock
	// Advancing caller timestamps are followed exactly.
	require.Equal(t, ms(10), c.mediaTime(&v, 5000, at(10), 0, ms(1)))
	require.Equal(t, ms(50), c.mediaTime(&v, 5040, at(30), 0, ms(1)))
	// A constant timestamp falls back to the monotonic clock.
	require.Equal(t, ms(80), c.mediaTime(&v, 5040, at(80), 0, ms(1)))
	// A small step back is B-frame presentation order, followed exactly.
	require.Equal(t, ms(40), c.mediaTime(&v, 5000, at(90), 0, ms(1)))
	require.Equal(t, ms(120), c.mediaTime(&v, 5080, at(100), 0, ms(1)))
	// A big jump back: the clock, but a picture still advances.
	require.Equal(t, ms(121), c.mediaTime(&v, 100, at(70), 0, ms(1)))
	// A jump far from the clock is pulled back to it.
	require.Equal(t, ms(200), c.mediaTime(&v, 100+60_000, at(200), 0, ms(1)))

	// A second track starts on the caller's timeline as the first has it:
	// audio stamped 5000 (the first video unit's time) arriving 200 ms
	// later still starts at media time 10 ms.
	c2 := mediaClock{unit: Milliseconds, epoch: epoch}
	var vid, aud trackClock
	require.Equal(t, ms(10), c2.mediaTime(&vid, 5000, at(10), 0, ms(1)))
	require.Equal(t, ms(50), c2.mediaTime(&vid, 5040, at(50), 0, ms(1)))
	require.Equal(t, ms(10), c2.mediaTime(&aud, 5000, at(210), 0, 0))

	// A constant timestamp with a known frame rate keeps an even cadence,
	// within maxCadenceDrift of the clock; beyond it the clock takes over,
	// and a burst of pictures still gets increasing timestamps.
	c3 := mediaClock{unit: Milliseconds, epoch: epoch}
	var f trackClock
	frame := ms(40)
	require.Equal(t, ms(0), c3.mediaTime(&f, 1000, at(0), frame, frame/4))
	require.Equal(t, ms(40), c3.mediaTime(&f, 1000, at(3), frame, frame/4))
	require.Equal(t, ms(80), c3.mediaTime(&f, 1000, at(95), frame, frame/4))
	require.Equal(t, ms(1500), c3.mediaTime(&f, 1000, at(1500), frame, frame/4))
	require.Equal(t, ms(1540), c3.mediaTime(&f, 1000, at(1500), frame, frame/4))
	for i := 0; i < 20; i++ { // a burst after a stall: far ahead of the clock
		c3.mediaTime(&f, 1000, at(900), frame, frame/4)
	}
	last := f.lastMedia
	require.Greater(t, c3.mediaTime(&f, 1000, at(900), frame, frame/4), last)

	// Other units.
	c4 := mediaClock{unit: Clock90kHz, epoch: epoch}
	var t2 trackClock
	c4.mediaTime(&t2, 0, epoch, 0, 0)
	require.Equal(t, ms(40), c4.mediaTime(&t2, 3600, at(41), 0, 0))
	c5 := mediaClock{unit: Microseconds, epoch: epoch}
	var t3 trackClock
	c5.mediaTime(&t3, 0, epoch, 0, 0)
	require.Equal(t, 33333*time.Microsecond, c5.mediaTime(&t3, 33333, at(30), 0, 0))
}
