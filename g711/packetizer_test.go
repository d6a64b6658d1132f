package g711

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// sent is what a packetizer emitted, flattened from its batches.
type sent struct {
	ts     []uint32
	seq    []uint16
	marker []bool
	sizes  []int
	data   []byte
}

func (o *sent) add(b *rtp.Batch) {
	for i := range b.Len() {
		o.ts = append(o.ts, b.Timestamp(i))
		o.seq = append(o.seq, b.SequenceNumber(i))
		o.marker = append(o.marker, b.Marker(i))
		o.sizes = append(o.sizes, b.Size(i)-rtp.HeaderSize)
		o.data = append(o.data, b.AppendPacket(nil, i)[rtp.HeaderSize:]...)
	}
}

// feed packetizes data in chunks of the given size, with contiguous
// timestamps starting at ts0, then flushes.
func feed(t *testing.T, p *Packetizer, data []byte, chunk int, ts0 uint32) *sent {
	t.Helper()
	var b rtp.Batch
	s := rtp.Stream{PayloadType: PayloadTypePCMU, Seq: 65530}
	out := &sent{}
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		b.Reset()
		require.NoError(t, p.Packetize(&b, &s, ts0+uint32(off), data[off:end]))
		out.add(&b)
		require.Less(t, p.Pending(), 160)
	}
	b.Reset()
	p.Flush(&b, &s)
	out.add(&b)
	return out
}

func TestPacketizeFilesInChunks(t *testing.T) {
	for _, name := range []string{"g711_ulaw_8k.ulaw", "g711_alaw_8k.alaw"} {
		data, err := os.ReadFile("../testdata/" + name)
		require.NoError(t, err)
		data = data[:len(data)-7] // make the end not a whole packet
		for _, chunk := range []int{1, 37, 160, 333, 4000, len(data)} {
			var p Packetizer
			const ts0 = 0xFFFFFF00 // wraps
			out := feed(t, &p, data, chunk, ts0)
			require.True(t, bytes.Equal(data, out.data), "%s chunk %d", name, chunk)
			n := len(out.sizes)
			require.Equal(t, (len(data)+159)/160, n)
			for i := range n {
				require.Equal(t, ts0+uint32(160*i), out.ts[i], "%s chunk %d packet %d", name, chunk, i)
				require.Equal(t, uint16(65530+i), out.seq[i])
				require.Equal(t, i == 0, out.marker[i], "marker only on the first packet")
				if i < n-1 {
					require.Equal(t, 160, out.sizes[i])
				}
			}
			require.Equal(t, (len(data)-1)%160+1, out.sizes[n-1])
		}
	}
}

func TestPacketizeNoCopyForWholePackets(t *testing.T) {
	var p Packetizer
	var b rtp.Batch
	var s rtp.Stream
	chunk := bytes.Repeat([]byte{0xFF}, 500)
	require.NoError(t, p.Packetize(&b, &s, 0, chunk))
	require.Equal(t, 3, b.Len())
	require.Same(t, &chunk[160], &b.Body(1)[0])
	require.Equal(t, 20, p.Pending())
	// The next packet starts with the 20 kept samples in its head.
	b.Reset()
	next := bytes.Repeat([]byte{0x7F}, 140)
	require.NoError(t, p.Packetize(&b, &s, 500, next))
	require.Equal(t, 1, b.Len())
	require.Equal(t, uint32(480), b.Timestamp(0))
	require.Len(t, b.Head(0), rtp.HeaderSize+20)
	require.Same(t, &next[0], &b.Body(0)[0])
	require.Zero(t, p.Pending())
}

func TestPacketizeDiscontinuity(t *testing.T) {
	p := Packetizer{PacketDuration: 10 * time.Millisecond} // 80 samples
	var b rtp.Batch
	var s rtp.Stream
	out := &sent{}
	step := func(ts uint32, n int, fill byte) {
		b.Reset()
		require.NoError(t, p.Packetize(&b, &s, ts, bytes.Repeat([]byte{fill}, n)))
		out.add(&b)
	}
	step(1000, 100, 1) // one packet, 20 kept
	step(1100, 50, 2)  // contiguous: 70 kept
	step(5000, 90, 3)  // a gap: the 70 go out short, then a new talkspurt
	step(5090, 70, 4)  // contiguous
	step(4000, 10, 5)  // a jump back is a discontinuity too
	b.Reset()
	p.Flush(&b, &s)
	out.add(&b)

	require.Equal(t, []uint32{1000, 1080, 5000, 5080, 4000}, out.ts)
	require.Equal(t, []int{80, 70, 80, 80, 10}, out.sizes)
	require.Equal(t, []bool{true, false, true, false, true}, out.marker)
	// Every byte exactly once, in order.
	var want []byte
	for _, c := range []struct {
		n int
		b byte
	}{{100, 1}, {50, 2}, {90, 3}, {70, 4}, {10, 5}} {
		want = append(want, bytes.Repeat([]byte{c.b}, c.n)...)
	}
	require.Equal(t, want, out.data)
}

func TestPacketizeDurations(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		n    int
		fail bool
	}{
		{0, 160, false},
		{20 * time.Millisecond, 160, false},
		{30 * time.Millisecond, 240, false},
		{125 * time.Microsecond, 1, false},
		{100 * time.Microsecond, 0, true},
		{-time.Millisecond, 0, true},
		{173 * time.Millisecond, 1384, false},
		{174 * time.Millisecond, 0, true},
	} {
		p := Packetizer{PacketDuration: tc.d}
		n, err := p.PacketSamples()
		if tc.fail {
			require.ErrorIs(t, err, ErrPacketDuration, "%v", tc.d)
			var b rtp.Batch
			var s rtp.Stream
			require.ErrorIs(t, p.Packetize(&b, &s, 0, []byte{1}), ErrPacketDuration)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.n, n, "%v", tc.d)
	}
}

func TestPacketizeDurationShrinks(t *testing.T) {
	var p Packetizer
	var b rtp.Batch
	var s rtp.Stream
	require.NoError(t, p.Packetize(&b, &s, 0, make([]byte, 150)))
	require.Equal(t, 150, p.Pending())
	p.PacketDuration = 10 * time.Millisecond
	b.Reset()
	require.NoError(t, p.Packetize(&b, &s, 150, make([]byte, 100)))
	// The 150 kept go out as they are, then 80 + 20 kept.
	require.Equal(t, 2, b.Len())
	require.Equal(t, 12+150, b.Size(0))
	require.Equal(t, uint32(150), b.Timestamp(1))
	require.Equal(t, 20, p.Pending())
}

func TestDepacketize(t *testing.T) {
	mk := func(ts uint32, n int) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Timestamp: ts}, Payload: bytes.Repeat([]byte{byte(ts)}, n)}
	}
	var d Depacketizer
	s, miss, err := d.Depacketize(mk(1000, 160))
	require.NoError(t, err)
	require.Len(t, s, 160)
	require.Zero(t, miss)

	_, miss, err = d.Depacketize(mk(1160, 160))
	require.NoError(t, err)
	require.Zero(t, miss)

	_, miss, err = d.Depacketize(mk(1640, 160)) // two packets lost
	require.NoError(t, err)
	require.Equal(t, uint32(320), miss)
	require.Equal(t, uint64(320), d.MissingSamples)

	_, _, err = d.Depacketize(mk(1160, 160)) // late
	require.ErrorIs(t, err, ErrLatePacket)
	require.Equal(t, uint64(1), d.LatePackets)

	s, miss, err = d.Depacketize(mk(1700, 160)) // overlaps 100 samples
	require.NoError(t, err)
	require.Len(t, s, 60)
	require.Zero(t, miss)

	back := uint32(1<<32 - 18140) // 20000 samples before 1860: a restart
	_, miss, err = d.Depacketize(mk(back, 160))
	require.NoError(t, err)
	require.Zero(t, miss)
	_, miss, err = d.Depacketize(mk(back+160, 160))
	require.NoError(t, err)
	require.Zero(t, miss)
}
