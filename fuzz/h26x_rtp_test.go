package fuzz

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// The depacketizer targets read their input as a list of RTP packets, each
// a record of a control byte, a length byte and that many payload bytes
// (fewer when the input ends). The control byte chooses the marker bit
// (0x80), the step to the sequence number (bits 0-1: +1, +2 for a loss, +0
// for a duplicate, -1 for a late packet; 0x10 jumps far back, a restart)
// and the step to the timestamp (bits 2-3: 0, +1, +3000, -1).

// h26xRTPLimits are small so that the fuzzer reaches them.
const (
	h26xRTPMaxNAL   = 300
	h26xRTPMaxAU    = 700
	h26xRTPMaxNALs  = 6
	h26xRTPMaxPkts  = 128
	h26xRTPCtrlMark = 0x80
	h26xRTPCtrlJump = 0x10
)

// h26xRTPPackets cuts data into packets as described above. jumped reports
// that a packet was so far behind the last one in order that the
// depacketizer took it for a restart of the numbering.
func h26xRTPPackets(data []byte) (pkts []rtp.Packet, jumped bool) {
	seq, ts := uint16(65530), uint32(1000)
	last := seq
	for len(data) >= 2 && len(pkts) < h26xRTPMaxPkts {
		ctrl, n := data[0], int(data[1])
		data = data[2:]
		n = min(n, len(data))
		if len(pkts) > 0 {
			switch ctrl & 3 {
			case 0:
				seq++
			case 1:
				seq += 2
			case 3:
				seq--
			}
			if ctrl&h26xRTPCtrlJump != 0 {
				seq -= 1000
			}
			// As the depacketizer (and RFC 3550 Appendix A.1) sees it.
			switch delta := int16(seq - last); {
			case delta > 0 && delta <= 3000:
				last = seq
			case delta <= 0 && delta > -100:
			default:
				last = seq
				jumped = true
			}
			switch ctrl >> 2 & 3 {
			case 1:
				ts++
			case 2:
				ts += 3000
			case 3:
				ts--
			}
		}
		pkts = append(pkts, rtp.Packet{
			Header:  rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: ctrl&h26xRTPCtrlMark != 0},
			Payload: data[:n:n],
		})
		data = data[n:]
	}
	return pkts, jumped
}

// h26xRTPEncode is the inverse of h26xRTPPackets for in-order packets, to
// build seeds from real streams.
func h26xRTPEncode(payloads [][]byte, markers []bool, newTS []bool) []byte {
	var out []byte
	for i, p := range payloads {
		if len(p) > 255 {
			p = p[:255]
		}
		var ctrl byte
		if markers[i] {
			ctrl |= h26xRTPCtrlMark
		}
		if newTS[i] {
			ctrl |= 2 << 2
		}
		out = append(out, ctrl, byte(len(p)))
		out = append(out, p...)
	}
	return out
}

// h26xRTPSeeds packetizes the first access units of a sample stream with
// small packets and encodes them as depacketizer input.
func h26xRTPSeeds(f *testing.F, file string, packetize func(*rtp.Batch, *rtp.Stream, uint32, [][]byte, bool) error, typeOf func([]byte) int, vclMax int) {
	data, err := os.ReadFile("../testdata/" + file)
	if err != nil {
		f.Fatal(err)
	}
	nals := h26x.SplitNALs(nil, data)
	// A few NAL units at a time, cut short so that the payloads stay small.
	var b rtp.Batch
	var s rtp.Stream
	var payloads [][]byte
	var markers, newTS []bool
	for i, nal := range nals[:min(len(nals), 8)] {
		if len(nal) > 300 {
			nal = nal[:300]
		}
		b.Reset()
		end := typeOf(nal) < vclMax // end the access unit after a slice
		if err := packetize(&b, &s, uint32(i), [][]byte{nal}, end); err != nil {
			f.Fatal(err)
		}
		for j := 0; j < b.Len(); j++ {
			var p rtp.Packet
			if err := b.Packet(j, &p); err != nil {
				f.Fatal(err)
			}
			payloads = append(payloads, p.Payload)
			markers = append(markers, p.Marker)
			newTS = append(newTS, j == 0 && i > 0)
		}
	}
	n := min(len(payloads), 24)
	f.Add(h26xRTPEncode(payloads[:n], markers, newTS))
	f.Add(h26xRTPEncode(payloads[:min(n, 5)], markers, newTS))
}

type h26xRTPDepacketizer interface {
	Depacketize(p *rtp.Packet) ([]h26x.RTPAccessUnit, error)
	Flush() []h26x.RTPAccessUnit
	Stats() h26x.DepacketizerStats
}

// h26xRTPCheckDepacketizer feeds the packets and checks what comes out:
// no panic, only the documented errors, at most two access units per
// packet, every NAL unit at least minNAL bytes, of a type below maxType
// (never a payload structure), within the limits, with its capacity capped;
// counters that agree with what was returned.
func h26xRTPCheckDepacketizer(t *testing.T, d h26xRTPDepacketizer, data []byte, minNAL int, typeOf func([]byte) int, maxType int) {
	pkts, jumped := h26xRTPPackets(data)
	var aus, damaged uint64
	check := func(out []h26x.RTPAccessUnit) {
		if len(out) > 2 {
			t.Fatalf("%d access units from one packet", len(out))
		}
		for _, au := range out {
			aus++
			if au.Damaged {
				damaged++
			}
			if len(au.NALs) == 0 || len(au.NALs) > h26xRTPMaxNALs {
				t.Fatalf("%d NAL units", len(au.NALs))
			}
			size := 0
			for _, nal := range au.NALs {
				if len(nal) < minNAL || len(nal) > h26xRTPMaxNAL {
					t.Fatalf("NAL unit of %d bytes", len(nal))
				}
				if cap(nal) != len(nal) {
					t.Fatalf("NAL unit capacity %d, length %d", cap(nal), len(nal))
				}
				if typeOf(nal) >= maxType {
					t.Fatalf("NAL unit of type %d", typeOf(nal))
				}
				size += len(nal)
			}
			if size > h26xRTPMaxAU {
				t.Fatalf("access unit of %d bytes", size)
			}
		}
	}
	for i := range pkts {
		out, err := d.Depacketize(&pkts[i])
		if err != nil && !errors.Is(err, h26x.ErrMalformedRTPPayload) && !errors.Is(err, h26x.ErrH264UnsupportedPacket) &&
			!errors.Is(err, h26x.ErrH265UnsupportedPacket) && !errors.Is(err, h26x.ErrNALTooLarge) && !errors.Is(err, h26x.ErrAUTooLarge) {
			t.Fatalf("undocumented error %v", err)
		}
		check(out)
	}
	check(d.Flush())
	st := d.Stats()
	if st.Packets != uint64(len(pkts)) || st.AUs != aus || st.AUsDamaged != damaged {
		t.Fatalf("stats %+v, returned %d access units, %d damaged", st, aus, damaged)
	}
	if !jumped && st.PacketsLost == 0 && st.PacketsInvalid == 0 && st.NALsDropped == 0 && damaged > 0 {
		t.Fatalf("damaged access unit without a loss: %+v", st)
	}
}

func FuzzH264Depacketizer(f *testing.F) {
	var p h26x.H264Packetizer
	p.MaxPacketSize = 80
	h26xRTPSeeds(f, "h264_main_720p.h264", p.Packetize, func(b []byte) int { return int(h26x.H264Type(b)) }, 6)
	f.Add([]byte{0x00, 3, 0x78, 0, 9, 0x00, 4, 0x7c, 0x85, 1, 2, 0x01, 3, 0x7c, 0x05, 3, 0x80, 3, 0x7c, 0x45, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &h26x.H264Depacketizer{MaxNALSize: h26xRTPMaxNAL, MaxAUSize: h26xRTPMaxAU, MaxNALsPerAU: h26xRTPMaxNALs}
		h26xRTPCheckDepacketizer(t, d, data, 1, func(b []byte) int { return int(h26x.H264Type(b)) }, int(h26x.H264NALSTAPA))
	})
}

func FuzzH265Depacketizer(f *testing.F) {
	var p h26x.H265Packetizer
	p.MaxPacketSize = 80
	h26xRTPSeeds(f, "h265_main_720p_bframes.h265", p.Packetize, func(b []byte) int { return int(h26x.H265Type(b)) }, 32)
	f.Add([]byte{0x00, 4, 0x62, 0x01, 0x93, 1, 0x01, 4, 0x62, 0x01, 0x13, 2, 0x80, 4, 0x62, 0x01, 0x53, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &h26x.H265Depacketizer{MaxNALSize: h26xRTPMaxNAL, MaxAUSize: h26xRTPMaxAU, MaxNALsPerAU: h26xRTPMaxNALs}
		h26xRTPCheckDepacketizer(t, d, data, 2, func(b []byte) int { return int(h26x.H265Type(b)) }, int(h26x.H265NALAP))
	})
}

// h26xRTPNALs reads the packetizer targets' input: a byte for the packet
// size (16 + 2*b), a flags byte (bit 0: no aggregation; bit 1: end the
// access unit after the first NAL unit too), then NAL units each behind a
// 2-byte length.
func h26xRTPNALs(data []byte) (maxSize int, flags byte, nals [][]byte) {
	if len(data) < 2 {
		return 0, 0, nil
	}
	maxSize, flags, data = 16+2*int(data[0]), data[1], data[2:]
	for len(data) >= 2 && len(nals) < 64 {
		n := min(int(data[0])<<8|int(data[1]), len(data)-2)
		nals = append(nals, data[2:2+n:2+n])
		data = data[2+n:]
	}
	return maxSize, flags, nals
}

// h26xRTPRoundTrip packetizes nals (as one access unit, or two when flags
// bit 1 is set), parses every packet back, depacketizes them and checks
// that the non-empty NAL units come back unchanged, with the marker only on
// the last packet of each access unit and no packet over maxSize.
func h26xRTPRoundTrip(t *testing.T, maxSize int, flags byte, nals [][]byte,
	packetize func(*rtp.Batch, *rtp.Stream, uint32, [][]byte, bool) error, d h26xRTPDepacketizer) {
	groups := [][][]byte{nals}
	if flags&2 != 0 && len(nals) > 1 {
		groups = [][][]byte{nals[:1], nals[1:]}
	}
	var b rtp.Batch
	s := rtp.Stream{Seq: 65534}
	var got [][]byte
	for g, group := range groups {
		b.Reset()
		if err := packetize(&b, &s, uint32(g*3000), group, true); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < b.Len(); i++ {
			if b.Size(i) > maxSize {
				t.Fatalf("packet of %d bytes, max %d", b.Size(i), maxSize)
			}
			if b.Marker(i) != (i == b.Len()-1) {
				t.Fatalf("marker on packet %d of %d", i, b.Len())
			}
			var p rtp.Packet
			if err := p.Unmarshal(b.AppendPacket(nil, i)); err != nil {
				t.Fatal(err)
			}
			aus, err := d.Depacketize(&p)
			if err != nil {
				t.Fatal(err)
			}
			if len(aus) != 0 && i != b.Len()-1 {
				t.Fatalf("access unit returned before its last packet")
			}
			for _, au := range aus {
				if au.Damaged || !au.Marker || au.Timestamp != uint32(g*3000) {
					t.Fatalf("access unit %+v", au)
				}
				for _, nal := range au.NALs {
					got = append(got, bytes.Clone(nal))
				}
			}
		}
	}
	var want [][]byte
	for _, nal := range nals {
		if len(nal) > 0 {
			want = append(want, nal)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d NAL units back, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("NAL unit %d: got %x, want %x", i, got[i], want[i])
		}
	}
}

func FuzzH264Packetize(f *testing.F) {
	f.Add([]byte{0, 0, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 0, 3, 0x68, 0xce, 0x3c, 0, 12, 0x65, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{100, 3, 0, 1, 0x09, 0, 0, 0, 2, 0xc1, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		maxSize, flags, nals := h26xRTPNALs(data)
		if nals == nil {
			return
		}
		p := h26x.H264Packetizer{MaxPacketSize: maxSize, DisableAggregation: flags&1 != 0}
		for _, nal := range nals {
			if len(nal) > 0 && (h26x.H264Type(nal) == 0 || h26x.H264Type(nal) >= h26x.H264NALSTAPA) {
				var b rtp.Batch
				var s rtp.Stream
				if err := p.Packetize(&b, &s, 0, nals, true); !errors.Is(err, h26x.ErrH264PacketizationType) || b.Len() != 0 {
					t.Fatalf("NAL unit of type %d: err %v, %d packets", h26x.H264Type(nal), err, b.Len())
				}
				return
			}
		}
		h26xRTPRoundTrip(t, maxSize, flags, nals, p.Packetize, &h26x.H264Depacketizer{})
	})
}

func FuzzH265Packetize(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 0x40, 0x01, 0x0c, 0, 3, 0x42, 0x01, 0x01, 0, 12, 0x26, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Add([]byte{100, 3, 0, 2, 0x46, 0x01, 0, 0, 0, 3, 0x83, 0x0b, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		maxSize, flags, nals := h26xRTPNALs(data)
		if nals == nil {
			return
		}
		p := h26x.H265Packetizer{MaxPacketSize: maxSize, DisableAggregation: flags&1 != 0}
		for _, nal := range nals {
			if len(nal) == 1 || h26x.H265Type(nal) >= h26x.H265NALAP {
				var b rtp.Batch
				var s rtp.Stream
				err := p.Packetize(&b, &s, 0, nals, true)
				if (!errors.Is(err, h26x.ErrH265PacketizationType) && !errors.Is(err, h26x.ErrH265ShortNAL)) || b.Len() != 0 {
					t.Fatalf("NAL unit %x: err %v, %d packets", nal, err, b.Len())
				}
				return
			}
		}
		h26xRTPRoundTrip(t, maxSize, flags, nals, p.Packetize, &h26x.H265Depacketizer{})
	})
}
