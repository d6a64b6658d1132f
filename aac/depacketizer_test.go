package aac

import (
	"bytes"
	"slices"
	"testing"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// pkt builds an RTP packet for the depacketizer.
func pkt(seq uint16, ts uint32, marker bool, payload ...byte) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// fileAUs returns the access units of the mono sample.
func fileAUs(t *testing.T) [][]byte {
	aus, _, err := SplitADTS(nil, readTestdata(t, "aac_lc_mono_48k.aac"))
	require.NoError(t, err)
	return aus
}

// packetsPerAU packetizes one AU per call and returns for each packet
// index the AU it belongs to.
func packetsPerAU(t *testing.T, p Packetizer, aus [][]byte) []int {
	var b rtp.Batch
	var s rtp.Stream
	var owner []int
	for i, au := range aus {
		b.Reset()
		require.NoError(t, p.Packetize(&b, &s, 0, [][]byte{au}))
		for range b.Len() {
			owner = append(owner, i)
		}
	}
	return owner
}

func TestDepacketizeLossOfFragments(t *testing.T) {
	aus := fileAUs(t)
	p := Packetizer{MaxPacketSize: 80} // every AU of this file is fragmented
	owner := packetsPerAU(t, p, aus)
	// Find AU 40's packets.
	var first, last int = -1, -1
	for i, o := range owner {
		if o == 40 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	require.GreaterOrEqual(t, last-first, 2, "AU 40 needs three fragments")

	for _, tc := range []struct {
		name    string
		lost    int
		dropped []int // AUs that must be missing
	}{
		{"middle fragment", first + 1, []int{40}},
		// 41 begins right after the gap, but one lost packet while 40 was
		// open can only have been 40's.
		{"last fragment", last, []int{40}},
		{"first fragment", first, []int{40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, d := roundTrip(t, p, aus, 1, 0, func(i int) bool { return i == tc.lost })
			var want []AU
			for i, au := range aus {
				if !slices.Contains(tc.dropped, i) {
					want = append(want, AU{Timestamp: uint32(i) * 1024, Data: au})
				}
			}
			require.Equal(t, want, got)
			require.Equal(t, uint64(1), d.LostPackets)
			require.Equal(t, uint64(len(tc.dropped)), d.DroppedAUs)
		})
	}
}

func TestDepacketizeLossOfWholePackets(t *testing.T) {
	// Unfragmented packets of 5 AUs: losing one loses those 5 and nothing
	// else, with no AU dropped as incomplete.
	aus := fileAUs(t)
	got, d := roundTrip(t, Packetizer{}, aus, 5, 0, func(i int) bool { return i == 3 })
	require.Len(t, got, len(aus)-5)
	require.Equal(t, uint32(14*1024), got[14].Timestamp)
	require.Equal(t, uint32(20*1024), got[15].Timestamp)
	require.Equal(t, aus[20], got[15].Data)
	require.Equal(t, uint64(1), d.LostPackets)
	require.Zero(t, d.DroppedAUs)
}

func TestDepacketizeVectors(t *testing.T) {
	a, b := seqBytes(10, 0), seqBytes(20, 100)
	for _, tc := range []struct {
		name   string
		layout AUHeaderLayout
		dur    uint32
		pkt    *rtp.Packet
		want   []AU
	}{
		{"hbr two AUs", AUHeaderLayout{}, 0,
			pkt(1, 500, true, cat([]byte{0x00, 0x20, 0x00, 0x50, 0x00, 0xA0}, a, b)...),
			[]AU{{500, a}, {500 + 1024, b}}},
		// AAC-lbr: 6-bit size, 2-bit index: 10<<2 = 0x28, 20<<2 = 0x50.
		{"lbr two AUs", LayoutAACLbr, 0,
			pkt(1, 500, true, cat([]byte{0x00, 0x10, 0x28, 0x50}, a, b)...),
			[]AU{{500, a}, {500 + 1024, b}}},
		// Interleaving: AU-Index-delta 2 puts b three AUs later.
		{"hbr index delta", AUHeaderLayout{}, 960,
			pkt(1, 0, true, cat([]byte{0x00, 0x20, 0x00, 0x55, 0x00, 0xA2}, a, b)...),
			[]AU{{0, a}, {3 * 960, b}}},
		// CTS-delta: 13-bit size, 3-bit index, CTS-flag, 4-bit CTS-delta:
		// first header 10/0/no CTS (17 bits), second 20/0/CTS -2 (21 bits).
		{"CTS delta", AUHeaderLayout{SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3, CTSDeltaLength: 4}, 0,
			pkt(1, 1000, true, cat([]byte{0x00, 38, 0x00, 0x50, 0x00, 0x50, 0x78}, a, b)...),
			[]AU{{1000, a}, {998, b}}},
		// Auxiliary section: 8-bit size 12 bits, then 2 bytes (padded).
		{"auxiliary", AUHeaderLayout{SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3, AuxiliaryDataSizeLength: 8}, 0,
			pkt(1, 0, true, cat([]byte{0x00, 0x10, 0x00, 0x50, 12, 0xAB, 0xC0}, a)...),
			[]AU{{0, a}}},
		// Trailing bytes after the AUs are ignored.
		{"trailing bytes", AUHeaderLayout{}, 0,
			pkt(1, 0, true, cat([]byte{0x00, 0x10, 0x00, 0x50}, a, []byte{1, 2})...),
			[]AU{{0, a}}},
		// constantSize with a RAP flag only.
		{"constant size", AUHeaderLayout{RandomAccessIndication: true, ConstantSize: 10}, 0,
			pkt(1, 0, true, cat([]byte{0x00, 0x02, 0xC0}, a, a)...),
			[]AU{{0, a}, {1024, a}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Depacketizer{Layout: tc.layout, FrameSamples: tc.dur}
			got, err := d.Depacketize(nil, tc.pkt)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestDepacketizeMalformed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"one byte", []byte{0}},
		{"zero header bits", []byte{0, 0, 1}},
		{"headers past payload", []byte{0x00, 0x20, 0x00, 0x08}},
		{"header bits not a whole header", []byte{0x00, 0x11, 0x00, 0x08, 0x00, 1}},
		{"sizes past data", []byte{0x00, 0x20, 0x00, 0x08, 0x00, 0x08, 1}},
		{"length lies hugely", []byte{0xFF, 0xFF, 0x00, 0x08, 1}},
		{"only zero-size AUs", []byte{0x00, 0x10, 0x00, 0x00, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Depacketizer
			got, err := d.Depacketize(nil, pkt(1, 0, true, tc.payload...))
			require.ErrorIs(t, err, ErrMalformed)
			require.Empty(t, got)
			// The next good packet still comes through.
			got, err = d.Depacketize(nil, pkt(2, 0, true, 0x00, 0x10, 0x00, 0x08, 7))
			require.NoError(t, err)
			require.Equal(t, []AU{{0, []byte{7}}}, got)
		})
	}
	// An aux section longer than the payload.
	d := Depacketizer{Layout: AUHeaderLayout{SizeLength: 13, AuxiliaryDataSizeLength: 16}}
	_, err := d.Depacketize(nil, pkt(1, 0, true, 0x00, 0x0D, 0x00, 0x08, 0xFF, 0xFF, 1))
	require.ErrorIs(t, err, ErrMalformed)
	// An invalid layout is refused.
	d = Depacketizer{Layout: AUHeaderLayout{SizeLength: 40}}
	_, err = d.Depacketize(nil, pkt(1, 0, true, 0x00, 0x10, 0x00, 0x08, 1))
	require.ErrorIs(t, err, ErrFMTP)
}

func TestDepacketizeFragmentEdgeCases(t *testing.T) {
	frag := func(seq uint16, ts uint32, marker bool, size int, data ...byte) *rtp.Packet {
		return pkt(seq, ts, marker, cat([]byte{0x00, 0x10, byte(size >> 5), byte(size << 3)}, data)...)
	}
	t.Run("joined in the middle", func(t *testing.T) {
		var d Depacketizer
		got, err := d.Depacketize(nil, frag(1, 0, false, 6, 1, 2))
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = d.Depacketize(nil, frag(2, 0, true, 6, 3, 4))
		require.NoError(t, err)
		require.Empty(t, got) // marker with 4 of 6 bytes: dropped
		require.Equal(t, uint64(1), d.DroppedAUs)
		got, err = d.Depacketize(nil, frag(3, 1024, false, 3, 5, 6))
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = d.Depacketize(nil, frag(4, 1024, true, 3, 7))
		require.NoError(t, err)
		require.Equal(t, []AU{{1024, []byte{5, 6, 7}}}, got)
	})
	t.Run("fragments overflow AU-size", func(t *testing.T) {
		var d Depacketizer
		_, err := d.Depacketize(nil, frag(1, 0, false, 3, 1, 2))
		require.NoError(t, err)
		_, err = d.Depacketize(nil, frag(2, 0, true, 3, 3, 4))
		require.ErrorIs(t, err, ErrMalformed) // 2 + 2 > 3
		require.Equal(t, uint64(1), d.DroppedAUs)
	})
	t.Run("two lost after an open AU", func(t *testing.T) {
		var d Depacketizer
		_, err := d.Depacketize(nil, frag(1, 0, false, 6, 1, 2))
		require.NoError(t, err)
		// Seq 2 and 3 lost: 3 may have been the first fragment of 1024.
		got, err := d.Depacketize(nil, frag(4, 1024, true, 3, 7))
		require.NoError(t, err)
		require.Empty(t, got)
		require.Equal(t, uint64(2), d.DroppedAUs)
		require.Equal(t, uint64(2), d.LostPackets)
	})
	t.Run("one lost inside an open AU", func(t *testing.T) {
		var d Depacketizer
		_, err := d.Depacketize(nil, frag(1, 0, false, 6, 1, 2))
		require.NoError(t, err)
		got, err := d.Depacketize(nil, frag(3, 0, true, 6, 5, 6))
		require.NoError(t, err)
		require.Empty(t, got)
		require.Equal(t, uint64(1), d.DroppedAUs)
		got, err = d.Depacketize(nil, frag(4, 1024, true, 1, 9))
		require.NoError(t, err)
		require.Equal(t, []AU{{1024, []byte{9}}}, got)
	})
	t.Run("new timestamp mid AU", func(t *testing.T) {
		var d Depacketizer
		_, err := d.Depacketize(nil, frag(1, 0, false, 3, 1, 2))
		require.NoError(t, err)
		got, err := d.Depacketize(nil, pkt(2, 1024, true, 0x00, 0x10, 0x00, 0x08, 9))
		require.NoError(t, err)
		require.Equal(t, []AU{{1024, []byte{9}}}, got)
		require.Equal(t, uint64(1), d.DroppedAUs)
	})
	t.Run("AU over MaxAUSize", func(t *testing.T) {
		d := Depacketizer{MaxAUSize: 4}
		_, err := d.Depacketize(nil, frag(1, 0, false, 5, 1, 2))
		require.ErrorIs(t, err, ErrMalformed)
		got, err := d.Depacketize(nil, frag(2, 0, true, 5, 3, 4, 5))
		require.NoError(t, err)
		require.Empty(t, got)
		require.Equal(t, uint64(1), d.DroppedAUs)
		_, err = d.Depacketize(nil, pkt(3, 0, true, 0x00, 0x10, 0x00, 0x28, 1, 2, 3, 4, 5))
		require.ErrorIs(t, err, ErrMalformed)
	})
}

func TestDepacketizeSequence(t *testing.T) {
	one := func(seq uint16) *rtp.Packet { return pkt(seq, 0, true, 0x00, 0x10, 0x00, 0x08, 1) }
	var d Depacketizer
	_, err := d.Depacketize(nil, one(100))
	require.NoError(t, err)
	_, err = d.Depacketize(nil, one(100))
	require.ErrorIs(t, err, ErrLatePacket)
	_, err = d.Depacketize(nil, one(99))
	require.ErrorIs(t, err, ErrLatePacket)
	require.Equal(t, uint64(2), d.LatePackets)
	_, err = d.Depacketize(nil, one(103))
	require.NoError(t, err)
	require.Equal(t, uint64(2), d.LostPackets)
	// A jump far back is a restarted sequence, not a late packet.
	_, err = d.Depacketize(nil, one(60000))
	require.NoError(t, err)
	_, err = d.Depacketize(nil, one(60001))
	require.NoError(t, err)
	require.Equal(t, uint64(2), d.LostPackets)
	// Reset forgets the sequence.
	d.Reset()
	_, err = d.Depacketize(nil, one(7))
	require.NoError(t, err)
}
