package mjpeg

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtp"
)

// packetsOf packetizes frame into parsed packets with sequence numbers from
// seq and timestamp ts.
func packetsOf(t testing.TB, frame []byte, maxSize int, seq uint16, ts uint32) []*rtp.Packet {
	t.Helper()
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 26, SSRC: 0x1234, Seq: seq}
	require.NoError(t, (&Packetizer{MaxPacketSize: maxSize}).Packetize(&b, &s, ts, frame))
	pkts, err := b.Packets()
	require.NoError(t, err)
	return pkts
}

// feed gives packets to d and returns copies of the frames it returned.
func feed(t testing.TB, d *Depacketizer, pkts []*rtp.Packet) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range pkts {
		f, err := d.Depacketize(p)
		require.NoError(t, err)
		if f != nil {
			out = append(out, bytes.Clone(f))
		}
	}
	return out
}

func without(pkts []*rtp.Packet, i int) []*rtp.Packet {
	return append(append([]*rtp.Packet{}, pkts[:i]...), pkts[i+1:]...)
}

func TestDepacketizeLoss(t *testing.T) {
	frames := readFrames(t, file420)
	a := packetsOf(t, frames[0], 300, 100, 1000)
	n := len(a)
	require.Greater(t, n, 10)
	// Frame b follows a in sequence; it is rebuilt alone to compare.
	b := packetsOf(t, frames[1], 300, uint16(100+n), 4000)
	var ref Depacketizer
	wantB := feed(t, &ref, b)
	require.Len(t, wantB, 1)

	swapped := append([]*rtp.Packet{}, a...)
	swapped[3], swapped[4] = swapped[4], swapped[3]
	dup := append(append(append([]*rtp.Packet{}, a[:5]...), a[4]), a[5:]...)

	// Splice: the first half of frame a, then the second half of a frame
	// c with the same packet sizes and contiguous sequence numbers and
	// fragment offsets, but another timestamp.
	c := packetsOf(t, frames[2], 300, 100, 7000)
	splice := append(append([]*rtp.Packet{}, a[:n/2]...), c[n/2:]...)

	for _, tc := range []struct {
		name   string
		pkts   []*rtp.Packet
		frames int
		stats  DepacketizerStats
	}{
		{"no loss", a, 1, DepacketizerStats{Frames: 1}},
		{"middle packet lost", without(a, 5), 0, DepacketizerStats{PacketsLost: 1, FramesDropped: 1, PacketsDropped: uint64(n - 6)}},
		{"first packet lost", a[1:], 0, DepacketizerStats{PacketsDropped: uint64(n - 1)}},
		{"last packet lost", a[:n-1], 0, DepacketizerStats{}},
		{"reordered", swapped, 0, DepacketizerStats{PacketsLost: 1, FramesDropped: 1, PacketsDropped: uint64(n - 3)}},
		{"duplicate", dup, 1, DepacketizerStats{Frames: 1, PacketsDropped: 1}},
		{"spliced frames", splice, 0, DepacketizerStats{FramesDropped: 1, PacketsDropped: uint64(len(c) - n/2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Depacketizer
			got := feed(t, &d, tc.pkts)
			require.Len(t, got, tc.frames)
			tc.stats.Packets = uint64(len(tc.pkts))
			require.Equal(t, tc.stats, d.Stats())
			// The next frame is rebuilt whole whatever happened before.
			next := feed(t, &d, b)
			require.Equal(t, wantB, next)
			if tc.name == "last packet lost" {
				require.Equal(t, uint64(1), d.Stats().FramesDropped, "dropped when the next frame starts")
			}
		})
	}
}

// A frame with Q 1-99 carries no tables: the receiver makes them with
// MakeTables. Go's encoder scales the Annex K tables the same way, so a
// frame it made at quality q is sent with Q = q and must decode to the same
// pixels. This checks the tables are in zig-zag order.
func TestDepacketizeQFactor(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(255 - y*5), uint8((x + y) * 3), 255})
		}
	}
	for _, q := range []int{20, 50, 80} {
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}))
		f, err := ParseJPEG(buf.Bytes())
		require.NoError(t, err)
		h := Header{Type: f.Type, Q: uint8(q), Width: f.Width, Height: f.Height}
		half := len(f.Scan) / 2
		var d Depacketizer
		_, err = d.Depacketize(packet(1, 0, false, h, f.Scan[:half]))
		require.NoError(t, err)
		h.FragmentOffset = uint32(half)
		out, err := d.Depacketize(packet(2, 0, true, h, f.Scan[half:]))
		require.NoError(t, err)
		requireSamePixels(t, buf.Bytes(), out)
	}
}

func TestDepacketizeQuantTableCache(t *testing.T) {
	frame := readFrames(t, file420)[0]
	f, err := ParseJPEG(frame)
	require.NoError(t, err)
	tables := append(bytes.Clone(f.QuantTables[0]), f.QuantTables[1]...)
	h := Header{Type: f.Type, Q: 200, Width: f.Width, Height: f.Height, HasQuantTables: true, QuantTables: tables}

	var d Depacketizer
	first, err := d.Depacketize(packet(1, 0, true, h, f.Scan))
	require.NoError(t, err)
	first = bytes.Clone(first)
	requireSamePixels(t, frame, first)

	// The next frame omits the tables (Length 0): the ones of Q 200 are
	// used again (§3.1.8).
	h.QuantTables = nil
	second, err := d.Depacketize(packet(2, 3000, true, h, f.Scan))
	require.NoError(t, err)
	require.Equal(t, first, second)

	// No tables were ever received for Q 201.
	h.Q = 201
	_, err = d.Depacketize(packet(3, 6000, true, h, f.Scan))
	require.ErrorIs(t, err, ErrNoQuantTables)

	// Q 255 tables are never cached, and Q 255 without tables is invalid.
	h.Q = 255
	_, err = d.Depacketize(packet(4, 9000, true, h, f.Scan))
	require.ErrorIs(t, err, ErrInvalidPayload)
	require.Equal(t, DepacketizerStats{Packets: 4, Frames: 2, FramesDropped: 1, PacketsDropped: 2, PacketsInvalid: 1}, d.Stats())
}

func TestDepacketizeInvalid(t *testing.T) {
	frame := readFrames(t, fileTiny)[0]
	f, err := ParseJPEG(frame)
	require.NoError(t, err)
	tables := append(bytes.Clone(f.QuantTables[0]), f.QuantTables[1]...)
	base := Header{Type: 1, Q: 255, Width: 32, Height: 16, HasQuantTables: true, QuantTables: tables}
	with := func(edit func(h *Header)) []byte {
		h := base
		edit(&h)
		return h.AppendTo(nil)
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		err     error
	}{
		// Every payload below is followed by 3 bytes of data.
		{"short", []byte{0, 0, 0, 0}, ErrInvalidPayload},
		{"type 2", with(func(h *Header) { h.Type = 2 }), ErrUnsupportedType},
		{"type 66", with(func(h *Header) { h.Type = 66; h.RestartInterval = 1 }), ErrUnsupportedType},
		{"type 128", with(func(h *Header) { h.Type = 128 }), ErrUnsupportedType},
		{"Q 0", with(func(h *Header) { h.Q = 0; h.HasQuantTables = false }), ErrInvalidPayload},
		{"Q 100", with(func(h *Header) { h.Q = 100; h.HasQuantTables = false }), ErrInvalidPayload},
		{"Q 127", with(func(h *Header) { h.Q = 127; h.HasQuantTables = false }), ErrInvalidPayload},
		{"width 0", with(func(h *Header) { h.Width = 0 }), ErrInvalidPayload},
		{"restart interval 0", with(func(h *Header) { h.Type = 65 }), ErrInvalidPayload},
		{"restart header cut off", []byte{0, 0, 0, 0, 65, 50, 4, 2}, ErrInvalidPayload},
		{"Q 255 without tables", with(func(h *Header) { h.QuantTables = nil }), ErrInvalidPayload},
		{"tables longer than payload", with(func(h *Header) { h.QuantTables = tables })[:8+4+100], ErrInvalidPayload},
		{"tables too short for their precision", with(func(h *Header) { h.Precision = 1 }), ErrInvalidPayload},
		{"table header cut off", []byte{0, 0, 0, 0, 1, 255, 4, 2}, ErrInvalidPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Depacketizer
			// A frame is under way: an invalid packet drops it.
			_, err := d.Depacketize(packet(1, 0, false, base, f.Scan[:10]))
			require.NoError(t, err)
			p := &rtp.Packet{Header: rtp.Header{SequenceNumber: 2, SSRC: 0x1234}, Payload: append(tc.payload, 1, 2, 3)}
			got, err := d.Depacketize(p)
			require.ErrorIs(t, err, tc.err)
			require.Nil(t, got)
			require.Equal(t, DepacketizerStats{Packets: 2, FramesDropped: 1, PacketsDropped: 1, PacketsInvalid: 1}, d.Stats())
		})
	}
}

func TestDepacketizeMaxFrameSize(t *testing.T) {
	frame := readFrames(t, file420)[0]
	pkts := packetsOf(t, frame, 1400, 0, 0)
	d := Depacketizer{MaxFrameSize: 3000}
	var err error
	for _, p := range pkts {
		if _, err = d.Depacketize(p); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, ErrFrameTooLarge)
	require.Equal(t, uint64(1), d.Stats().FramesDropped)
	// A frame that fits is rebuilt by the same depacketizer.
	d.MaxFrameSize = 0
	require.Len(t, feed(t, &d, packetsOf(t, frame, 1400, 100, 3000)), 1)
}

func TestDepacketizeSenderEOI(t *testing.T) {
	frame := readFrames(t, fileTiny)[0]
	f, err := ParseJPEG(frame)
	require.NoError(t, err)
	tables := append(bytes.Clone(f.QuantTables[0]), f.QuantTables[1]...)
	h := Header{Type: 1, Q: 255, Width: 32, Height: 16, HasQuantTables: true, QuantTables: tables}
	var d Depacketizer
	// Some senders keep the EOI at the end of the data: it is not doubled.
	out, err := d.Depacketize(packet(1, 0, true, h, append(bytes.Clone(f.Scan), 0xFF, 0xD9)))
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(out, append(f.Scan[len(f.Scan)-2:len(f.Scan):len(f.Scan)], 0xFF, 0xD9)))
	requireSamePixels(t, frame, out)
}

func TestDepacketizeFieldChange(t *testing.T) {
	frame := readFrames(t, file420)[0]
	pkts := packetsOf(t, frame, 1400, 0, 0)
	require.Greater(t, len(pkts), 2)
	// Rewrite the type-specific field of the second packet: it no longer
	// belongs to the frame.
	p := *pkts[1]
	p.Payload = append([]byte{1}, p.Payload[1:]...)
	var d Depacketizer
	got := feed(t, &d, append([]*rtp.Packet{pkts[0], &p}, pkts[2:]...))
	require.Empty(t, got)
	require.Equal(t, uint64(1), d.Stats().FramesDropped)
}

func TestDepacketizeReset(t *testing.T) {
	frame := readFrames(t, file420)[0]
	pkts := packetsOf(t, frame, 1400, 0, 0)
	var d Depacketizer
	feed(t, &d, pkts[:3])
	d.Reset()
	// After Reset the same packets are not taken for duplicates.
	require.Len(t, feed(t, &d, pkts), 1)
	require.Zero(t, d.Stats().FramesDropped)
}

func TestDepacketizeAllocations(t *testing.T) {
	frame := readFrames(t, file420)[0]
	pkts := packetsOf(t, frame, 1400, 0, 0)
	var d Depacketizer
	feed(t, &d, pkts)
	seq := uint16(len(pkts))
	allocs := testing.AllocsPerRun(20, func() {
		for _, p := range pkts {
			p.SequenceNumber = seq
			seq++
			if _, err := d.Depacketize(p); err != nil {
				t.Fatal(err)
			}
		}
	})
	require.Zero(t, allocs)
}

func TestDepacketizePacketsLost(t *testing.T) {
	var d Depacketizer
	// 0 is skipped across the wrap; 0 then arrives late and 1 twice; the
	// jump to 3002 is a restart of the numbering, not loss; 3003 is lost.
	for _, seq := range []uint16{65534, 65535, 1, 1, 0, 3002, 3004} {
		_, err := d.Depacketize(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: []byte{1}})
		require.ErrorIs(t, err, ErrInvalidPayload)
	}
	st := d.Stats()
	require.Equal(t, uint64(7), st.Packets)
	require.Equal(t, uint64(2), st.PacketsLost)
	require.Equal(t, uint64(7), st.PacketsInvalid)
}
