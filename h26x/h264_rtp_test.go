package h26x_test

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// This file holds the RFC 6184 tests and the helpers the RFC 7798 tests
// share with them.

// h264rtpCodec abstracts over H.264 and H.265 for the shared round-trip and
// loss tests.
type h264rtpCodec struct {
	name        string
	hdrSize     int // NAL unit header size
	aggType     int // STAP-A or AP
	fuType      int // FU-A or FU
	typeOf      func(payloadOrNAL []byte) int
	packetize   func(max int, b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, end bool) error
	depacketize func() func(p *rtp.Packet) ([]h26x.RTPAccessUnit, error)
	splitAUs    func(nals [][]byte) [][][]byte
	paramSets   []int // types that must travel together in the first aggregation packet
}

var h264rtp = h264rtpCodec{
	name:    "H.264",
	hdrSize: 1,
	aggType: int(h26x.H264NALSTAPA),
	fuType:  int(h26x.H264NALFUA),
	typeOf:  func(b []byte) int { return int(h26x.H264Type(b)) },
	packetize: func(max int, b *rtp.Batch, s *rtp.Stream, ts uint32, nals [][]byte, end bool) error {
		p := h26x.H264Packetizer{MaxPacketSize: max}
		return p.Packetize(b, s, ts, nals, end)
	},
	depacketize: func() func(p *rtp.Packet) ([]h26x.RTPAccessUnit, error) {
		return new(h26x.H264Depacketizer).Depacketize
	},
	splitAUs:  h264rtpSplitAUs,
	paramSets: []int{int(h26x.H264NALSPS), int(h26x.H264NALPPS)},
}

// h264rtpSplitAUs groups H.264 NAL units into access units the simple way
// (H.264 §7.4.1.2.3): a new one starts at a slice with first_mb_in_slice 0
// (its ue(v) is the single bit 1) or at an SEI, SPS, PPS, AUD or types 14-18
// after a slice.
func h264rtpSplitAUs(nals [][]byte) [][][]byte {
	var aus [][][]byte
	var cur [][]byte
	seenVCL := false
	for _, nal := range nals {
		t := h26x.H264Type(nal)
		start := false
		switch {
		case t.IsVCL():
			start = nal[1]&0x80 != 0 && seenVCL
			seenVCL = true
		case t >= 6 && t <= 9 || t >= 14 && t <= 18:
			start = seenVCL
		}
		if start {
			aus = append(aus, cur)
			cur = nil
			seenVCL = t.IsVCL()
		}
		cur = append(cur, nal)
	}
	if len(cur) > 0 {
		aus = append(aus, cur)
	}
	return aus
}

// h264rtpReadAUs reads an Annex-B file from testdata and splits it into
// access units.
func h264rtpReadAUs(t testing.TB, c h264rtpCodec, name string) [][][]byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/" + name)
	require.NoError(t, err)
	nals := h26x.SplitNALs(nil, data)
	require.NotEmpty(t, nals)
	aus := c.splitAUs(nals)
	require.Greater(t, len(aus), 10)
	n := 0
	for _, au := range aus {
		n += len(au)
	}
	require.Equal(t, len(nals), n)
	return aus
}

// h264rtpPacket is one marshalled packet with its parsed form.
type h264rtpPacket struct {
	wire []byte
	pkt  rtp.Packet
	au   int // index of the access unit it belongs to
}

// h264rtpPacketizeAll packetizes every access unit (timestamps 3600 apart,
// sequence numbers from 65500) and returns the packets, marshalled and
// parsed back, after checking the invariants of each batch: packet size,
// marker on the last packet only, one timestamp, consecutive sequence
// numbers, and that the payload structures carry exactly the NAL units.
func h264rtpPacketizeAll(t *testing.T, c h264rtpCodec, aus [][][]byte, maxSize int) []h264rtpPacket {
	t.Helper()
	s := rtp.Stream{PayloadType: 96, SSRC: 0x1234, Seq: 65500}
	var b rtp.Batch
	var out []h264rtpPacket
	ts := uint32(1000)
	seq := s.Seq
	for i, au := range aus {
		b.Reset()
		require.NoError(t, c.packetize(maxSize, &b, &s, ts, au, true))
		require.Positive(t, b.Len())
		for j := 0; j < b.Len(); j++ {
			require.LessOrEqual(t, b.Size(j), maxSize, "AU %d packet %d", i, j)
			require.Equal(t, j == b.Len()-1, b.Marker(j), "marker: AU %d packet %d of %d", i, j, b.Len())
			require.Equal(t, ts, b.Timestamp(j))
			require.Equal(t, seq, b.SequenceNumber(j))
			seq++
			wire := b.AppendPacket(nil, j)
			var p rtp.Packet
			require.NoError(t, p.Unmarshal(wire))
			require.Equal(t, uint8(96), p.PayloadType)
			require.Equal(t, uint32(0x1234), p.SSRC)
			out = append(out, h264rtpPacket{wire: wire, pkt: p, au: i})
		}
		h264rtpCheckStructure(t, c, &b, au, maxSize)
		ts += 3600
	}
	require.Equal(t, seq, s.Seq)
	return out
}

// h264rtpCheckStructure parses the payloads of a batch independently of the
// depacketizer and checks that they carry exactly the NAL units of au, in
// order, with the headers RFC 6184 and RFC 7798 require, and that single NAL
// unit packets and fragments reference the caller's bytes.
func h264rtpCheckStructure(t *testing.T, c h264rtpCodec, b *rtp.Batch, au [][]byte, maxSize int) {
	t.Helper()
	var nals [][]byte
	for _, n := range au {
		if len(n) > 0 {
			nals = append(nals, n)
		}
	}
	k := 0 // next NAL unit expected
	var fu []byte
	for j := 0; j < b.Len(); j++ {
		var p rtp.Packet
		require.NoError(t, b.Packet(j, &p))
		pl := p.Payload
		typ := c.typeOf(pl)
		switch {
		case typ == c.aggType:
			var f, nri, layer, tid byte = 0, 0, 0x3f, 7
			count := 0
			body := pl[c.hdrSize:]
			for len(body) > 0 {
				require.GreaterOrEqual(t, len(body), 2)
				size := int(body[0])<<8 | int(body[1])
				require.Equal(t, nals[k], body[2:2+size], "aggregated NAL unit %d", k)
				n := nals[k]
				f |= n[0] & 0x80
				nri = max(nri, n[0]&0x60)
				if c.hdrSize == 2 {
					layer = min(layer, (n[0]&1)<<5|n[1]>>3)
					tid = min(tid, n[1]&7)
				}
				body = body[2+size:]
				k++
				count++
			}
			require.GreaterOrEqual(t, count, 2, "an aggregation packet carries at least two NAL units")
			if c.hdrSize == 1 {
				require.Equal(t, f|nri|24, pl[0], "STAP-A header: F is the OR, NRI the highest")
			} else {
				require.Equal(t, []byte{f | 48<<1 | layer>>5, layer<<3 | tid}, pl[:2], "AP PayloadHdr: F is the OR, LayerId and TID the lowest")
			}
		case typ == c.fuType:
			n := nals[k]
			fh := pl[c.hdrSize]
			start, end := fh&0x80 != 0, fh&0x40 != 0
			require.False(t, start && end, "S and E in one FU")
			require.Greater(t, len(n), maxSize-rtp.HeaderSize, "only NAL units too large for a packet are fragmented")
			if c.hdrSize == 1 {
				require.Equal(t, n[0]&0xe0|28, pl[0], "FU indicator keeps F and NRI")
				require.Equal(t, n[0]&0x1f, fh&0x1f, "FU header type")
			} else {
				require.Equal(t, []byte{n[0]&0x81 | 49<<1, n[1]}, pl[:2], "FU PayloadHdr keeps F, LayerId, TID")
				require.Equal(t, n[0]>>1&0x3f, fh&0x3f, "FuType")
			}
			frag := pl[c.hdrSize+1:]
			require.NotEmpty(t, frag)
			require.Equal(t, start, fu == nil, "S exactly on the first fragment")
			if start {
				fu = append([]byte(nil), n[:c.hdrSize]...)
			}
			// Zero copy: the body is the fragment inside the caller's NAL unit.
			body := b.Body(j)
			require.Equal(t, frag, body)
			off := len(fu) // where this fragment sits in n
			require.Same(t, &n[off], &body[0], "fragment references the NAL unit")
			fu = append(fu, frag...)
			require.Equal(t, end, len(fu) == len(n), "E exactly on the last fragment")
			if end {
				require.Equal(t, n, fu)
				fu = nil
				k++
			}
		default:
			require.Nil(t, fu, "a packet inside a fragmented NAL unit")
			require.Equal(t, nals[k], pl)
			require.Same(t, &nals[k][0], &b.Body(j)[0], "single NAL unit packet references the NAL unit")
			k++
		}
	}
	require.Nil(t, fu)
	require.Equal(t, len(nals), k, "every NAL unit sent once")
}

// h264rtpCopyAU deep-copies the NAL units of a depacketized access unit.
func h264rtpCopyAU(au h26x.RTPAccessUnit) [][]byte {
	out := make([][]byte, len(au.NALs))
	for i, n := range au.NALs {
		out[i] = append([]byte(nil), n...)
	}
	return out
}

// h264rtpResult is what a depacketizer returned for a stream.
type h264rtpResult struct {
	aus     [][][]byte
	ts      []uint32
	damaged []bool
	marker  []bool
	errs    []error
}

// h264rtpFeed feeds the packets (parsed again from their wire bytes) to a
// new depacketizer and collects deep copies of what it returns.
func h264rtpFeed(t *testing.T, depack func(p *rtp.Packet) ([]h26x.RTPAccessUnit, error), pkts []h264rtpPacket) h264rtpResult {
	t.Helper()
	var r h264rtpResult
	var p rtp.Packet
	for _, hp := range pkts {
		require.NoError(t, p.Unmarshal(hp.wire))
		aus, err := depack(&p)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		for _, au := range aus {
			r.aus = append(r.aus, h264rtpCopyAU(au))
			r.ts = append(r.ts, au.Timestamp)
			r.damaged = append(r.damaged, au.Damaged)
			r.marker = append(r.marker, au.Marker)
		}
	}
	return r
}

func h264rtpRoundTrip(t *testing.T, c h264rtpCodec, file string) {
	aus := h264rtpReadAUs(t, c, file)
	for _, maxSize := range []int{200, 1400, 65000} {
		t.Run(fmt.Sprint(maxSize), func(t *testing.T) {
			pkts := h264rtpPacketizeAll(t, c, aus, maxSize)
			r := h264rtpFeed(t, c.depacketize(), pkts)
			require.Empty(t, r.errs)
			require.Equal(t, len(aus), len(r.aus))
			for i := range aus {
				require.Equal(t, aus[i], r.aus[i], "AU %d", i)
				require.Equal(t, uint32(1000+3600*i), r.ts[i])
				require.False(t, r.damaged[i])
				require.True(t, r.marker[i])
			}
			// The parameter sets in front of each keyframe travel in one
			// aggregation packet.
			keyframes := 0
			for i, au := range aus {
				if c.typeOf(au[0]) != c.paramSets[0] {
					continue
				}
				keyframes++
				var first *h264rtpPacket
				for j := range pkts {
					if pkts[j].au == i {
						first = &pkts[j]
						break
					}
				}
				pl := first.pkt.Payload
				require.Equal(t, c.aggType, c.typeOf(pl), "AU %d starts with an aggregation packet", i)
				off := c.hdrSize
				for k, want := range c.paramSets {
					size := int(pl[off])<<8 | int(pl[off+1])
					require.Equal(t, want, c.typeOf(pl[off+2:off+2+size]), "parameter set %d", k)
					require.Equal(t, au[k], pl[off+2:off+2+size])
					off += 2 + size
				}
			}
			require.Positive(t, keyframes)
		})
	}
}

func TestH264RTPRoundTripStreams(t *testing.T) {
	for _, f := range []string{"h264_main_720p.h264", "h264_high_slices_720p_bframes.h264", "h264_high_720p_4mbps_bframes.h264"} {
		t.Run(f, func(t *testing.T) { h264rtpRoundTrip(t, h264rtp, f) })
	}
}

func TestH264RTPSplitAUsSlices(t *testing.T) {
	// The 4-slice stream must give 4 slices per access unit: this checks the
	// test's own grouping, on which the round trip relies.
	aus := h264rtpReadAUs(t, h264rtp, "h264_high_slices_720p_bframes.h264")
	require.Len(t, aus, 50)
	for i, au := range aus {
		slices := 0
		for _, n := range au {
			if h26x.H264Type(n).IsVCL() {
				slices++
			}
		}
		require.Equal(t, 4, slices, "AU %d", i)
	}
}

// h264rtpPayloads packetizes nals as one access unit and returns the payloads.
func h264rtpPayloads(t *testing.T, p h26x.H264Packetizer, nals ...[]byte) [][]byte {
	t.Helper()
	var b rtp.Batch
	s := rtp.Stream{Seq: 7}
	require.NoError(t, p.Packetize(&b, &s, 90000, nals, true))
	var out [][]byte
	for i := 0; i < b.Len(); i++ {
		var pkt rtp.Packet
		require.NoError(t, b.Packet(i, &pkt))
		out = append(out, pkt.Payload)
	}
	return out
}

func TestH264PacketizeRFCVectors(t *testing.T) {
	sps := []byte{0x67, 0x42, 0xc0, 0x1f, 0xda}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	sei := []byte{0x06, 0x05, 0x01, 0x80}       // NRI 0
	nonRef := []byte{0x21, 0x9a, 0x01, 0x02}    // NRI 1, non-IDR slice
	forbidden := []byte{0xc1, 0x9a, 0x01, 0x02} // F set, NRI 2
	idr := append([]byte{0x65}, []byte("0123456789")...)
	idr2 := append([]byte{0x65}, []byte("0123456789abcde")...)
	tests := []struct {
		name string
		p    h26x.H264Packetizer
		nals [][]byte
		want [][]byte
	}{
		{
			// RFC 6184 §5.7.1 figure 7: STAP-A header, then each NAL unit
			// behind a 16-bit size. NRI is the highest (3), F the OR (0).
			name: "STAP-A figure 7",
			nals: [][]byte{sps, pps},
			want: [][]byte{{0x78, 0, 5, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0, 4, 0x68, 0xce, 0x3c, 0x80}},
		},
		{
			name: "STAP-A NRI is the highest, F the OR",
			nals: [][]byte{sei, nonRef, forbidden},
			want: [][]byte{{0x80 | 0x40 | 24, 0, 4, 0x06, 0x05, 0x01, 0x80, 0, 4, 0x21, 0x9a, 0x01, 0x02, 0, 4, 0xc1, 0x9a, 0x01, 0x02}},
		},
		{
			name: "single NAL unit packets without aggregation",
			p:    h26x.H264Packetizer{DisableAggregation: true},
			nals: [][]byte{sps, pps},
			want: [][]byte{sps, pps},
		},
		{
			name: "empty NAL units are skipped",
			nals: [][]byte{{}, forbidden, nil},
			want: [][]byte{forbidden},
		},
		{
			// RFC 6184 §5.8: FU indicator F|NRI|28 = 0x7c, FU header
			// S|E|type; the NAL header byte 0x65 is not repeated. Room for
			// 4 fragment bytes per packet: 10 bytes make 4+4+2.
			name: "FU-A",
			p:    h26x.H264Packetizer{MaxPacketSize: rtp.HeaderSize + 2 + 4},
			nals: [][]byte{idr},
			want: [][]byte{
				{0x7c, 0x85, '0', '1', '2', '3'},
				{0x7c, 0x05, '4', '5', '6', '7'},
				{0x7c, 0x45, '8', '9'},
			},
		},
		{
			// A NAL unit that just fits is not fragmented; SPS and PPS do
			// not fit together with the IDR, so they go first in a STAP-A.
			name: "fits exactly",
			p:    h26x.H264Packetizer{MaxPacketSize: rtp.HeaderSize + len(idr2)},
			nals: [][]byte{sps, pps, idr2},
			want: [][]byte{{0x78, 0, 5, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0, 4, 0x68, 0xce, 0x3c, 0x80}, idr2},
		},
		{
			// The F bit of a fragmented NAL unit goes in the FU indicator.
			name: "FU-A with F and NRI 2",
			p:    h26x.H264Packetizer{MaxPacketSize: rtp.HeaderSize + 3},
			nals: [][]byte{forbidden},
			want: [][]byte{{0xc0 | 28, 0x81, 0x9a}, {0xc0 | 28, 0x01, 0x01}, {0xc0 | 28, 0x41, 0x02}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, h264rtpPayloads(t, tt.p, tt.nals...))
		})
	}
}

func TestH264PacketizeMarkerAndSequence(t *testing.T) {
	var p h26x.H264Packetizer
	var b rtp.Batch
	s := rtp.Stream{Seq: 65535}
	big := make([]byte, 3000)
	big[0] = 0x65
	// An access unit given in two calls: only the last packet of the second
	// call has the marker.
	require.NoError(t, p.Packetize(&b, &s, 5, [][]byte{big}, false))
	n1 := b.Len()
	require.Equal(t, 3, n1)
	require.NoError(t, p.Packetize(&b, &s, 5, [][]byte{{0x41, 1}, {}}, true))
	require.Equal(t, n1+1, b.Len())
	for i := 0; i < b.Len(); i++ {
		require.Equal(t, i == b.Len()-1, b.Marker(i))
		require.Equal(t, uint16(65535+i), b.SequenceNumber(i))
	}
	require.Equal(t, uint16(3), s.Seq)
	// Nothing to send: no packet, no marker anywhere.
	require.NoError(t, p.Packetize(&b, &s, 6, [][]byte{{}, nil}, true))
	require.Equal(t, n1+1, b.Len())
}

func TestH264PacketizeErrors(t *testing.T) {
	valid := []byte{0x41, 1, 2}
	tests := []struct {
		name string
		p    h26x.H264Packetizer
		nals [][]byte
		err  error
	}{
		{"too small", h26x.H264Packetizer{MaxPacketSize: rtp.HeaderSize + 2}, [][]byte{valid}, h26x.ErrMaxPacketSize},
		{"too large", h26x.H264Packetizer{MaxPacketSize: 65536}, [][]byte{valid}, h26x.ErrMaxPacketSize},
		{"negative", h26x.H264Packetizer{MaxPacketSize: -1}, [][]byte{valid}, h26x.ErrMaxPacketSize},
		{"STAP-A from caller", h26x.H264Packetizer{}, [][]byte{valid, {0x78, 0, 1, 9}}, h26x.ErrH264PacketizationType},
		{"FU-A from caller", h26x.H264Packetizer{}, [][]byte{{0x7c, 0x85, 1}}, h26x.ErrH264PacketizationType},
		{"type 31", h26x.H264Packetizer{}, [][]byte{{0x1f}}, h26x.ErrH264PacketizationType},
		{"type 0", h26x.H264Packetizer{}, [][]byte{valid, {0x60, 1}}, h26x.ErrH264PacketizationType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b rtp.Batch
			s := rtp.Stream{Seq: 10}
			err := tt.p.Packetize(&b, &s, 0, tt.nals, true)
			require.ErrorIs(t, err, tt.err)
			require.Zero(t, b.Len(), "nothing appended on error")
			require.Equal(t, uint16(10), s.Seq)
		})
	}
	// Nil arguments are errors, not panics.
	var p0 h26x.H264Packetizer
	require.Error(t, p0.Packetize(nil, &rtp.Stream{}, 0, [][]byte{valid}, true))
	require.Error(t, p0.Packetize(&rtp.Batch{}, nil, 0, [][]byte{valid}, true))
	var d h26x.H264Depacketizer
	_, err := d.Depacketize(nil)
	require.ErrorIs(t, err, h26x.ErrMalformedRTPPayload)

	// The smallest valid size still makes valid FU-As.
	p := h26x.H264Packetizer{MaxPacketSize: rtp.HeaderSize + 3}
	got := h264rtpPayloads(t, p, []byte{0x65, 1, 2, 3, 4})
	require.Equal(t, [][]byte{{0x7c, 0x85, 1}, {0x7c, 0x05, 2}, {0x7c, 0x05, 3}, {0x7c, 0x45, 4}}, got)
}

// h264rtpPkt makes a parsed packet for the hand-built depacketizer tests.
func h264rtpPkt(seq uint16, ts uint32, marker bool, payload ...byte) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload}
}

func TestH264DepacketizeRFCVectors(t *testing.T) {
	var d h26x.H264Depacketizer
	// RFC 6184 §5.7.1 figure 7, then FU-A (§5.8) of an IDR whose NAL
	// header is rebuilt from the FU indicator (F=0, NRI=3) and FU header
	// (type 5), then a single NAL unit packet with the marker.
	aus, err := d.Depacketize(h264rtpPkt(1, 100, false, 0x78, 0, 5, 0x67, 0x42, 0xc0, 0x1f, 0xda, 0, 4, 0x68, 0xce, 0x3c, 0x80))
	require.NoError(t, err)
	require.Empty(t, aus)
	for i, pl := range [][]byte{{0x7c, 0x85, '0', '1'}, {0x7c, 0x05, '2'}, {0x7c, 0x05}, {0x7c, 0x45, '3'}} {
		aus, err = d.Depacketize(h264rtpPkt(uint16(2+i), 100, false, pl...))
		require.NoError(t, err)
		require.Empty(t, aus)
	}
	aus, err = d.Depacketize(h264rtpPkt(6, 100, true, 0x06, 0x05, 0x01, 0x80))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.Equal(t, h26x.RTPAccessUnit{
		Timestamp: 100,
		NALs: [][]byte{
			{0x67, 0x42, 0xc0, 0x1f, 0xda},
			{0x68, 0xce, 0x3c, 0x80},
			{0x65, '0', '1', '2', '3'},
			{0x06, 0x05, 0x01, 0x80},
		},
		Marker: true,
	}, aus[0])
	// F and NRI come from the FU indicator; the NRI of the FU header bits
	// is not used.
	_, err = d.Depacketize(h264rtpPkt(7, 200, false, 0x80|0x20|28, 0x80|1, 9))
	require.NoError(t, err)
	aus, err = d.Depacketize(h264rtpPkt(8, 200, true, 0x80|0x20|28, 0x40|1, 8))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.Equal(t, [][]byte{{0xa1, 9, 8}}, aus[0].NALs)
	// The capacity of each NAL unit is capped, so appending cannot
	// overwrite the next.
	require.Equal(t, len(aus[0].NALs[0]), cap(aus[0].NALs[0]))
	st := d.Stats()
	require.Equal(t, h26x.DepacketizerStats{Packets: 8, AUs: 2}, st)
}

func TestH264DepacketizeErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		err     error
		damaged bool
	}{
		{"empty", nil, h26x.ErrMalformedRTPPayload, false},
		{"STAP-A size beyond the payload", []byte{0x78, 0, 5, 0x67, 0x42}, h26x.ErrMalformedRTPPayload, true},
		{"STAP-A nested FU-A", []byte{0x78, 0, 2, 0x7c, 0x85}, h26x.ErrMalformedRTPPayload, true},
		{"FU-A without FU header", []byte{0x7c}, h26x.ErrMalformedRTPPayload, true},
		{"FU-A of an FU-A", []byte{0x7c, 0x9c, 1}, h26x.ErrMalformedRTPPayload, true},
		{"STAP-B", []byte{0x79, 0, 0, 0, 1, 0x41}, h26x.ErrH264UnsupportedPacket, true},
		{"MTAP16", []byte{0x7a, 0, 0}, h26x.ErrH264UnsupportedPacket, true},
		{"MTAP24", []byte{0x7b, 0, 0}, h26x.ErrH264UnsupportedPacket, true},
		{"FU-B", []byte{0x7d, 0x85, 0, 0, 1}, h26x.ErrH264UnsupportedPacket, true},
		{"reserved 0", []byte{0x00, 1}, h26x.ErrH264UnsupportedPacket, false},
		{"reserved 30", []byte{0x1e, 1}, h26x.ErrH264UnsupportedPacket, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d h26x.H264Depacketizer
			_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x41, 1))
			require.NoError(t, err)
			aus, err := d.Depacketize(h264rtpPkt(2, 10, true, tt.payload...))
			require.ErrorIs(t, err, tt.err)
			// The marker still ends the access unit; nothing of the bad
			// packet is in it.
			require.Len(t, aus, 1)
			require.Equal(t, [][]byte{{0x41, 1}}, aus[0].NALs)
			require.Equal(t, tt.damaged, aus[0].Damaged)
			require.Equal(t, uint64(1), d.Stats().PacketsInvalid)
		})
	}
}

func TestH264DepacketizeSTAPALeniency(t *testing.T) {
	var d h26x.H264Depacketizer
	// A zero-size unit and one byte left over are skipped.
	aus, err := d.Depacketize(h264rtpPkt(1, 10, true, 0x78, 0, 0, 0, 2, 0x41, 1, 0xff))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.Equal(t, [][]byte{{0x41, 1}}, aus[0].NALs)
	// An FU-A with S and E, which §5.8 forbids, is still a whole NAL unit.
	aus, err = d.Depacketize(h264rtpPkt(2, 20, true, 0x7c, 0xc5, 7))
	require.NoError(t, err)
	require.Equal(t, [][]byte{{0x65, 7}}, aus[0].NALs)
}

func TestH264DepacketizeTimestampChange(t *testing.T) {
	var d h26x.H264Depacketizer
	_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x41, 1))
	require.NoError(t, err)
	// A new timestamp with the marker ends two access units at once.
	aus, err := d.Depacketize(h264rtpPkt(2, 20, true, 0x41, 2))
	require.NoError(t, err)
	require.Len(t, aus, 2)
	require.Equal(t, h26x.RTPAccessUnit{Timestamp: 10, NALs: [][]byte{{0x41, 1}}}, aus[0])
	require.Equal(t, h26x.RTPAccessUnit{Timestamp: 20, NALs: [][]byte{{0x41, 2}}, Marker: true}, aus[1])
	// A stream without marker bits: each access unit ends when the next
	// begins, and Flush returns the last.
	aus, err = d.Depacketize(h264rtpPkt(3, 30, false, 0x41, 3))
	require.NoError(t, err)
	require.Empty(t, aus)
	aus, err = d.Depacketize(h264rtpPkt(4, 30, false, 0x41, 4))
	require.NoError(t, err)
	require.Empty(t, aus)
	aus = d.Flush()
	require.Len(t, aus, 1)
	require.Equal(t, [][]byte{{0x41, 3}, {0x41, 4}}, aus[0].NALs)
	require.Empty(t, d.Flush())
}

func TestH264DepacketizeLimits(t *testing.T) {
	t.Run("NAL size, single", func(t *testing.T) {
		d := h26x.H264Depacketizer{MaxNALSize: 3}
		aus, err := d.Depacketize(h264rtpPkt(1, 10, true, 0x41, 1, 2, 3))
		require.ErrorIs(t, err, h26x.ErrNALTooLarge)
		require.Empty(t, aus, "nothing left of the access unit")
		require.Equal(t, uint64(1), d.Stats().NALsDropped)
		require.Equal(t, uint64(1), d.Stats().AUsDropped)
	})
	t.Run("NAL size, fragmented", func(t *testing.T) {
		d := h26x.H264Depacketizer{MaxNALSize: 4}
		_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x7c, 0x85, 1, 2))
		require.NoError(t, err)
		_, err = d.Depacketize(h264rtpPkt(2, 10, false, 0x7c, 0x05, 3, 4))
		require.ErrorIs(t, err, h26x.ErrNALTooLarge)
		_, err = d.Depacketize(h264rtpPkt(3, 10, false, 0x7c, 0x45, 5))
		require.NoError(t, err, "the rest of the dropped NAL unit is ignored")
		aus, err := d.Depacketize(h264rtpPkt(4, 10, true, 0x41, 9))
		require.NoError(t, err)
		require.Len(t, aus, 1)
		require.Equal(t, [][]byte{{0x41, 9}}, aus[0].NALs)
		require.True(t, aus[0].Damaged)
		require.Equal(t, uint64(1), d.Stats().NALsDropped)
	})
	t.Run("AU size", func(t *testing.T) {
		d := h26x.H264Depacketizer{MaxAUSize: 5}
		_, err := d.Depacketize(h264rtpPkt(1, 10, false, 0x41, 1, 2))
		require.NoError(t, err)
		aus, err := d.Depacketize(h264rtpPkt(2, 10, true, 0x78, 0, 2, 0x41, 2, 0, 2, 0x41, 3))
		require.ErrorIs(t, err, h26x.ErrAUTooLarge)
		require.Len(t, aus, 1)
		require.Equal(t, [][]byte{{0x41, 1, 2}, {0x41, 2}}, aus[0].NALs)
		require.True(t, aus[0].Damaged)
	})
	t.Run("NAL count", func(t *testing.T) {
		d := h26x.H264Depacketizer{MaxNALsPerAU: 2}
		aus, err := d.Depacketize(h264rtpPkt(1, 10, true, 0x78, 0, 1, 0x41, 0, 1, 0x42, 0, 1, 0x43))
		require.ErrorIs(t, err, h26x.ErrAUTooLarge)
		require.Equal(t, [][]byte{{0x41}, {0x42}}, aus[0].NALs)
	})
}

// h264rtpLossStream is three access units: SPS+PPS+IDR (the IDR in 4
// FU-As), a P slice in 3 FU-As, a small P slice; at 1400 bytes it makes
// packets 0 (STAP-A), 1-4 (FU-A), 5-7 (FU-A), 8 (single).
func h264rtpLossStream(t *testing.T) ([][][]byte, []h264rtpPacket) {
	mk := func(hdr byte, n int) []byte {
		b := make([]byte, n)
		b[0] = hdr
		for i := 1; i < n; i++ {
			b[i] = byte(i*7 + n)
		}
		return b
	}
	aus := [][][]byte{
		{{0x67, 0x42, 0xc0, 0x1f}, {0x68, 0xce, 0x3c, 0x80}, mk(0x65, 5000)},
		{mk(0x41, 3000)},
		{mk(0x41, 100)},
	}
	pkts := h264rtpPacketizeAll(t, h264rtp, aus, 1400)
	require.Len(t, pkts, 9)
	return aus, pkts
}

// h264rtpEdit returns pkts with the packets at drop removed, then the
// packets at the positions in swap exchanged pairwise, then the packet at
// dup repeated.
func h264rtpEdit(pkts []h264rtpPacket, drop []int, swap [][2]int, dup int) []h264rtpPacket {
	var out []h264rtpPacket
	for i, p := range pkts {
		keep := true
		for _, d := range drop {
			keep = keep && d != i
		}
		if keep {
			out = append(out, p)
		}
	}
	for _, s := range swap {
		out[s[0]], out[s[1]] = out[s[1]], out[s[0]]
	}
	if dup >= 0 {
		out = append(out[:dup+1], out[dup:]...)
	}
	return out
}

func TestH264DepacketizeLoss(t *testing.T) {
	aus, pkts := h264rtpLossStream(t)
	params := aus[0][:2]
	const t0, t1, t2 = 1000, 1000 + 3600, 1000 + 7200
	tests := []struct {
		name    string
		drop    []int
		swap    [][2]int
		dup     int
		want    [][][]byte
		ts      []uint32
		damaged []bool
		marker  []bool
		stats   h26x.DepacketizerStats
	}{
		{
			name: "intact", dup: -1,
			want: aus, ts: []uint32{t0, t1, t2}, damaged: []bool{false, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 9, AUs: 3},
		},
		{
			name: "middle fragment lost", drop: []int{2}, dup: -1,
			want: [][][]byte{params, aus[1], aus[2]}, ts: []uint32{t0, t1, t2}, damaged: []bool{true, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 8, PacketsLost: 1, NALsDropped: 1, AUs: 3, AUsDamaged: 1},
		},
		{
			name: "first fragment lost", drop: []int{1}, dup: -1,
			want: [][][]byte{params, aus[1], aus[2]}, ts: []uint32{t0, t1, t2}, damaged: []bool{true, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 8, PacketsLost: 1, NALsDropped: 1, AUs: 3, AUsDamaged: 1},
		},
		{
			// The last fragment had the marker: the access unit ends at
			// the next timestamp. No marker has been seen yet, so the
			// next access unit may have lost its start too: it is flagged.
			name: "last fragment of the first AU lost", drop: []int{4}, dup: -1,
			want: [][][]byte{params, aus[1], aus[2]}, ts: []uint32{t0, t1, t2}, damaged: []bool{true, true, false}, marker: []bool{false, true, true},
			stats: h26x.DepacketizerStats{Packets: 8, PacketsLost: 1, NALsDropped: 1, AUs: 3, AUsDamaged: 2},
		},
		{
			// The stream uses the marker bit, so the single packet missing
			// before a new timestamp was the end of the previous access
			// unit, which is left with nothing; the next is intact.
			name: "last fragment of the second AU lost", drop: []int{7}, dup: -1,
			want: [][][]byte{aus[0], aus[2]}, ts: []uint32{t0, t2}, damaged: []bool{false, false}, marker: []bool{true, true},
			stats: h26x.DepacketizerStats{Packets: 8, PacketsLost: 1, NALsDropped: 1, AUs: 2, AUsDropped: 1},
		},
		{
			// The last fragment of the IDR and the first of the P slice:
			// the end of one fragmented NAL unit must not be spliced with
			// the start of the next.
			name: "end and next start lost", drop: []int{4, 5}, dup: -1,
			want: [][][]byte{params, aus[2]}, ts: []uint32{t0, t2}, damaged: []bool{true, false}, marker: []bool{false, true},
			stats: h26x.DepacketizerStats{Packets: 7, PacketsLost: 2, NALsDropped: 2, AUs: 2, AUsDamaged: 1, AUsDropped: 1},
		},
		{
			name: "two fragments reordered", swap: [][2]int{{2, 3}}, dup: -1,
			want: [][][]byte{params, aus[1], aus[2]}, ts: []uint32{t0, t1, t2}, damaged: []bool{true, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 9, PacketsLost: 1, PacketsLate: 1, NALsDropped: 1, AUs: 3, AUsDamaged: 1},
		},
		{
			name: "duplicate fragment", dup: 2,
			want: aus, ts: []uint32{t0, t1, t2}, damaged: []bool{false, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 10, PacketsLate: 1, AUs: 3},
		},
		{
			name: "duplicate marker packet", dup: 4,
			want: aus, ts: []uint32{t0, t1, t2}, damaged: []bool{false, false, false}, marker: []bool{true, true, true},
			stats: h26x.DepacketizerStats{Packets: 10, PacketsLate: 1, AUs: 3},
		},
		{
			// Joining a stream in the middle of a fragmented NAL unit.
			name: "stream starts mid-fragment", drop: []int{0, 1}, dup: -1,
			want: [][][]byte{aus[1], aus[2]}, ts: []uint32{t1, t2}, damaged: []bool{false, false}, marker: []bool{true, true},
			stats: h26x.DepacketizerStats{Packets: 7, NALsDropped: 1, AUs: 2, AUsDropped: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h264rtpFeed(t, new(h26x.H264Depacketizer).Depacketize, h264rtpEdit(pkts, tt.drop, tt.swap, tt.dup))
			require.Empty(t, r.errs)
			require.Equal(t, tt.want, r.aus)
			require.Equal(t, tt.ts, r.ts)
			require.Equal(t, tt.damaged, r.damaged)
			require.Equal(t, tt.marker, r.marker)
		})
	}
	t.Run("stats", func(t *testing.T) {
		for _, tt := range tests {
			d := new(h26x.H264Depacketizer)
			h264rtpFeed(t, d.Depacketize, h264rtpEdit(pkts, tt.drop, tt.swap, tt.dup))
			require.Equal(t, tt.stats, d.Stats(), tt.name)
		}
	})
}

func TestH264DepacketizeFUSequences(t *testing.T) {
	// Hand-built FU-A sequences with consecutive sequence numbers, so that
	// only the FU state machine can notice what is wrong.
	const S, E = 0x80, 0x40
	fu := func(hdr byte, data ...byte) []byte { return append([]byte{0x7c, hdr | 5}, data...) }
	tests := []struct {
		name     string
		payloads [][]byte
		want     [][]byte
		dropped  uint64
	}{
		{"whole", [][]byte{fu(S, 1), fu(0, 2), fu(E, 3)}, [][]byte{{0x65, 1, 2, 3}}, 0},
		{"empty fragments", [][]byte{fu(S), fu(0), fu(E, 3)}, [][]byte{{0x65, 3}}, 0},
		{"new start while open", [][]byte{fu(S, 1), fu(0, 2), fu(S, 4), fu(E, 5)}, [][]byte{{0x65, 4, 5}}, 1},
		{"end without start", [][]byte{fu(0, 2), fu(E, 3), {0x41, 9}}, [][]byte{{0x41, 9}}, 1},
		{"start without end, then a single NAL unit", [][]byte{fu(S, 1), {0x41, 9}, fu(0, 2), fu(E, 3)}, [][]byte{{0x41, 9}}, 2},
		{"start without end, then STAP-A", [][]byte{fu(S, 1), {0x78, 0, 2, 0x41, 9}}, [][]byte{{0x41, 9}}, 1},
		{"type changes inside", [][]byte{fu(S, 1), {0x7c, 0x01, 2}, fu(E, 3)}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d h26x.H264Depacketizer
			var got [][]byte
			for i, pl := range tt.payloads {
				aus, _ := d.Depacketize(h264rtpPkt(uint16(i), 10, false, pl...))
				require.Empty(t, aus)
			}
			for _, au := range d.Flush() {
				got = h264rtpCopyAU(au)
				require.Equal(t, tt.dropped > 0, au.Damaged)
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.dropped, d.Stats().NALsDropped)
		})
	}
}

func TestH264DepacketizeSequenceRestart(t *testing.T) {
	var d h26x.H264Depacketizer
	_, err := d.Depacketize(h264rtpPkt(5000, 10, true, 0x41, 1))
	require.NoError(t, err)
	// Far behind: a restart, not a late packet.
	aus, err := d.Depacketize(h264rtpPkt(100, 20, true, 0x41, 2))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.Equal(t, [][]byte{{0x41, 2}}, aus[0].NALs)
	// A little behind: late, discarded.
	aus, err = d.Depacketize(h264rtpPkt(99, 20, true, 0x41, 3))
	require.NoError(t, err)
	require.Empty(t, aus)
	require.Equal(t, uint64(1), d.Stats().PacketsLate)
	// Far ahead: a restart too, not 10000 packets lost.
	aus, err = d.Depacketize(h264rtpPkt(10100, 40, true, 0x41, 5))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.True(t, aus[0].Damaged)
	require.Zero(t, d.Stats().PacketsLost)
	// A loss within the bound is counted.
	_, err = d.Depacketize(h264rtpPkt(10110, 50, true, 0x41, 6))
	require.NoError(t, err)
	require.Equal(t, uint64(9), d.Stats().PacketsLost)
	// Reset: any number is taken as the first.
	d.Reset()
	aus, err = d.Depacketize(h264rtpPkt(50, 30, true, 0x41, 4))
	require.NoError(t, err)
	require.Len(t, aus, 1)
	require.False(t, aus[0].Damaged)
}

func TestH264RTPAllocations(t *testing.T) {
	aus := h264rtpReadAUs(t, h264rtp, "h264_high_720p_4mbps_bframes.h264")
	var p h26x.H264Packetizer
	var b rtp.Batch
	var s rtp.Stream
	var d h26x.H264Depacketizer
	var pkt rtp.Packet
	wire := make([]byte, 0, 2048)
	ts := uint32(0)
	run := func() {
		for _, au := range aus {
			b.Reset()
			if err := p.Packetize(&b, &s, ts, au, true); err != nil {
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
			ts += 3600
		}
	}
	run() // warm up
	require.Zero(t, testing.AllocsPerRun(3, run))
	require.Zero(t, d.Stats().PacketsLost)
	require.Equal(t, uint64(5*len(aus)), d.Stats().AUs)
}

func TestH264RTPBodiesAreNotCopied(t *testing.T) {
	big := bytes.Repeat([]byte{0x65, 1, 2, 3}, 1000)
	var p h26x.H264Packetizer
	var b rtp.Batch
	var s rtp.Stream
	require.NoError(t, p.Packetize(&b, &s, 0, [][]byte{big}, true))
	// Changing the caller's NAL unit changes what the batch sends.
	big[1] = 0xee
	require.Equal(t, byte(0xee), b.Body(0)[0])
}
