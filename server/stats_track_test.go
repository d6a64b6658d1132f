package server

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Issue 12: Stats keeps the reception of each track apart (the report
// block about each track's SSRC), and converts each track's jitter with
// that track's own clock: 900 units of the 90 kHz video clock and 80 units
// of the 8 kHz audio clock are both 10 ms.
func TestStatsReceptionPerTrack(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	c := dialRaw(t, s, "test")
	// SETUP both tracks interleaved (RTP 0 and 2, RTCP 1 and 3), keeping
	// the SSRC each one announces.
	var ssrc [2]uint32
	for i := range ssrc {
		resp := c.do(rtsp.Setup, fmt.Sprintf("%s/trackID=%d", c.base, i), "Transport", fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", 2*i, 2*i+1))
		require.Equal(t, 200, resp.StatusCode)
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.NotNil(t, tr.SSRC)
		ssrc[i] = *tr.SSRC
		sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
		require.NoError(t, err)
		c.sess = sh.ID
	}
	require.NotEqual(t, ssrc[0], ssrc[1])
	require.Equal(t, 200, c.do(rtsp.Play, c.base+"/").StatusCode)

	// send writes an RR with blocks on an interleaved RTCP channel. The
	// server handles one connection's frames in order, so once a report's
	// effect shows in Stats, every report sent before it was handled.
	send := func(channel uint8, blocks ...rtcp.ReceptionReport) {
		t.Helper()
		b, err := rtcp.MarshalCompound(&rtcp.ReceiverReport{SSRC: 0x5eed, Reports: blocks})
		require.NoError(t, err)
		require.NoError(t, c.nc.SetWriteDeadline(time.Now().Add(hangTimeout)))
		require.NoError(t, rtsp.WriteInterleavedFrame(c.nc, channel, b))
	}
	tracks := func() []TrackReception {
		t.Helper()
		st, err := s.Stats("test")
		require.NoError(t, err)
		require.Len(t, st.Readers, 1)
		require.Len(t, st.Readers[0].Tracks, 2)
		return st.Readers[0].Tracks
	}
	// waitFor waits until track i shows total lost (each report below
	// changes it).
	waitFor := func(i int, lost int64) []TrackReception {
		t.Helper()
		require.Eventually(t, func() bool {
			return tracks()[i].TotalLost == lost
		}, hangTimeout, 10*time.Millisecond, "track %d never showed its report", i)
		return tracks()
	}

	// Before any report: the tracks and their clocks, no reception.
	tr := tracks()
	require.Equal(t, TrackReception{Media: "video", ClockRate: 90000}, tr[0])
	require.Equal(t, TrackReception{Media: "audio", ClockRate: 8000}, tr[1])

	// A block about a source that is none of ours is ignored; the video
	// block after it lands on the video track only.
	unknown := ssrc[0] ^ ssrc[1] ^ 0x1 // differs from both
	if unknown == ssrc[0] || unknown == ssrc[1] {
		unknown = ^ssrc[0] &^ 1
	}
	send(1, rtcp.ReceptionReport{SSRC: unknown, FractionLost: 255, CumulativeLost: 99, Jitter: 123456})
	before := time.Now()
	send(1, rtcp.ReceptionReport{SSRC: ssrc[0], FractionLost: 64, CumulativeLost: 3, Jitter: 900})
	tr = waitFor(0, 3)
	require.Equal(t, "video", tr[0].Media)
	require.Equal(t, 0.25, tr[0].FractionLost)
	require.Equal(t, 10*time.Millisecond, tr[0].Jitter)
	require.False(t, tr[0].LastReport.Before(before.Add(-time.Second)), "LastReport is when the report came")
	require.Equal(t, TrackReception{Media: "audio", ClockRate: 8000}, tr[1], "the audio track has no report")

	// The audio report on the audio RTCP channel: its own track, its own
	// clock (80 units at 8 kHz are 10 ms, not 0.9 ms as with 90 kHz).
	send(3, rtcp.ReceptionReport{SSRC: ssrc[1], FractionLost: 128, CumulativeLost: 7, Jitter: 80})
	tr = waitFor(1, 7)
	require.Equal(t, "audio", tr[1].Media)
	require.Equal(t, 0.5, tr[1].FractionLost)
	require.Equal(t, 10*time.Millisecond, tr[1].Jitter)
	require.False(t, tr[1].LastReport.IsZero())
	// The video track keeps its own report.
	require.Equal(t, int64(3), tr[0].TotalLost)
	require.Equal(t, 0.25, tr[0].FractionLost)
	require.Equal(t, 10*time.Millisecond, tr[0].Jitter)

	// One RR about both tracks, on the video channel (as players that send
	// one report for the whole session do): each block goes to the track
	// of its SSRC, whatever the channel and the order.
	send(1,
		rtcp.ReceptionReport{SSRC: ssrc[1], CumulativeLost: 8, Jitter: 160},
		rtcp.ReceptionReport{SSRC: unknown, FractionLost: 255, CumulativeLost: 99, Jitter: 123456},
		rtcp.ReceptionReport{SSRC: ssrc[0], CumulativeLost: 4, Jitter: 1800},
	)
	waitFor(0, 4)
	tr = waitFor(1, 8)
	require.Equal(t, 20*time.Millisecond, tr[0].Jitter)
	require.Equal(t, 20*time.Millisecond, tr[1].Jitter)
	require.Zero(t, tr[0].FractionLost)
	require.Zero(t, tr[1].FractionLost)
}

// Stats gives the picture size the stream carries and the number of
// pictures from one keyframe to the next (what ONVIF reports as
// Resolution and GovLength): from the SPS for H.264 and H.265, sent slice
// by slice or whole, and from each JPEG for MJPEG, where every picture is
// a keyframe.
func TestStatsPictureSizeAndGOP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file          string
		video         VideoType
		width, height int
		gop           int // keyframes at access units 0 and 25 (testdata/gen.sh: -g 25)
	}{
		{"../testdata/conf_h264_high_slices_720p.h264", VideoH264, 1280, 720, 25},
		{"../testdata/conf_h265_main_720p.h265", VideoH265, 1280, 720, 25},
		{"../testdata/mjpeg_420_320x240.mjpeg", VideoMJPEG, 320, 240, 1},
	} {
		t.Run(string(tc.video), func(t *testing.T) {
			s := startedServer(t, Config{}, tc.video, AudioNone)
			st, err := s.Stats("test")
			require.NoError(t, err)
			require.Zero(t, st.Width, "no picture yet")
			require.Zero(t, st.GOPLength)
			var units [][]byte
			if tc.video == VideoMJPEG {
				data, err := os.ReadFile(tc.file)
				require.NoError(t, err)
				units, err = mjpeg.SplitFrames(nil, data)
				require.NoError(t, err)
			} else {
				for _, au := range auOf(t, tc.file, tc.video == VideoH265) {
					units = append(units, h26x.AppendAnnexB(nil, au...))
				}
			}
			require.Greater(t, len(units), tc.gop)
			for i, u := range units {
				require.NoError(t, s.SendVideoData("test", u, uint64(i*40)))
				if i == tc.gop-1 && tc.gop > 1 {
					st, err := s.Stats("test")
					require.NoError(t, err)
					require.Zero(t, st.GOPLength, "one keyframe so far: no whole group yet")
				}
			}
			st, err = s.Stats("test")
			require.NoError(t, err)
			require.Equal(t, tc.width, st.Width)
			require.Equal(t, tc.height, st.Height)
			require.Equal(t, tc.gop, st.GOPLength)
		})
	}
}
