package mjpeg

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtp"
)

// roundTrip packetizes frame, checks every packet on the wire, feeds the
// packets to a Depacketizer and returns the JPEG it rebuilt.
func roundTrip(t *testing.T, frame []byte, maxSize int) []byte {
	t.Helper()
	f, err := ParseJPEG(frame)
	require.NoError(t, err)
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 26, SSRC: 0xCAFEBABE, Seq: 65530}
	p := Packetizer{MaxPacketSize: maxSize}
	require.NoError(t, p.Packetize(&b, &s, 123456, frame))
	require.Equal(t, uint16(65530+b.Len()), s.Seq)

	tables := append(bytes.Clone(f.QuantTables[0]), f.QuantTables[1]...)
	wire := marshalBatch(&b)
	var d Depacketizer
	var out []byte
	next := 0
	for i, w := range wire {
		last := i == len(wire)-1
		require.LessOrEqual(t, len(w), maxSize)
		if !last {
			require.Len(t, w, maxSize, "packets before the last are full")
		}
		var pkt rtp.Packet
		require.NoError(t, pkt.Unmarshal(w))
		require.Equal(t, last, pkt.Marker, "marker only on the last packet")
		require.Equal(t, uint16(65530+i), pkt.SequenceNumber)
		require.Equal(t, uint32(123456), pkt.Timestamp)
		require.Equal(t, uint32(0xCAFEBABE), pkt.SSRC)
		require.Equal(t, uint8(26), pkt.PayloadType)

		var h Header
		n, err := h.Unmarshal(pkt.Payload)
		require.NoError(t, err)
		require.Equal(t, uint8(0), h.TypeSpecific)
		require.Equal(t, f.Type, h.Type)
		require.Equal(t, uint8(QDynamic), h.Q)
		require.Equal(t, f.Width, h.Width)
		require.Equal(t, f.Height, h.Height)
		require.Equal(t, uint32(next), h.FragmentOffset, "fragment offsets are contiguous")
		if f.Type&TypeRestart != 0 {
			require.Equal(t, f.RestartInterval, h.RestartInterval)
			require.True(t, h.RestartFirst)
			require.True(t, h.RestartLast)
			require.Equal(t, uint16(0x3FFF), h.RestartCount)
		}
		require.Equal(t, i == 0, h.HasQuantTables, "tables only in the first packet")
		if i == 0 {
			require.Equal(t, f.Precision, h.Precision)
			require.Equal(t, tables, h.QuantTables)
		}
		data := pkt.Payload[n:]
		require.NotEmpty(t, data)
		require.Equal(t, f.Scan[next:next+len(data)], data)
		next += len(data)

		got, err := d.Depacketize(&pkt)
		require.NoError(t, err)
		if !last {
			require.Nil(t, got)
			continue
		}
		require.NotNil(t, got)
		out = bytes.Clone(got)
	}
	require.Equal(t, len(f.Scan), next)
	require.Equal(t, DepacketizerStats{Packets: uint64(len(wire)), Frames: 1}, d.Stats())

	// The rebuilt JPEG carries the same picture: same fields, tables and
	// scan data; only the headers are new.
	g, err := ParseJPEG(out)
	require.NoError(t, err)
	require.Equal(t, f.Width, g.Width)
	require.Equal(t, f.Height, g.Height)
	require.Equal(t, f.Type, g.Type)
	require.Equal(t, f.RestartInterval, g.RestartInterval)
	require.Equal(t, f.Precision, g.Precision)
	require.Equal(t, f.QuantTables, g.QuantTables)
	require.Equal(t, f.Scan, g.Scan)
	return out
}

func TestPacketizeRoundTrip(t *testing.T) {
	conform := func(frames [][]byte) [][]byte {
		out := make([][]byte, len(frames))
		for i, f := range frames {
			c, err := Conform(f)
			require.NoError(t, err)
			out[i] = c
		}
		return out
	}
	wide := func(frames [][]byte) [][]byte {
		out := make([][]byte, len(frames))
		for i, f := range frames {
			out[i] = editSegments(t, f, func(s []segment) []segment {
				k := find(s, markerDQT)
				s[k].body = widenDQT(s[k].body)
				return s
			})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		frames [][]byte
	}{
		{"4:2:0 (type 1)", readFrames(t, file420)},
		{"4:2:2 conformed (type 0)", conform(readFrames(t, file422))},
		{"optimal Huffman conformed", conform(readFrames(t, fileOptimal))},
		{"4:2:0 restart markers (type 65)", readFrames(t, fileRst420)},
		{"4:2:2 restart markers conformed", conform(readFrames(t, fileRst422))},
		{"16-bit quantization tables", wide(readFrames(t, file420)[:2])},
		{"tiny", readFrames(t, fileTiny)},
	} {
		for _, size := range []int{1400, 300} {
			t.Run(tc.name, func(t *testing.T) {
				for _, frame := range tc.frames {
					out := roundTrip(t, frame, size)
					requireSamePixels(t, frame, out)
				}
			})
		}
	}
}

// The 4:2:2 frames of FFmpeg decode to the same pixels after Conform,
// packetization and depacketization as the original file.
func TestPacketize422AgainstOriginal(t *testing.T) {
	for _, frame := range readFrames(t, file422) {
		c, err := Conform(frame)
		require.NoError(t, err)
		out := roundTrip(t, c, 1400)
		requireSamePixels(t, frame, out)
		f, err := ParseJPEG(out)
		require.NoError(t, err)
		require.Equal(t, uint8(Type422), f.Type)
	}
}

func TestPacketizeErrors(t *testing.T) {
	frame := readFrames(t, file420)[0]
	optimal := readFrames(t, fileOptimal)[0]
	good, err := ParseJPEG(frame)
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		p     Packetizer
		frame []byte
		f     *Frame
		err   error
	}{
		{name: "too small for the tables", p: Packetizer{MaxPacketSize: 12 + 8 + 4 + 128}, frame: frame, err: ErrMaxPacketSize},
		{name: "too large", p: Packetizer{MaxPacketSize: 70000}, frame: frame, err: ErrMaxPacketSize},
		{name: "optimal Huffman", frame: optimal, err: ErrNonStandardHuffman},
		{name: "not JPEG", frame: []byte("x"), err: ErrNotJPEG},
		{name: "bad width", f: &Frame{Width: 12, Height: 8, QuantTables: good.QuantTables, Scan: good.Scan}, err: ErrSize},
		{name: "bad type", f: &Frame{Width: 8, Height: 8, Type: 2, QuantTables: good.QuantTables, Scan: good.Scan}, err: ErrUnsupportedSampling},
		{name: "restart type without interval", f: &Frame{Width: 8, Height: 8, Type: 65, QuantTables: good.QuantTables, Scan: good.Scan}, err: ErrInvalid},
		{name: "interval without restart type", f: &Frame{Width: 8, Height: 8, Type: 1, RestartInterval: 4, QuantTables: good.QuantTables, Scan: good.Scan}, err: ErrInvalid},
		{name: "table size", f: &Frame{Width: 8, Height: 8, Precision: 1, QuantTables: good.QuantTables, Scan: good.Scan}, err: ErrQuantTables},
		{name: "empty scan", f: &Frame{Width: 8, Height: 8, QuantTables: good.QuantTables}, err: ErrInvalid},
		{name: "scan too large", f: &Frame{Width: 8, Height: 8, QuantTables: good.QuantTables, Scan: make([]byte, 1<<24)}, err: ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b rtp.Batch
			s := rtp.Stream{Seq: 7}
			if tc.f != nil {
				err = tc.p.PacketizeFrame(&b, &s, 0, tc.f)
			} else {
				err = tc.p.Packetize(&b, &s, 0, tc.frame)
			}
			require.ErrorIs(t, err, tc.err)
			require.Zero(t, b.Len(), "nothing appended")
			require.Equal(t, uint16(7), s.Seq, "sequence unchanged")
		})
	}
}

func TestPacketizeSmallestPacket(t *testing.T) {
	frame := readFrames(t, fileTiny)[0]
	f, err := ParseJPEG(frame)
	require.NoError(t, err)
	min := 12 + 8 + 4 + 128 + 1
	var b rtp.Batch
	var s rtp.Stream
	require.NoError(t, (&Packetizer{MaxPacketSize: min}).Packetize(&b, &s, 0, frame))
	require.Equal(t, 1, len(b.Body(0)), "first packet carries one byte of data")
	require.Equal(t, 1+(len(f.Scan)-1+min-20-1)/(min-20), b.Len())
	// The default size is rtp.DefaultMaxPacketSize.
	b.Reset()
	require.NoError(t, (&Packetizer{}).Packetize(&b, &s, 0, readFrames(t, file420)[0]))
	require.Equal(t, rtp.DefaultMaxPacketSize, b.Size(0))
}

func TestPacketizeAllocations(t *testing.T) {
	frame := readFrames(t, file420)[0]
	var p Packetizer
	var b rtp.Batch
	var s rtp.Stream
	require.NoError(t, p.Packetize(&b, &s, 0, frame))
	allocs := testing.AllocsPerRun(20, func() {
		b.Reset()
		if err := p.Packetize(&b, &s, 0, frame); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}
