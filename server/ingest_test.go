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
	m.addReader(r)
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
	close(r.q)
	for f := range r.q {
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
		{"h264 multi-slice board pattern", VideoH264, "../testdata/h264_high_slices_720p.h264", true},
		{"h264 multi-slice whole AUs", VideoH264, "../testdata/h264_high_slices_720p.h264", false},
		{"h265 board pattern", VideoH265, "../testdata/h265_main_720p.h265", true},
		{"h265 whole AUs", VideoH265, "../testdata/h265_main_720p.h265", false},
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
	require.Len(t, r.q, 2, "a sender report, then the picture")
	sr := <-r.q
	require.True(t, sr.rtcp)
	sr.release()
	f := <-r.q
	defer f.release()
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
	c := mediaClock{unit: Milliseconds, epoch: epoch}
	var tc trackClock
	tc.rate = 90000
	// Advancing caller timestamps are followed exactly.
	require.Equal(t, 10*time.Millisecond, c.mediaTime(&tc, 5000, epoch.Add(10*time.Millisecond)))
	require.Equal(t, 50*time.Millisecond, c.mediaTime(&tc, 5040, epoch.Add(30*time.Millisecond)))
	// A constant timestamp falls back to the monotonic clock.
	require.Equal(t, 80*time.Millisecond, c.mediaTime(&tc, 5040, epoch.Add(80*time.Millisecond)))
	// A small step back is B-frame presentation order, followed exactly.
	require.Equal(t, 40*time.Millisecond, c.mediaTime(&tc, 5000, epoch.Add(90*time.Millisecond)))
	require.Equal(t, 120*time.Millisecond, c.mediaTime(&tc, 5080, epoch.Add(100*time.Millisecond)))
	// A big jump back: the clock, but never before the last media time.
	require.Equal(t, 120*time.Millisecond, c.mediaTime(&tc, 100, epoch.Add(70*time.Millisecond)))
	// A jump far from the clock is pulled back to it.
	require.Equal(t, 200*time.Millisecond, c.mediaTime(&tc, 100+60_000, epoch.Add(200*time.Millisecond)))
	// Other units.
	c.unit = Clock90kHz
	var t2 trackClock
	c.mediaTime(&t2, 0, epoch)
	require.Equal(t, 40*time.Millisecond, c.mediaTime(&t2, 3600, epoch.Add(41*time.Millisecond)))
	c.unit = Microseconds
	var t3 trackClock
	c.mediaTime(&t3, 0, epoch)
	require.Equal(t, 33333*time.Microsecond, c.mediaTime(&t3, 33333, epoch.Add(30*time.Millisecond)))
}
