package client

import (
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// testTrack returns a track of a bare Client, fed directly through onRTP,
// with callbacks recording what is delivered.
func testTrack(t *testing.T, kind Transport, info Track) (*track, *[]uint16, *[]Frame) {
	t.Helper()
	c := &Client{opt: Options{ReorderWindow: 8, ReorderDelay: time.Hour}.withDefaults()}
	tr := newTrack(c, 0, info, kind)
	var seqs []uint16
	var frames []Frame
	c.handlers.Store(&handlers{
		onPacket: func(_ int, p *rtp.Packet, _ time.Time) { seqs = append(seqs, p.SequenceNumber) },
		onFrame: func(_ int, f Frame) {
			f.NALUs = cloneNALs(f.NALUs)
			frames = append(frames, f)
		},
	})
	return tr, &seqs, &frames
}

func rtpBytes(t *testing.T, ssrc uint32, seq uint16, ts uint32, marker bool, payload []byte) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Marker: marker, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}).Marshal()
	require.NoError(t, err)
	return b
}

func TestTrackSequencing(t *testing.T) {
	info := Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}}
	nal := []byte{0x65, 1, 2, 3} // IDR slice, single NAL unit packets
	tests := []struct {
		name    string
		kind    Transport
		seqs    []uint16
		want    []uint16
		reorder uint64
		dups    uint64
		late    uint64
		lost    uint64
	}{
		{"in order", TransportUDP, []uint16{10, 11, 12}, []uint16{10, 11, 12}, 0, 0, 0, 0},
		{"swap", TransportUDP, []uint16{10, 12, 11, 13}, []uint16{10, 11, 12, 13}, 1, 0, 0, 0},
		{"duplicate", TransportUDP, []uint16{10, 11, 11, 12}, []uint16{10, 11, 12}, 0, 1, 0, 0},
		{"wrap", TransportUDP, []uint16{65534, 0, 65535, 1}, []uint16{65534, 65535, 0, 1}, 1, 0, 0, 0},
		{"gap past the window", TransportUDP, []uint16{10, 12, 13, 14, 15, 16, 17, 18, 19, 20}, []uint16{10, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 0, 0, 0, 1},
		{"late", TransportUDP, []uint16{10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 11}, []uint16{10, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 0, 0, 1, 1},
		{"tcp gap", TransportTCP, []uint16{10, 12, 13}, []uint16{10, 12, 13}, 0, 0, 0, 1},
		{"tcp duplicate", TransportTCP, []uint16{10, 11, 11}, []uint16{10, 11}, 0, 1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, seqs, frames := testTrack(t, tc.kind, info)
			now := time.Now()
			for i, s := range tc.seqs {
				tr.onRTP(rtpBytes(t, 5, s, uint32(s)*3000, true, nal), now.Add(time.Duration(i)*time.Millisecond))
			}
			require.Equal(t, tc.want, *seqs)
			st := tr.snapshot()
			require.EqualValues(t, len(tc.seqs), st.Packets)
			require.EqualValues(t, len(tc.want), st.Delivered)
			require.Equal(t, tc.reorder, st.Reordered, "reordered")
			require.Equal(t, tc.dups, st.Duplicates, "duplicates")
			require.Equal(t, tc.late, st.Late, "late")
			require.Equal(t, tc.lost, st.Lost, "lost")
			require.Equal(t, tc.want[len(tc.want)-1], st.LastSequenceNumber)
			require.EqualValues(t, 5, st.SSRC)
			require.Len(t, *frames, len(tc.want))
			require.True(t, (*frames)[0].Keyframe)
		})
	}
}

func TestTrackReorderDeadline(t *testing.T) {
	tr, seqs, _ := testTrack(t, TransportUDP, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}})
	tr.reorder = rtp.NewReorderBuffer(8, 20*time.Millisecond)
	now := time.Now()
	tr.onRTP(rtpBytes(t, 1, 1, 0, true, []byte{0x41, 0}), now)
	tr.onRTP(rtpBytes(t, 1, 3, 0, true, []byte{0x41, 0}), now)
	require.Equal(t, []uint16{1}, *seqs)
	dl, ok := tr.reorder.Deadline()
	require.True(t, ok)
	tr.drain(dl)
	require.Equal(t, []uint16{1, 3}, *seqs)
	require.EqualValues(t, 1, tr.snapshot().Lost)
}

func TestTrackInvalidAndSSRC(t *testing.T) {
	tr, seqs, _ := testTrack(t, TransportUDP, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}})
	now := time.Now()
	tr.onRTP([]byte{1, 2, 3}, now)                   // too short
	tr.onRTP(make([]byte, 20), now)                  // version 0
	tr.onRTP(rtpBytes(t, 1, 100, 0, true, nil), now) // empty payload: depacketizer error only
	tr.onRTP(rtpBytes(t, 1, 101, 0, true, []byte{0x41, 0}), now)
	// The server restarts its stream with a new SSRC and numbering.
	tr.onRTP(rtpBytes(t, 2, 5000, 0, true, []byte{0x41, 0}), now)
	tr.onRTP(rtpBytes(t, 2, 5001, 0, true, []byte{0x41, 0}), now)
	st := tr.snapshot()
	require.EqualValues(t, 2, st.Invalid)
	require.EqualValues(t, 1, st.SSRCChanges)
	require.EqualValues(t, 2, st.SSRC)
	require.EqualValues(t, 1, st.DepacketizeErrors)
	require.Equal(t, []uint16{100, 101, 5000, 5001}, *seqs)

	// Multicast: only the SSRC the server announced.
	tr, seqs, _ = testTrack(t, TransportMulticast, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}})
	tr.wantSSRC, tr.haveWantSSRC = 9, true
	tr.onRTP(rtpBytes(t, 8, 1, 0, true, []byte{0x41, 0}), now)
	tr.onRTP(rtpBytes(t, 9, 1, 0, true, []byte{0x41, 0}), now)
	require.Equal(t, []uint16{1}, *seqs)
	require.EqualValues(t, 1, tr.snapshot().Invalid)
}

func TestTrackRTCP(t *testing.T) {
	tr, _, _ := testTrack(t, TransportUDP, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}})
	now := time.Now()
	tr.onRTP(rtpBytes(t, 3, 1, 0, true, []byte{0x41, 0}), now)
	ntp := rtcp.NTPTime(now)
	sr, err := rtcp.MarshalCompound(&rtcp.SenderReport{SSRC: 3, NTPTime: ntp, RTPTime: 1234, PacketCount: 1, OctetCount: 2})
	require.NoError(t, err)
	other, err := rtcp.MarshalCompound(&rtcp.SenderReport{SSRC: 4, NTPTime: ntp})
	require.NoError(t, err)
	tr.onRTCP(sr, now)
	tr.onRTCP(other, now) // another source: ignored
	tr.onRTCP([]byte{0x80, 200, 0, 50}, now)
	st := tr.snapshot()
	require.EqualValues(t, 2, st.RTCPPackets)
	require.EqualValues(t, 1, st.RTCPInvalid)
	require.EqualValues(t, 1, st.SenderReports)
	require.EqualValues(t, 1234, st.LastSenderReport.RTPTime)
	require.Equal(t, rtcp.TimeFromNTP(ntp), st.LastSenderReport.NTPTime)

	// The receiver report refers to that SR (LSR) and the source.
	tr.c.ssrc, tr.c.cname = 77, "me"
	b, err := tr.receiverReport(now.Add(time.Second), true)
	require.NoError(t, err)
	pkts, err := rtcp.Unmarshal(b)
	require.NoError(t, err)
	require.Len(t, pkts, 3)
	rr := pkts[0].(*rtcp.ReceiverReport)
	require.EqualValues(t, 77, rr.SSRC)
	require.Len(t, rr.Reports, 1)
	require.EqualValues(t, 3, rr.Reports[0].SSRC)
	require.Equal(t, rtcp.MiddleNTP(ntp), rr.Reports[0].LSR)
	require.InDelta(t, 65536, float64(rr.Reports[0].DLSR), 2)
	require.Equal(t, "me", pkts[1].(*rtcp.SourceDescription).Chunks[0].CNAME())
	require.Equal(t, []uint32{77}, pkts[2].(*rtcp.Goodbye).Sources)
}

func TestTrackFU(t *testing.T) {
	// An access unit of two NAL units, the second fragmented, through the
	// real packetizer: the frame holds both, marked, with its timestamp.
	tr, _, frames := testTrack(t, TransportTCP, Track{Format: format.Format{Codec: CodecH264, ClockRate: 90000, PayloadType: 96}})
	big := make([]byte, 3000)
	big[0] = 0x65
	for i := 1; i < len(big); i++ {
		big[i] = byte(i)
	}
	nals := [][]byte{{0x67, 0x42, 0, 0x1f}, big}
	var b rtp.Batch
	var p h26x.H264Packetizer
	s := rtp.Stream{PayloadType: 96, SSRC: 1, Seq: 40}
	require.NoError(t, p.Packetize(&b, &s, 9000, nals, true))
	require.Greater(t, b.Len(), 2)
	for i := 0; i < b.Len(); i++ {
		tr.onRTP(b.AppendPacket(nil, i), time.Now())
	}
	require.Len(t, *frames, 1)
	f := (*frames)[0]
	require.Equal(t, nals, f.NALUs)
	require.EqualValues(t, 9000, f.Timestamp)
	require.True(t, f.Marker)
	require.True(t, f.Keyframe)
	require.Equal(t, CodecH264, f.Codec)
}

func TestHelpers(t *testing.T) {
	u := func(s string) *url.URL { x, err := url.Parse(s); require.NoError(t, err); return x }
	for _, tc := range []struct {
		info string
		ctl  string
		same bool
	}{
		{"rtsp://h/test/trackID=0", "rtsp://h/test/trackID=0", true},
		{"rtsp://other:554/test/trackID=0", "rtsp://h/test/trackID=0", true},
		{"rtsp://h/test/trackID=0/", "rtsp://h/test/trackID=0", true},
		{"rtsp://h/test/trackID=1", "rtsp://h/test/trackID=0", false},
		{"rtsp://h/test?x=1/trackID=0", "rtsp://h/test?x=1/trackID=0", true},
		{"::", "rtsp://h/test", false},
	} {
		require.Equal(t, tc.same, sameResource(tc.info, u(tc.ctl)), tc.info)
	}
	require.False(t, sameResource("x", nil))

	require.Equal(t, "*", requestURI(&url.URL{Path: "*"}))
	require.Equal(t, "rtsp://h/x", requestURI(u("rtsp://a:b@h/x")))

	c := &Client{}
	ch, ok := c.freeChannelPair(3)
	require.True(t, ok)
	require.EqualValues(t, 6, ch)
	c.channels[6] = &track{}
	ch, ok = c.freeChannelPair(3)
	require.True(t, ok)
	require.EqualValues(t, 0, ch)
	for i := range c.channels {
		c.channels[i] = &track{}
	}
	_, ok = c.freeChannelPair(3)
	require.False(t, ok)

	for tr, s := range map[Transport]string{TransportUDP: "udp", TransportTCP: "tcp", TransportMulticast: "multicast", 9: "Transport(9)"} {
		require.Equal(t, s, tr.String())
	}
	e := &StatusError{Method: rtsp.Setup, Response: &rtsp.Response{StatusCode: 461, Reason: "Unsupported Transport"}}
	require.Equal(t, "client: SETUP: 461 Unsupported Transport", e.Error())
	require.Nil(t, statusError(rtsp.Play, &rtsp.Response{StatusCode: 200}, nil))

	o := Options{}.withDefaults()
	require.Equal(t, DefaultTimeout, o.Timeout)
	require.Equal(t, DefaultReceiverReportInterval, o.ReceiverReportInterval)
	require.Equal(t, DefaultUserAgent, o.UserAgent)
	o = Options{ReceiverReportInterval: -1}.withDefaults()
	require.Negative(t, o.ReceiverReportInterval)
}

func TestListenUDPPair(t *testing.T) {
	for range 20 {
		a, b, err := listenUDPPair(netipLoopback(), DefaultUDPReadBuffer)
		require.NoError(t, err)
		pa, pb := udpPortOf(a), udpPortOf(b)
		require.Zero(t, pa%2)
		require.Equal(t, pa+1, pb)
		a.Close()
		b.Close()
	}
}

func TestSeqWindow(t *testing.T) {
	var w seqWindow
	highest := int64(-1)
	add := func(ext int64) {
		require.False(t, w.has(ext, highest), "%d", ext)
		w.add(ext, highest)
		highest = max(highest, ext)
		require.True(t, w.has(ext, highest), "%d", ext)
	}
	add(0)
	add(2)
	require.False(t, w.has(1, highest))
	add(1)
	add(1500) // slides past everything
	for n := int64(0); n < 3; n++ {
		require.False(t, w.has(n, highest), "%d forgotten", n)
	}
	add(1500 + seqWindowSize - 1)
	require.True(t, w.has(1500, highest))
	add(1500 + seqWindowSize) // 1500 slides out
	require.False(t, w.has(1500, highest))
	// Too old to tell: not a duplicate, and not recorded.
	w.add(10, highest)
	require.False(t, w.has(10, highest))
	// Negative extended numbers (late packets from before the first).
	w = seqWindow{}
	highest = 4
	w.add(-3, highest)
	require.True(t, w.has(-3, highest))
	require.False(t, w.has(-2, highest))
}

// A UDP track accepts datagrams from any port of the server's address
// until one comes from the port the SETUP reply gave; from then on only
// from that port, so that another stream still sent to a port the client
// was given after its previous owner (another server on the host) is not
// taken for this one.
func TestFromServerLocksToAnnouncedPort(t *testing.T) {
	srv := netip.MustParseAddr("127.0.0.1")
	tr := &track{sources: []netip.Addr{srv}, serverPorts: [2]uint16{9000, 9001}}
	other := netip.AddrPortFrom(srv, 7000)
	require.True(t, tr.fromServer(other, 0), "before the announced port shows up, any port of the server")
	require.True(t, tr.fromServer(netip.AddrPortFrom(srv, 9000), 0))
	require.False(t, tr.fromServer(other, 0), "after it, that port only")
	require.True(t, tr.fromServer(netip.AddrPortFrom(srv, 9000), 0))
	require.True(t, tr.fromServer(other, 1), "RTCP locks on its own")
	require.True(t, tr.fromServer(netip.AddrPortFrom(srv, 9001), 1))
	require.False(t, tr.fromServer(other, 1))
	require.False(t, tr.fromServer(netip.MustParseAddrPort("127.0.0.2:9000"), 0), "another host never")
	anyPort := &track{sources: []netip.Addr{srv}}
	require.True(t, anyPort.fromServer(other, 0), "no port announced: any port of the server")
	require.True(t, anyPort.fromServer(netip.AddrPortFrom(srv, 9000), 0))
	require.True(t, anyPort.fromServer(other, 0))
}
