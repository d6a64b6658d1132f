package aac

import (
	"bytes"
	"testing"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// seqBytes returns n bytes counting up from start.
func seqBytes(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// wire returns packet i of b as it goes on the wire.
func wire(b *rtp.Batch, i int) []byte { return b.AppendPacket(nil, i) }

func TestPacketizeTwoAUsExactBytes(t *testing.T) {
	au1, au2 := seqBytes(0x123, 0), seqBytes(0x45, 0x80)
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 97, SSRC: 0x01020304, Seq: 0xFFFF}
	require.NoError(t, (&Packetizer{}).Packetize(&b, &s, 1000, [][]byte{au1, au2}))
	require.Equal(t, 1, b.Len())
	require.Equal(t, uint16(0), s.Seq) // wrapped

	want := []byte{
		0x80, 0x80 | 97, 0xFF, 0xFF, 0, 0, 0x03, 0xE8, 1, 2, 3, 4, // RTP, marker set
		0x00, 0x20, // AU-headers-length: 32 bits
		0x09, 0x18, // 0x123 << 3 | index 0
		0x02, 0x28, // 0x45 << 3 | index-delta 0
	}
	want = append(want, au1...)
	want = append(want, au2...)
	require.Equal(t, want, wire(&b, 0))
	// The last AU is referenced, not copied.
	require.Same(t, &au2[0], &b.Body(0)[0])
}

func TestPacketizeOneAUNoCopy(t *testing.T) {
	au := seqBytes(200, 1)
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 96}
	require.NoError(t, (&Packetizer{}).Packetize(&b, &s, 5, [][]byte{au}))
	require.Equal(t, 1, b.Len())
	require.Equal(t, []byte{0x00, 0x10, 0x06, 0x40}, b.Head(0)[rtp.HeaderSize:]) // 200<<3
	require.Same(t, &au[0], &b.Body(0)[0])
	require.True(t, b.Marker(0))
	require.Equal(t, uint32(5), b.Timestamp(0))
}

func TestPacketizeFragments(t *testing.T) {
	// 100 bytes of AU per packet: 12 RTP + 4 AU-header section + 100.
	p := Packetizer{MaxPacketSize: 116}
	small1, big, small2 := seqBytes(10, 0), seqBytes(250, 50), seqBytes(20, 9)
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 96, Seq: 10}
	require.NoError(t, p.Packetize(&b, &s, 0, [][]byte{small1, big, small2}))
	require.Equal(t, 5, b.Len())

	type pkt struct {
		ts     uint32
		marker bool
		head   []byte
		body   []byte
	}
	want := []pkt{
		{0, true, []byte{0x00, 0x10, 0x00, 0x50}, small1},
		// Every fragment carries the whole AU's size, 250 << 3 = 0x07D0.
		{1024, false, []byte{0x00, 0x10, 0x07, 0xD0}, big[:100]},
		{1024, false, []byte{0x00, 0x10, 0x07, 0xD0}, big[100:200]},
		{1024, true, []byte{0x00, 0x10, 0x07, 0xD0}, big[200:]},
		{2048, true, []byte{0x00, 0x10, 0x00, 0xA0}, small2},
	}
	for i, w := range want {
		require.Equal(t, w.ts, b.Timestamp(i), "packet %d", i)
		require.Equal(t, w.marker, b.Marker(i), "packet %d", i)
		require.Equal(t, uint16(10+i), b.SequenceNumber(i))
		require.Equal(t, w.head, b.Head(i)[rtp.HeaderSize:], "packet %d", i)
		require.Equal(t, w.body, b.Body(i), "packet %d", i)
		require.LessOrEqual(t, b.Size(i), 116)
	}
}

func TestPacketizeFillsPackets(t *testing.T) {
	// Three AUs of 100 bytes fit 12+2+3*(2+100) = 320; a fourth does not.
	p := Packetizer{MaxPacketSize: 320, FrameSamples: 960}
	aus := [][]byte{seqBytes(100, 0), seqBytes(100, 1), seqBytes(100, 2), seqBytes(100, 3)}
	var b rtp.Batch
	s := rtp.Stream{}
	require.NoError(t, p.Packetize(&b, &s, 7, aus))
	require.Equal(t, 2, b.Len())
	require.Equal(t, 320, b.Size(0))
	require.Equal(t, uint32(7), b.Timestamp(0))
	require.Equal(t, uint32(7+3*960), b.Timestamp(1))
	require.True(t, b.Marker(0))
	require.True(t, b.Marker(1))
	require.Equal(t, []byte{0x00, 0x30, 0x03, 0x20, 0x03, 0x20, 0x03, 0x20}, b.Head(0)[12:20])
}

func TestPacketizeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Packetizer
		aus  [][]byte
		err  error
	}{
		{"AU too large", Packetizer{}, [][]byte{{1}, make([]byte, 8192)}, ErrAUTooLarge},
		{"empty AU", Packetizer{}, [][]byte{{1}, {}}, ErrEmptyAU},
		{"packet too small", Packetizer{MaxPacketSize: 16}, [][]byte{{1}}, ErrPacketSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b rtp.Batch
			s := rtp.Stream{Seq: 3}
			err := tc.p.Packetize(&b, &s, 0, tc.aus)
			require.ErrorIs(t, err, tc.err)
			require.Equal(t, 0, b.Len())
			require.Equal(t, uint16(3), s.Seq)
		})
	}
	// 8191 bytes is allowed, and the smallest packet size still works.
	var b rtp.Batch
	s := rtp.Stream{}
	require.NoError(t, (&Packetizer{MaxPacketSize: 17}).Packetize(&b, &s, 0, [][]byte{make([]byte, 8191)}))
	require.Equal(t, 8191, b.Len())
}

// roundTrip packetizes the AUs in groups of group, sends every packet
// through Marshal/Unmarshal (skipping the packets drop selects by their
// index), depacketizes, and returns copies of the AUs that came out.
func roundTrip(t *testing.T, p Packetizer, aus [][]byte, group int, ts0 uint32, drop func(i int) bool) ([]AU, *Depacketizer) {
	t.Helper()
	maxSize := p.MaxPacketSize
	if maxSize == 0 {
		maxSize = rtp.DefaultMaxPacketSize
	}
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 96, SSRC: 42, Seq: 65000}
	d := &Depacketizer{}
	var out, buf []AU
	n := 0
	for i := 0; i < len(aus); i += group {
		end := min(i+group, len(aus))
		b.Reset()
		require.NoError(t, p.Packetize(&b, &s, ts0+uint32(i)*1024, aus[i:end]))
		for k := 0; k < b.Len(); k++ {
			require.LessOrEqual(t, b.Size(k), maxSize)
			raw := wire(&b, k)
			n++
			if drop != nil && drop(n-1) {
				continue
			}
			var pkt rtp.Packet
			require.NoError(t, pkt.Unmarshal(raw))
			var err error
			buf, err = d.Depacketize(buf[:0], &pkt)
			require.NoError(t, err)
			// A reassembled AU aliases the depacketizer: copy it now.
			for _, au := range buf {
				out = append(out, AU{Timestamp: au.Timestamp, Data: bytes.Clone(au.Data)})
			}
		}
	}
	return out, d
}

func TestRoundTripFiles(t *testing.T) {
	for _, f := range adtsFiles {
		file := readTestdata(t, f.name)
		aus, _, err := SplitADTS(nil, file)
		require.NoError(t, err)
		for _, tc := range []struct {
			name  string
			p     Packetizer
			group int
		}{
			{"one per call", Packetizer{}, 1},
			{"five per call", Packetizer{}, 5},
			{"whole file in one call", Packetizer{}, len(aus)},
			{"fragmented", Packetizer{MaxPacketSize: 100}, 3},
		} {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				const ts0 = 0xFFFFF000 // wraps during the file
				got, d := roundTrip(t, tc.p, aus, tc.group, ts0, nil)
				require.Zero(t, d.LostPackets)
				require.Zero(t, d.DroppedAUs)
				require.Len(t, got, len(aus))
				for i := range aus {
					require.Equal(t, ts0+uint32(i)*1024, got[i].Timestamp, "AU %d", i)
					require.True(t, bytes.Equal(aus[i], got[i].Data), "AU %d", i)
				}
			})
		}
	}
}
