package h26x_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

var h265rtp = h264rtpCodec{
	name:    "H.265",
	hdrSize: 2,
	aggType: int(h26x.H265NALAP),
	fuType:  int(h26x.H265NALFU),
	typeOf:  func(b []byte) int { return int(h26x.H265Type(b)) },
	packetize: func(max int, b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, end bool) error {
		p := h26x.H265Packetizer{MaxPacketSize: max}
		return p.Packetize(b, s, ts, nals, end)
	},
	depacketize: func() func(p *rtp.Packet) ([]h26x.RTPAccessUnit, error) {
		return new(h26x.H265Depacketizer).Depacketize
	},
	splitAUs:  h265rtpSplitAUs,
	paramSets: []int{int(h26x.H265NALVPS), int(h26x.H265NALSPS), int(h26x.H265NALPPS)},
}

// h265rtpSplitAUs groups H.265 NAL units into access units the simple way
// (H.265 §7.4.2.4.4): a new one starts at a slice segment with
// first_slice_segment_in_pic_flag, or at a VPS, SPS, PPS, AUD, prefix SEI
// or types 41-44 and 48-55 after a slice segment.
func h265rtpSplitAUs(nals [][]byte) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	seenVCL := false
	for _, nal := range nals {
		t := h26x.H265Type(nal)
		start := false
		switch {
		case t.IsVCL():
			start = nal[2]&0x80 != 0 && seenVCL
		case t >= 32 && t <= 35 || t == 39 || t >= 41 && t <= 44 || t >= 48 && t <= 55:
			start = seenVCL
		}
		if start {
			aus = append(aus, cur)
			cur = nil
		}
		if start || t.IsVCL() {
			seenVCL = t.IsVCL()
		}
		cur = append(cur, nal)
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
}

func TestH265RTPRoundTripStreams(t *testing.T) {
	for _, f := range []string{"h265_main_720p_bframes.h265", "h265_main_720p_4mbps_bframes.h265"} {
		t.Run(f, func(t *testing.T) { h264rtpRoundTrip(t, h265rtp, f) })
	}
}

func TestH265RTPSplitAUs(t *testing.T) {
	aus := h264rtpReadAUs(t, h265rtp, "h265_main_720p_bframes.h265")
	require.Len(t, aus, 50, "2 s at 25 fps")
	for i, au := range aus {
		slices := 0
		for _, n := range au {
			if h26x.H265Type(n).IsVCL() {
				slices++
			}
		}
		require.Equal(t, 1, slices, "AU %d", i)
	}
}

func h265rtpPayloads(t *testing.T, p h26x.H265Packetizer, nals ...[]byte) [][]byte {
	t.Helper()
	var b rtp.Batch
	s := rtp.Stream{Seq: 7}
	require.NoError(t, p.Packetize(&b, &s, 90000, nals, true))
	var out [][]byte
	for i := 0; i < b.Len(); i++ {
		var pkt rtp.Packet
		require.NoError(t, b.Packet(i, &pkt))
		require.Equal(t, i == b.Len()-1, pkt.Marker)
		out = append(out, pkt.Payload)
	}
	return out
}

func TestH265PacketizeRFCVectors(t *testing.T) {
	vps := []byte{0x40, 0x01, 0x0c, 0x01}
	sps := []byte{0x42, 0x01, 0x01, 0x01, 0x60}
	pps := []byte{0x44, 0x01, 0xc1, 0x72}
	// Prefix SEI with LayerId 2, TID 3 and a suffix SEI with LayerId 1,
	// TID 4 and F set: the AP takes F=1, LayerId 1, TID 3.
	sei1 := []byte{39 << 1, 2<<3 | 3, 0xaa}
	sei2 := []byte{0x80 | 40<<1, 1<<3 | 4, 0xbb}
	idr := append([]byte{0x26, 0x01}, []byte("0123456789")...) // IDR_W_RADL
	tests := []struct {
		name string
		p    h26x.H265Packetizer
		nals [][]byte
		want [][]byte
	}{
		{
			// RFC 7798 §4.4.2 figure 7: PayloadHdr (Type=48), then each
			// NAL unit behind a 16-bit size, no DONL.
			name: "AP figure 7",
			nals: [][]byte{vps, sps, pps},
			want: [][]byte{{0x60, 0x01, 0, 4, 0x40, 0x01, 0x0c, 0x01, 0, 5, 0x42, 0x01, 0x01, 0x01, 0x60, 0, 4, 0x44, 0x01, 0xc1, 0x72}},
		},
		{
			name: "AP F is the OR, LayerId and TID the lowest",
			nals: [][]byte{sei1, sei2},
			want: [][]byte{{0x80 | 48<<1, 1<<3 | 3, 0, 3, 39 << 1, 2<<3 | 3, 0xaa, 0, 3, 0x80 | 40<<1, 1<<3 | 4, 0xbb}},
		},
		{
			name: "AP LayerId high bit",
			nals: [][]byte{{0x01, 0x09, 1}, {0x01, 0x11, 2}}, // LayerId 33 and 34, TID 1
			want: [][]byte{{48<<1 | 1, 0x09, 0, 3, 0x01, 0x09, 1, 0, 3, 0x01, 0x11, 2}},
		},
		{
			name: "single NAL unit packets without aggregation",
			p:    h26x.H265Packetizer{DisableAggregation: true},
			nals: [][]byte{vps, sps},
			want: [][]byte{vps, sps},
		},
		{
			// RFC 7798 §4.4.3 figure 9: PayloadHdr (Type=49, the F,
			// LayerId and TID of the NAL unit) 0x62 0x01, FU header
			// S|E|FuType (19); the 2-byte NAL header is not repeated.
			name: "FU figure 9",
			p:    h26x.H265Packetizer{MaxPacketSize: rtp.HeaderSize + 3 + 4},
			nals: [][]byte{idr},
			want: [][]byte{
				{0x62, 0x01, 0x80 | 19, '0', '1', '2', '3'},
				{0x62, 0x01, 19, '4', '5', '6', '7'},
				{0x62, 0x01, 0x40 | 19, '8', '9'},
			},
		},
		{
			name: "FU keeps F, LayerId and TID",
			p:    h26x.H265Packetizer{MaxPacketSize: h265rtpMinPacket},
			nals: [][]byte{{0x80 | 1<<1 | 1, 0x0b, 7, 8, 9}}, // F, TRAIL_R, LayerId 33, TID 3
			want: [][]byte{{0x80 | 49<<1 | 1, 0x0b, 0x80 | 1, 7}, {0x80 | 49<<1 | 1, 0x0b, 1, 8}, {0x80 | 49<<1 | 1, 0x0b, 0x40 | 1, 9}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, h265rtpPayloads(t, tt.p, tt.nals...))
		})
	}
}

// h265rtpMinPacket is the smallest MaxPacketSize an H265Packetizer takes.
const h265rtpMinPacket = rtp.HeaderSize + 3 + 1

func TestH265PacketizeErrors(t *testing.T) {
	valid := []byte{0x02, 0x01, 1}
	tests := []struct {
		name string
		p    h26x.H265Packetizer
		nals [][]byte
		err  error
	}{
		{"too small", h26x.H265Packetizer{MaxPacketSize: h265rtpMinPacket - 1}, [][]byte{valid}, h26x.ErrMaxPacketSize},
		{"too large", h26x.H265Packetizer{MaxPacketSize: 70000}, [][]byte{valid}, h26x.ErrMaxPacketSize},
		{"1-byte NAL unit", h26x.H265Packetizer{}, [][]byte{valid, {0x02}}, h26x.ErrH265ShortNAL},
		{"AP from caller", h26x.H265Packetizer{}, [][]byte{{0x60, 0x01, 0, 0}}, h26x.ErrH265PacketizationType},
		{"FU from caller", h26x.H265Packetizer{}, [][]byte{{0x62, 0x01, 0x93}}, h26x.ErrH265PacketizationType},
		{"PACI from caller", h26x.H265Packetizer{}, [][]byte{{0x64, 0x01}}, h26x.ErrH265PacketizationType},
		{"type 63", h26x.H265Packetizer{}, [][]byte{{0x7e, 0x01}}, h26x.ErrH265PacketizationType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b rtp.Batch
			s := rtp.Stream{Seq: 10}
			require.ErrorIs(t, tt.p.Packetize(&b, &s, 0, tt.nals, true), tt.err)
			require.Zero(t, b.Len())
			require.Equal(t, uint16(10), s.Seq)
		})
	}
	// Empty NAL units are skipped; a 2-byte one (EOS) is fine.
	got := h265rtpPayloads(t, h26x.H265Packetizer{}, nil, []byte{0x48, 0x01}, []byte{})
	require.Equal(t, [][]byte{{0x48, 0x01}}, got)
}

func TestH265DepacketizeRFCVectors(t *testing.T) {
	var d h26x.H265Depacketizer
	// AP of VPS, SPS, PPS; FU of an IDR_W_RADL with F, LayerId 0, TID 1
	// rebuilt from the PayloadHdr and FuType; a suffix SEI with the marker.
	aus, err := d.Depacketize(h264rtpPkt(1, 100, false, 0x60, 0x01, 0, 4, 0x40, 0x01, 0x0c, 0x01, 0, 5, 0x42, 0x01, 0x01, 0x01, 0x60, 0, 4, 0x44, 0x01, 0xc1, 0x72))
	require.NoError(t, err)
	require.Empty(t, aus)
	for i, pl := range [][]byte{{0x62, 0x01, 0x80 | 19, '0', '1'}, {0x62, 0x01, 19, '2'}, {0x62, 0x01, 0x40 | 19, '3'}} {
		aus, err = d.Depacketize(h264rtpPkt(uint16(2+i), 100, false, pl...))
		require.NoError(t, err)
		require.Empty(t, aus)
	}
	aus, err = d.Depacketize(h264rtpPkt(5, 100, true, 40<<1, 0x01, 0xbb))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.Equal(t, h26x.RTPAccessUnit{
		Timestamp: 100,
		NALs: [][]byte{
			{0x40, 0x01, 0x0c, 0x01},
			{0x42, 0x01, 0x01, 0x01, 0x60},
			{0x44, 0x01, 0xc1, 0x72},
			{0x26, 0x01, '0', '1', '2', '3'},
			{40 << 1, 0x01, 0xbb},
		},
		Marker: true,
	}, aus[0])
	// F, LayerId 33 and TID 3 come back from the PayloadHdr.
	_, err = d.Depacketize(h264rtpPkt(6, 200, false, 0x80|49<<1|1, 0x0b, 0x80|1, 7))
	require.NoError(t, err)
	aus, err = d.Depacketize(h264rtpPkt(7, 200, true, 0x80|49<<1|1, 0x0b, 0x40|1, 8))
	require.NoError(t, err)
	require.Equal(t, [][]byte{{0x80 | 1<<1 | 1, 0x0b, 7, 8}}, aus[0].NALs)
	require.Equal(t, h26x.DepacketizerStats{Packets: 7, AUs: 2}, d.Stats())
}

func TestH265DepacketizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		err     error
		damaged bool
	}{
		{"empty", nil, h26x.ErrMalformedRTPPayload, false},
		{"one byte", []byte{0x02}, h26x.ErrMalformedRTPPayload, true},
		{"AP size beyond the payload", []byte{0x60, 0x01, 0, 5, 0x40, 0x01}, h26x.ErrMalformedRTPPayload, true},
		{"AP unit of one byte", []byte{0x60, 0x01, 0, 1, 0x40}, h26x.ErrMalformedRTPPayload, true},
		{"AP nested FU", []byte{0x60, 0x01, 0, 3, 0x62, 0x01, 0x93}, h26x.ErrMalformedRTPPayload, true},
		{"FU without FU header", []byte{0x62, 0x01}, h26x.ErrMalformedRTPPayload, true},
		{"FU of an AP", []byte{0x62, 0x01, 0x80 | 48, 1}, h26x.ErrMalformedRTPPayload, true},
		{"PACI", []byte{0x64, 0x01, 0x26, 0x00, 0x26, 0x01, 9}, h26x.ErrH265UnsupportedPacket, true},
		{"type 51", []byte{51 << 1, 0x01, 9}, h26x.ErrH265UnsupportedPacket, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d h26x.H265Depacketizer
			_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x02, 0x01, 1))
			require.NoError(t, err)
			aus, err := d.Depacketize(h264rtpPkt(2, 10, true, tt.payload...))
			require.ErrorIs(t, err, tt.err)
			require.Len(t, aus, 1)
			require.Equal(t, [][]byte{{0x02, 0x01, 1}}, aus[0].NALs)
			require.Equal(t, tt.damaged, aus[0].Damaged)
			require.Equal(t, uint64(1), d.Stats().PacketsInvalid)
		})
	}
}

func TestH265DepacketizeLoss(t *testing.T) {
	mk := func(hdr0 byte, n int) []byte {
		b := make([]byte, n)
		b[0], b[1] = hdr0, 0x01
		for i := 2; i < n; i++ {
			b[i] = byte(i*5 + n)
		}
		return b
	}
	vps, sps, pps := []byte{0x40, 0x01, 0x0c}, []byte{0x42, 0x01, 0x01}, []byte{0x44, 0x01, 0xc1}
	aus := [][][]byte{
		{vps, sps, pps, mk(19<<1, 5000)},
		{mk(1<<1, 3000)},
		{mk(1<<1, 100)},
	}
	// Packets: 0 AP, 1-4 FU, 5-7 FU, 8 single.
	pkts := h264rtpPacketizeAll(t, h265rtp, aus, 1400)
	require.Len(t, pkts, 9)
	params := aus[0][:3]
	tests := []struct {
		name    string
		drop    []int
		swap    [][2]int
		dup     int
		want    [][][]byte
		damaged []bool
	}{
		{"intact", nil, nil, -1, aus, []bool{false, false, false}},
		{"middle fragment lost", []int{3}, nil, -1, [][][]byte{params, aus[1], aus[2]}, []bool{true, false, false}},
		{"first fragment lost", []int{5}, nil, -1, [][][]byte{aus[0], aus[2]}, []bool{false, false}},
		{"last fragment lost", []int{7}, nil, -1, [][][]byte{aus[0], aus[2]}, []bool{false, false}},
		{"end and next start lost", []int{4, 5}, nil, -1, [][][]byte{params, aus[2]}, []bool{true, false}},
		{"reordered", nil, [][2]int{{6, 7}}, -1, [][][]byte{aus[0], aus[2]}, []bool{false, false}},
		{"duplicate", nil, nil, 6, aus, []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := new(h26x.H265Depacketizer)
			r := h264rtpFeed(t, d.Depacketize, h264rtpEdit(pkts, tt.drop, tt.swap, tt.dup))
			require.Empty(t, r.errs)
			require.Equal(t, tt.want, r.aus)
			require.Equal(t, tt.damaged, r.damaged)
			wantDropped := uint64(0)
			if len(tt.want) < 3 || tt.damaged[0] {
				wantDropped = 1
				if len(tt.drop) == 2 {
					wantDropped = 2
				}
			}
			require.Equal(t, wantDropped, d.Stats().NALsDropped)
		})
	}
}

func TestH265DepacketizeLimits(t *testing.T) {
	d := h26x.H265Depacketizer{MaxNALSize: 5, MaxNALsPerAU: 2}
	_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x62, 0x01, 0x80|1, 1, 2, 3))
	require.NoError(t, err)
	_, err = d.Depacketize(h264rtpPkt(2, 10, false, 0x62, 0x01, 0x40|1, 4))
	require.ErrorIs(t, err, h26x.ErrNALTooLarge)
	aus, err := d.Depacketize(h264rtpPkt(3, 10, true, 0x60, 0x01, 0, 2, 0x02, 0x01, 0, 2, 0x02, 0x01, 0, 2, 0x02, 0x01))
	require.ErrorIs(t, err, h26x.ErrAUTooLarge)
	require.Len(t, aus, 1)
	require.Equal(t, [][]byte{{0x02, 0x01}, {0x02, 0x01}}, aus[0].NALs)
	require.True(t, aus[0].Damaged)
	require.Equal(t, uint64(2), d.Stats().NALsDropped)
}

func TestH265RTPAllocations(t *testing.T) {
	aus := h264rtpReadAUs(t, h265rtp, "h265_main_720p_4mbps_bframes.h265")
	var p h26x.H265Packetizer
	var b rtp.Batch
	var s rtp.Stream
	var d h26x.H265Depacketizer
	var pkt rtp.Packet
	wire := make([]byte, 0, 2048)
	run := func() {
		for _, au := range aus {
			b.Reset()
			if err := p.Packetize(&b, &s, 0, au, true); err != nil {
				panic(err)
			}
			for i := 0; i < b.Len(); i++ {
				wire = b.AppendPacket(wire[:0], i)
				if err := pkt.Unmarshal(wire); err != nil {
					panic(err)
				}
				if _, err := d.Depacketize(&pkt); err != nil {
					panic(err)
				}
			}
		}
	}
	run()
	require.Zero(t, testing.AllocsPerRun(3, run))
	require.Zero(t, d.Stats().PacketsLost)
}
