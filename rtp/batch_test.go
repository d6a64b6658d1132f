package rtp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBatchMatchesPacketMarshal(t *testing.T) {
	media := bytes.Repeat([]byte{0x5a}, 3000)
	s := &Stream{PayloadType: 96, SSRC: 0x11223344, Seq: 65534}
	var b Batch
	// Three packets: FU-A-like heads with a body each, the last marked.
	for i := range 3 {
		b.Begin(s, 90000)
		b.AppendHead(0x7c, byte(0x05|(i<<6)))
		b.SetBody(media[i*1000 : (i+1)*1000])
	}
	b.SetMarker(2)
	require.Equal(t, 3, b.Len())
	require.Equal(t, uint16(1), s.Seq, "sequence numbers wrap")
	require.Equal(t, []uint16{65534, 65535, 0}, []uint16{b.SequenceNumber(0), b.SequenceNumber(1), b.SequenceNumber(2)})
	require.Equal(t, 3*(12+2+1000), b.TotalSize())

	for i := range 3 {
		want := Packet{
			Header: Header{
				Marker: i == 2, PayloadType: 96, SequenceNumber: uint16(65534 + i),
				Timestamp: 90000, SSRC: 0x11223344,
			},
			Payload: append([]byte{0x7c, byte(0x05 | (i << 6))}, media[i*1000:(i+1)*1000]...),
		}
		wire, err := want.Marshal()
		require.NoError(t, err)
		require.Equal(t, wire, b.AppendPacket(nil, i))
		require.Equal(t, wire, append(append([]byte(nil), b.Head(i)...), b.Body(i)...))
		require.Equal(t, len(wire), b.Size(i))
		require.Equal(t, i == 2, b.Marker(i))
		require.Equal(t, uint32(90000), b.Timestamp(i))
		var p Packet
		require.NoError(t, b.Packet(i, &p))
		require.Equal(t, want.Payload, p.Payload)
	}
	pkts, err := b.Packets()
	require.NoError(t, err)
	require.Len(t, pkts, 3)
	require.True(t, pkts[2].Marker)

	var w bytes.Buffer
	n, err := b.WriteTo(&w)
	require.NoError(t, err)
	require.Equal(t, int64(b.TotalSize()), n)
	require.Equal(t, w.Len(), b.TotalSize())

	// AppendRaw moves a packet to another batch unchanged.
	var one Batch
	one.AppendRaw(b.Head(1), b.Body(1))
	require.Equal(t, 1, one.Len())
	require.Equal(t, b.AppendPacket(nil, 1), one.AppendPacket(nil, 0))
	require.Equal(t, uint16(65535), one.SequenceNumber(0))
}

func TestBatchHeadSpace(t *testing.T) {
	s := &Stream{PayloadType: 97, SSRC: 1}
	var b Batch
	b.Begin(s, 0)
	// An AU-headers-length field reserved first and filled after the AU
	// headers: patch through Head, which survives arena growth.
	hs := b.HeadSpace(2)
	require.Equal(t, []byte{0, 0}, hs)
	b.AppendHead(bytes.Repeat([]byte{0xab}, 4096)...)
	head := b.Head(0)
	head[12], head[13] = 0x00, 0x10
	b.SetBody([]byte{9})
	p := Packet{}
	require.NoError(t, b.Packet(0, &p))
	require.Equal(t, []byte{0x00, 0x10, 0xab}, p.Payload[:3])
	require.Equal(t, 2+4096+1, len(p.Payload))

	// HeadSpace returns zeroed bytes even when the arena is reused.
	b.Reset()
	b.Begin(s, 0)
	b.AppendHead(0xff, 0xff, 0xff, 0xff)
	b.Reset()
	b.Begin(s, 0)
	require.Equal(t, []byte{0, 0, 0, 0}, b.HeadSpace(4))
	require.Equal(t, 0, len(b.Body(0)))
	require.Equal(t, 16, b.Size(0))
}

func TestBatchHeadIsClipped(t *testing.T) {
	s := &Stream{PayloadType: 96}
	var b Batch
	b.Begin(s, 0)
	b.Begin(s, 0)
	h := b.Head(0)
	require.Equal(t, len(h), cap(h))
	_ = append(h, 0xee) // must not overwrite packet 1's header
	require.Equal(t, byte(0x80), b.Head(1)[0])
}

func TestBatchResetReusesMemory(t *testing.T) {
	media := make([]byte, 20000)
	s := &Stream{PayloadType: 96, SSRC: 5}
	var b Batch
	fill := func() {
		b.Reset()
		for off := 0; off < len(media); off += 1386 {
			b.Begin(s, 1234)
			b.AppendHead(0x7c, 0x85)
			sp := b.HeadSpace(0)
			_ = sp
			b.SetBody(media[off:min(off+1386, len(media))])
		}
		b.SetMarker(b.Len() - 1)
	}
	fill()
	allocs := testing.AllocsPerRun(100, fill)
	require.Zero(t, allocs)
	require.Equal(t, 15, b.Len())
	require.True(t, b.Marker(14))
	require.False(t, b.Marker(13))
}
