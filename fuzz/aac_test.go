package fuzz

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/rtp"
)

// aacSample returns the first n bytes of a sample ADTS stream.
func aacSample(f *testing.F, name string, n int) []byte {
	data, err := os.ReadFile("../testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	return data[:min(n, len(data))]
}

// FuzzAACADTS parses ADTS headers and splits ADTS streams. Every header that
// parses writes back to the same bytes, and every frame that splits is
// rebuilt exactly from its header and access unit.
func FuzzAACADTS(f *testing.F) {
	f.Add(aacSample(f, "aac_lc_mono_48k.aac", 600))
	f.Add(aacSample(f, "aac_lc_stereo_44k.aac", 900))
	f.Add([]byte{0xFF, 0xF0, 0x50, 0x80, 0x01, 0x7F, 0xFC, 0x12, 0x34, 0xAA, 0xBB}) // with CRC
	f.Add([]byte{0xFF, 0xF1, 0x4C, 0x40, 0x18, 0xFF, 0xFD})                         // two blocks
	f.Add([]byte{0xFF, 0xF9, 0x7C, 0x40, 0x01, 0x1F, 0xFC, 0x01, 0x02})             // MPEG-2, index 15
	f.Add([]byte{0xFF, 0xF1, 0x4C, 0x40, 0x01, 0x1F, 0xFC, 0x01, 0xFF, 0xF1, 0x4C}) // truncated second
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := aac.ParseADTS(data)
		if err == nil || errors.Is(err, aac.ErrADTSRawDataBlocks) {
			n := h.HeaderSize()
			if got := h.AppendTo(nil); !bytes.Equal(got, data[:n]) {
				t.Fatalf("header % x rewritten as % x", data[:n], got)
			}
			again, err2 := aac.ParseADTS(h.AppendTo(nil))
			if !errors.Is(err2, err) || again != h {
				t.Fatalf("reparse: %+v %v, want %+v %v", again, err2, h, err)
			}
		}

		aus, first, err := aac.SplitADTS(nil, data)
		var rebuilt []byte
		rest := data
		for i, au := range aus {
			hi, aui, r, err := aac.NextADTS(rest)
			if err != nil || !bytes.Equal(aui, au) {
				t.Fatalf("frame %d: NextADTS disagrees with SplitADTS: %v", i, err)
			}
			if i == 0 && hi != first {
				t.Fatalf("first header %+v, want %+v", first, hi)
			}
			if len(au) == 0 || len(au) > aac.MaxADTSFrameSize {
				t.Fatalf("frame %d: AU of %d bytes", i, len(au))
			}
			rebuilt = hi.AppendTo(rebuilt)
			rebuilt = append(rebuilt, au...)
			// Re-framing with the derived configuration keeps the AU.
			if out, err := aac.AppendADTS(nil, aac.ConfigFromADTS(hi), au); err == nil {
				_, au2, r2, err := aac.NextADTS(out)
				if err != nil || !bytes.Equal(au2, au) || len(r2) != 0 {
					t.Fatalf("frame %d: AppendADTS round trip failed: %v", i, err)
				}
			}
			rest = r
		}
		if !bytes.Equal(rebuilt, data[:len(rebuilt)]) {
			t.Fatal("rebuilt frames differ from the input")
		}
		if err == nil && len(rebuilt) != len(data) {
			t.Fatalf("no error but %d of %d bytes consumed", len(rebuilt), len(data))
		}
	})
}

// FuzzAACConfig parses an AudioSpecificConfig; whatever parses marshals and
// parses back to the same value, also through the SDP fmtp line.
func FuzzAACConfig(f *testing.F) {
	for _, s := range []string{"1188", "1210", "1190", "11b0", "158c", "09920028", "3190a0",
		"1780181c88", "17805dc010", "2b118800", "131056e598", "eb098800", "130856e59d4880",
		"f94648a8", "f8e64c", "11855e68", "299194", "1388", "1408", "12080000"} {
		b, err := hex.DecodeString(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c aac.AudioSpecificConfig
		if err := c.Unmarshal(data); err != nil {
			return
		}
		b, err := c.Marshal()
		if err != nil {
			t.Fatalf("%+v parsed from % x does not marshal: %v", c, data, err)
		}
		var again aac.AudioSpecificConfig
		if err := again.Unmarshal(b); err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("round trip: %+v -> % x -> %+v (%v)", c, b, again, err)
		}
		b2, err := again.Marshal()
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("second marshal differs: % x, % x", b, b2)
		}
		fmtp, err := aac.FMTPValue(c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := aac.ParseFMTP(fmtp)
		if err != nil {
			t.Fatalf("%q: %v", fmtp, err)
		}
		viaSDP, err := p.AudioConfig()
		if err != nil || !reflect.DeepEqual(c, viaSDP) {
			t.Fatalf("through %q: %+v (%v)", fmtp, viaSDP, err)
		}
		_ = c.FrameSamples()
		_ = aac.ProfileLevelID(c)
	})
}

// aacLayouts are the AU-header layouts the depacketizer target picks from
// with the first byte of its input.
var aacLayouts = []aac.AUHeaderLayout{
	aac.LayoutAACHbr,
	aac.LayoutAACLbr,
	{SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3, CTSDeltaLength: 6, DTSDeltaLength: 6,
		RandomAccessIndication: true, StreamStateIndication: 3},
	{SizeLength: 8, AuxiliaryDataSizeLength: 10},
	{RandomAccessIndication: true, ConstantSize: 5},
	{SizeLength: 32, IndexLength: 32, CTSDeltaLength: 32},
}

const (
	aacFuzzMaxAU   = 400
	aacFuzzMaxPkts = 200
)

// aacPackets cuts data into RTP packets: records of a control byte and a
// length byte, then that many payload bytes (fewer when data ends). The
// control byte's 0x80 is the marker; bits 0-1 step the sequence number
// (+1, +2 = one lost, +0 = duplicate, -1 = late), 0x10 jumps it far back;
// bits 2-3 step the timestamp (0, +1024, +3000, -1).
func aacPackets(data []byte) []rtp.Packet {
	var pkts []rtp.Packet
	seq, ts := uint16(65533), uint32(1<<32-2048)
	for len(data) >= 2 && len(pkts) < aacFuzzMaxPkts {
		ctrl, n := data[0], min(int(data[1]), len(data)-2)
		data = data[2:]
		if len(pkts) > 0 {
			seq += [4]uint16{1, 2, 0, 0xFFFF}[ctrl&3]
			if ctrl&0x10 != 0 {
				seq -= 5000
			}
			ts += [4]uint32{0, 1024, 3000, 0xFFFFFFFF}[ctrl>>2&3]
		}
		pkts = append(pkts, rtp.Packet{
			Header:  rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: ctrl&0x80 != 0},
			Payload: data[:n:n],
		})
		data = data[n:]
	}
	return pkts
}

// aacEncodePackets is the inverse of aacPackets for in-order packets with
// timestamps 1024 apart, to build seeds.
func aacEncodePackets(b *rtp.Batch) []byte {
	var out []byte
	for i := range b.Len() {
		p := b.AppendPacket(nil, i)[rtp.HeaderSize:]
		ctrl := byte(0)
		if b.Marker(i) {
			ctrl |= 0x80
		}
		if i > 0 && b.Timestamp(i) != b.Timestamp(i-1) {
			ctrl |= 1 << 2
		}
		out = append(out, ctrl, byte(min(len(p), 255)))
		out = append(out, p[:min(len(p), 255)]...)
	}
	return out
}

// aacSeedPackets packetizes the first AUs of a sample with a packet size
// that fragments some of them.
func aacSeedPackets(f *testing.F, name string, maxSize, n int) []byte {
	aus, _, err := aac.SplitADTS(nil, aacSample(f, name, 3000))
	if err != nil && !errors.Is(err, aac.ErrADTSTruncated) {
		f.Fatal(err)
	}
	var b rtp.Batch
	var s rtp.Stream
	p := aac.Packetizer{MaxPacketSize: maxSize}
	for i := 0; i < min(n, len(aus)); i += 2 {
		if err := p.Packetize(&b, &s, uint32(i)*1024, aus[i:min(i+2, len(aus))]); err != nil {
			f.Fatal(err)
		}
	}
	return aacEncodePackets(&b)
}

// FuzzAACDepacketizer feeds arbitrary packets to a Depacketizer with one of
// aacLayouts: it must not panic, every access unit it returns is within
// MaxAUSize and made of input bytes, and the counters stay consistent.
func FuzzAACDepacketizer(f *testing.F) {
	f.Add(append([]byte{0}, aacSeedPackets(f, "aac_lc_mono_48k.aac", 1400, 6)...))
	f.Add(append([]byte{0}, aacSeedPackets(f, "aac_lc_stereo_44k.aac", 120, 4)...))
	f.Add([]byte{1, 0x80, 6, 0x00, 0x10, 0x28, 0x50, 1, 2})
	f.Add([]byte{0, 0x00, 8, 0x00, 0x10, 0x00, 0x50, 1, 2, 3, 4, 0x81, 6, 0x00, 0x10, 0x00, 0x50, 5, 6})
	f.Add([]byte{3, 0x80, 8, 0x00, 0x08, 0x04, 0x01, 0x40, 0xAA, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		d := aac.Depacketizer{Layout: aacLayouts[int(data[0])%len(aacLayouts)], MaxAUSize: aacFuzzMaxAU}
		pkts := aacPackets(data[1:])
		var out []aac.AU
		total := 0
		for i := range pkts {
			before := len(out)
			var err error
			out, err = d.Depacketize(out, &pkts[i])
			if err != nil && len(out) != before {
				t.Fatalf("packet %d: error %v but %d AUs appended", i, err, len(out)-before)
			}
			for _, au := range out[before:] {
				if len(au.Data) == 0 || len(au.Data) > aacFuzzMaxAU {
					t.Fatalf("packet %d: AU of %d bytes", i, len(au.Data))
				}
				total += len(au.Data)
			}
			// Reassembled AUs alias the depacketizer: drop them now.
			out = out[:0]
		}
		if total > len(data) {
			t.Fatalf("%d AU bytes out of %d input bytes", total, len(data))
		}
	})
}

// FuzzAACPacketizerLoss packetizes access units made from the input with a
// small packet size, loses the packets the input selects, and checks that
// what comes out is exactly the sent access units that were not hit, with
// their timestamps: nothing is spliced, nothing invented.
func FuzzAACPacketizerLoss(f *testing.F) {
	f.Add(uint8(60), uint64(0), []byte("\x50\x10\x90\x05\xff\x30abcdefghijklmnopqrstuvwxyz"))
	f.Add(uint8(20), uint64(0b1010), []byte("\x80\x80\x80\x02\x02\x02"))
	f.Add(uint8(200), uint64(1<<3), []byte("\x10\x20\x30\x40\x50\x60\x70"))
	f.Fuzz(func(t *testing.T, size uint8, lose uint64, data []byte) {
		p := aac.Packetizer{MaxPacketSize: 17 + int(size)}
		// AU i has length data[i]+1 (at most 40 AUs) and distinct contents.
		var aus [][]byte
		for i, n := range data[:min(len(data), 40)] {
			au := bytes.Repeat([]byte{byte(i)}, int(n)+1)
			au[0] = n
			aus = append(aus, au)
		}
		if len(aus) == 0 {
			return
		}
		var b rtp.Batch
		s := rtp.Stream{Seq: 65500}
		const ts0 = 1<<32 - 3000
		// Several calls, as a server would make them.
		for i := 0; i < len(aus); i += 3 {
			if err := p.Packetize(&b, &s, ts0+uint32(i)*1024, aus[i:min(i+3, len(aus))]); err != nil {
				t.Fatal(err)
			}
		}
		var d aac.Depacketizer
		var out []aac.AU
		for i := range b.Len() {
			if b.Size(i) > p.MaxPacketSize {
				t.Fatalf("packet %d has %d bytes", i, b.Size(i))
			}
			if i < 64 && lose&(1<<i) != 0 {
				continue
			}
			var pkt rtp.Packet
			if err := pkt.Unmarshal(b.AppendPacket(nil, i)); err != nil {
				t.Fatal(err)
			}
			got, err := d.Depacketize(nil, &pkt)
			if err != nil {
				t.Fatalf("packet %d: %v", i, err)
			}
			for _, au := range got {
				out = append(out, aac.AU{Timestamp: au.Timestamp, Data: bytes.Clone(au.Data)})
			}
		}
		// Every AU out is an input AU at its own timestamp, in order.
		next := 0
		for _, au := range out {
			k := int((au.Timestamp - ts0) / 1024)
			if (au.Timestamp-ts0)%1024 != 0 || k < next || k >= len(aus) {
				t.Fatalf("AU at unexpected timestamp %d", au.Timestamp)
			}
			if !bytes.Equal(au.Data, aus[k]) {
				t.Fatalf("AU %d differs: % x, want % x", k, au.Data, aus[k])
			}
			next = k + 1
		}
		if lose == 0 && len(out) != len(aus) {
			t.Fatalf("no loss but %d of %d AUs", len(out), len(aus))
		}
	})
}
