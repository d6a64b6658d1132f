package client

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/server"
)

type pktInfo struct {
	seq    uint16
	ts     uint32
	marker bool
	pt     uint8
}

type frameInfo struct {
	ts       uint32
	marker   bool
	damaged  bool
	keyframe bool
	nals     [][]byte
}

// recorder keeps what the callbacks of one Client saw.
type recorder struct {
	mu      sync.Mutex
	packets []pktInfo
	frames  []frameInfo
	srs     []rtcp.SenderReport
	enough  chan struct{}
	want    int
	once    sync.Once
}

func newRecorder(wantFrames int) *recorder {
	return &recorder{enough: make(chan struct{}), want: wantFrames}
}

func (r *recorder) attach(c *Client) {
	c.OnPacket = func(track int, p *rtp.Packet, _ time.Time) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.packets = append(r.packets, pktInfo{p.SequenceNumber, p.Timestamp, p.Marker, p.PayloadType})
	}
	c.OnFrame = func(track int, f Frame) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.frames = append(r.frames, frameInfo{f.Timestamp, f.Marker, f.Damaged, f.Keyframe, cloneNALs(f.NALUs)})
		if len(r.frames) >= r.want {
			r.once.Do(func() { close(r.enough) })
		}
	}
	c.OnRTCP = func(track int, pkts []rtcp.Packet) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok {
				r.srs = append(r.srs, *sr)
			}
		}
	}
}

// play connects to ts with opt, plays the one video track until wantFrames
// access units came (or 6 s passed), and closes the client.
func play(t *testing.T, ts *testServer, opt Options, wantFrames int) (*recorder, *Description, []TrackStats) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, ts.url, opt)
	require.NoError(t, err)
	defer c.Close()
	desc, err := c.Describe()
	require.NoError(t, err)
	require.Len(t, desc.Tracks, 1)
	require.NoError(t, c.Setup(0))
	rec := newRecorder(wantFrames)
	rec.attach(c)
	resp, err := c.Play()
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	select {
	case <-rec.enough:
	case <-time.After(6 * time.Second):
		t.Fatalf("only %d access units in 6 s", len(rec.frames))
	}
	stats := c.Stats()
	require.NoError(t, c.Close())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec, desc, stats
}

// checkH264 asserts what every transport must deliver from the test server.
func checkH264(t *testing.T, ts *testServer, rec *recorder, desc *Description, stats []TrackStats) {
	t.Helper()
	// The description.
	tr := desc.Tracks[0]
	require.Equal(t, "video", tr.Media)
	require.Equal(t, CodecH264, tr.Codec)
	require.EqualValues(t, 90000, tr.ClockRate)
	pm, ok := tr.FMTP.Get("packetization-mode")
	require.True(t, ok)
	require.Equal(t, "1", pm)
	pli, ok := tr.FMTP.Get("profile-level-id")
	require.True(t, ok)
	require.Equal(t, h26x.H264ProfileLevelID(ts.sps), pli)
	ps, err := tr.ParameterSets()
	require.NoError(t, err)
	require.Equal(t, [][]byte{ts.sps, ts.pps}, ps)
	require.NotNil(t, tr.Control)

	// Access units: the first is a keyframe (the server's GOP cache), all
	// are byte-identical to what was sent, in order, with the stream's
	// parameter sets possibly added in front of IDRs.
	frames := rec.frames
	require.GreaterOrEqual(t, len(frames), rec.want)
	require.True(t, frames[0].keyframe, "first access unit is not an IDR")
	first := withoutParams(frames[0].nals)
	start := -1
	for j, au := range ts.aus {
		if equalNALs(withoutParams(au), first) {
			start = j
			break
		}
	}
	require.GreaterOrEqual(t, start, 0, "first access unit is none of those sent")
	for k, f := range frames {
		require.False(t, f.damaged, "access unit %d damaged", k)
		require.True(t, f.marker, "access unit %d ended without marker", k)
		sent := ts.aus[(start+k)%len(ts.aus)]
		require.True(t, equalNALs(withoutParams(sent), withoutParams(f.nals)), "access unit %d differs from the one sent", k)
		for _, n := range f.nals {
			switch h26x.H264Type(n) {
			case h26x.H264NALSPS:
				require.Equal(t, ts.sps, n)
			case h26x.H264NALPPS:
				require.Equal(t, ts.pps, n)
			}
		}
		if h26x.H264IsKeyframe(f.nals) {
			sps, pps := h26x.H264ParameterSets(f.nals)
			require.NotNil(t, sps, "IDR access unit %d without SPS", k)
			require.NotNil(t, pps, "IDR access unit %d without PPS", k)
		}
		if k > 0 {
			// 40 ms apart at 90 kHz.
			require.Equal(t, uint32(3600), f.ts-frames[k-1].ts, "timestamp step before access unit %d", k)
		}
	}

	// Packets: consecutive sequence numbers, one timestamp per access
	// unit, the marker on exactly the last packet of each.
	pk := rec.packets
	require.NotEmpty(t, pk)
	markers := 0
	for i, p := range pk {
		require.Equal(t, tr.PayloadType, p.pt)
		if p.marker {
			markers++
		}
		if i == 0 {
			continue
		}
		q := pk[i-1]
		require.Equal(t, q.seq+1, p.seq, "sequence gap before packet %d", i)
		if q.marker {
			require.NotEqual(t, q.ts, p.ts, "packet %d continues an access unit after a marker", i)
		} else {
			require.Equal(t, q.ts, p.ts, "timestamp changed at packet %d without a marker before it", i)
		}
	}
	// The last access unit may still be in progress.
	require.InDelta(t, len(frames), markers, 1)

	// RTCP: the server sends a sender report at PLAY.
	require.NotEmpty(t, rec.srs, "no RTCP sender report")

	// Statistics agree with what the callbacks saw.
	st := stats[0]
	require.GreaterOrEqual(t, st.Delivered, uint64(len(pk)))
	require.Zero(t, st.Lost)
	require.Zero(t, st.Duplicates)
	require.Zero(t, st.Invalid)
	require.GreaterOrEqual(t, st.SenderReports, uint64(1))
	require.GreaterOrEqual(t, st.Frames, uint64(len(frames)))
	require.NotNil(t, st.RTPInfoSeq, "RTP-Info without seq")
	require.NotNil(t, st.RTPInfoTime, "RTP-Info without rtptime")
	require.Equal(t, pk[0].seq, *st.RTPInfoSeq, "RTP-Info seq is not the first packet's")
	require.Equal(t, pk[0].ts, *st.RTPInfoTime, "RTP-Info rtptime is not the first packet's")
}

func TestPlayUDP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	rec, desc, stats := play(t, ts, Options{Transport: TransportUDP}, 40)
	checkH264(t, ts, rec, desc, stats)
}

func TestPlayTCP(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	rec, desc, stats := play(t, ts, Options{Transport: TransportTCP}, 40)
	checkH264(t, ts, rec, desc, stats)
}

// mcastPort gives each multicast test its own ports (a range of 40, of
// which a two-track group uses four).
func mcastPort() int {
	lo, _ := testnet.UDPRange()
	return lo
}

func TestPlayMulticast(t *testing.T) {
	t.Parallel()
	port := mcastPort()
	ts := startServer(t, server.Config{MulticastInterface: "lo", MulticastPort: port, MulticastTTL: 1})
	rec, desc, stats := play(t, ts, Options{Transport: TransportMulticast, MulticastInterface: "lo"}, 40)
	checkH264(t, ts, rec, desc, stats)
}
