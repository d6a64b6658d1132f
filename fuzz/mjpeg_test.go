package fuzz

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"os"
	"testing"

	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// mjpegSample returns frame i of a JPEG sample file.
func mjpegSample(f *testing.F, path string, i int) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	frames, err := mjpeg.SplitFrames(nil, data)
	if err != nil || len(frames) <= i {
		f.Fatalf("%s: %d frames, %v", path, len(frames), err)
	}
	return frames[i]
}

// FuzzMJPEGParse parses JPEG frames for RFC 2435. A frame that ParseJPEG
// accepts is packetized, sent through the wire format and depacketized;
// the JPEG rebuilt must parse to the same fields, tables and scan data. A
// frame it refuses goes to Conform, whose output, when there is one, must
// be accepted by ParseJPEG and, when the standard library decodes both,
// decode to the same YCbCr pixels. The property holds for every input, not
// only well-formed ones: scan data that decoders may read in different ways
// (symbols T.81 leaves undefined, restart markers out of sequence) must be
// refused by Conform, not re-coded under one reading of it
// (FuzzMJPEGParse_0115323d57d4d06d and FuzzMJPEGParse_b2ad795e4e71b281 hold
// AC symbols 0x80 and 0x20, which Go's decoder reads as EOB runs).
func FuzzMJPEGParse(f *testing.F) {
	f.Add(mjpegSample(f, "../mjpeg/testdata/tiny_420_32x16.jpg", 0))
	f.Add(mjpegSample(f, "../mjpeg/testdata/restart_420_160x120.mjpeg", 0))
	f.Add(mjpegSample(f, "../mjpeg/testdata/restart_422_160x120.jpg", 0))
	f.Add(mjpegSample(f, "../testdata/mjpeg_optimal_huffman.mjpeg", 1))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xD9})
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := mjpeg.ParseJPEG(data)
		if err != nil {
			out, err := mjpeg.Conform(data)
			if err != nil {
				return
			}
			if _, err := mjpeg.ParseJPEG(out); err != nil {
				t.Fatalf("Conform output refused: %v", err)
			}
			a, errA := jpeg.Decode(bytes.NewReader(data))
			b, errB := jpeg.Decode(bytes.NewReader(out))
			if errA == nil && errB == nil {
				// An original decoded as RGB would come out YCbCr:
				// other colours, so that fails too.
				ya, okA := a.(*image.YCbCr)
				yb, okB := b.(*image.YCbCr)
				if !okA || !okB {
					t.Fatalf("decoded %T, conformed %T", a, b)
				}
				requireSameYCbCr(t, ya, yb)
			}
			return
		}
		for _, size := range []int{300, 1400} {
			var b rtp.Batch
			s := rtp.Stream{PayloadType: 26, Seq: 0xFFF0}
			if err := (&mjpeg.Packetizer{MaxPacketSize: size}).Packetize(&b, &s, 1, data); err != nil {
				t.Fatalf("Packetize(%d): %v", size, err)
			}
			var d mjpeg.Depacketizer
			var out []byte
			for i := range b.Len() {
				if b.Size(i) > size {
					t.Fatalf("packet %d has %d bytes, max %d", i, b.Size(i), size)
				}
				var p rtp.Packet
				if err := p.Unmarshal(b.AppendPacket(nil, i)); err != nil {
					t.Fatal(err)
				}
				o, err := d.Depacketize(&p)
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if (o != nil) != (i == b.Len()-1) {
					t.Fatalf("packet %d of %d returned a frame: %v", i, b.Len(), o != nil)
				}
				out = o
			}
			got, err := mjpeg.ParseJPEG(out)
			if err != nil {
				t.Fatalf("rebuilt JPEG refused: %v", err)
			}
			if got.Width != want.Width || got.Height != want.Height || got.Type != want.Type ||
				got.RestartInterval != want.RestartInterval || got.Precision != want.Precision ||
				!bytes.Equal(got.QuantTables[0], want.QuantTables[0]) ||
				!bytes.Equal(got.QuantTables[1], want.QuantTables[1]) ||
				!bytes.Equal(got.Scan, want.Scan) {
				t.Fatalf("rebuilt %+v, want %+v", got, want)
			}
		}
	})
}

// requireSameYCbCr fails unless two pictures have the same size and the
// same samples.
func requireSameYCbCr(t *testing.T, a, b *image.YCbCr) {
	if a.Rect != b.Rect || a.SubsampleRatio != b.SubsampleRatio {
		t.Fatalf("decoded %v %v, conformed %v %v", a.Rect, a.SubsampleRatio, b.Rect, b.SubsampleRatio)
	}
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			if a.YCbCrAt(x, y) != b.YCbCrAt(x, y) {
				t.Fatalf("pixel (%d,%d): %v, conformed %v", x, y, a.YCbCrAt(x, y), b.YCbCrAt(x, y))
			}
		}
	}
}

// mjpegPackets encodes packets for FuzzMJPEGDepacketizer: per packet, a
// flags byte (bit 0 marker, bit 1 skip a sequence number, bit 2 new
// timestamp), a 2-byte length and the payload.
func mjpegPackets(f *testing.F, frame []byte, maxSize int) []byte {
	var b rtp.Batch
	var s rtp.Stream
	if err := (&mjpeg.Packetizer{MaxPacketSize: maxSize}).Packetize(&b, &s, 0, frame); err != nil {
		f.Fatal(err)
	}
	var out []byte
	for i := range b.Len() {
		var p rtp.Packet
		if err := p.Unmarshal(b.AppendPacket(nil, i)); err != nil {
			f.Fatal(err)
		}
		flags := byte(0)
		if p.Marker {
			flags |= 1
		}
		if i == 0 {
			flags |= 4
		}
		out = append(out, flags, byte(len(p.Payload)>>8), byte(len(p.Payload)))
		out = append(out, p.Payload...)
	}
	return out
}

// FuzzMJPEGDepacketizer feeds arbitrary RTP/JPEG payloads, with arbitrary
// marker bits, sequence gaps and timestamp changes, to a Depacketizer. It
// must never panic; a JPEG it returns starts with SOI and ends with EOI, and
// when its data holds no 0xFF byte ParseJPEG accepts it with the size and
// type of the packet headers.
func FuzzMJPEGDepacketizer(f *testing.F) {
	tiny := mjpegSample(f, "../mjpeg/testdata/tiny_420_32x16.jpg", 0)
	f.Add(mjpegPackets(f, tiny, 200))
	f.Add(mjpegPackets(f, tiny, 1400))
	f.Add(mjpegPackets(f, mjpegSample(f, "../mjpeg/testdata/restart_420_160x120.mjpeg", 1), 600))
	// Single-packet frames: Q 50 (tables made by the receiver), Q 200 with
	// tables, Q 200 without (cached), restart markers, 16-bit tables.
	tables := make([]byte, 256)
	for i := range tables {
		tables[i] = byte(i + 1)
	}
	var seed []byte
	for _, h := range []mjpeg.Header{
		{Type: 1, Q: 50, Width: 16, Height: 16},
		{Type: 0, Q: 200, Width: 64, Height: 8, HasQuantTables: true, QuantTables: tables[:128]},
		{Type: 0, Q: 200, Width: 64, Height: 8, HasQuantTables: true},
		{Type: 65, Q: 200, Width: 16, Height: 16, RestartInterval: 1, RestartFirst: true, RestartLast: true, RestartCount: 0x3FFF, HasQuantTables: true},
		{Type: 1, Q: 255, Width: 16, Height: 16, HasQuantTables: true, Precision: 3, QuantTables: tables},
	} {
		payload := append(h.AppendTo(nil), 0x12, 0x34, 0x56, 0x78)
		seed = append(seed, 5, byte(len(payload)>>8), byte(len(payload)))
		seed = append(seed, payload...)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		d := mjpeg.Depacketizer{MaxFrameSize: 1 << 16}
		var seq uint16
		var ts uint32
		frames := 0
		for len(data) >= 3 {
			flags := data[0]
			n := min(int(binary.BigEndian.Uint16(data[1:])), len(data)-3)
			payload := data[3 : 3+n]
			data = data[3+n:]
			seq++
			if flags&2 != 0 {
				seq++
			}
			if flags&4 != 0 {
				ts += 3000
			}
			p := rtp.Packet{
				Header:  rtp.Header{Marker: flags&1 != 0, SequenceNumber: seq, Timestamp: ts, SSRC: 7},
				Payload: payload,
			}
			out, err := d.Depacketize(&p)
			if err != nil || out == nil {
				continue
			}
			frames++
			if !bytes.HasPrefix(out, []byte{0xFF, 0xD8}) || !bytes.HasSuffix(out, []byte{0xFF, 0xD9}) {
				t.Fatalf("frame without SOI or EOI: % x", out)
			}
			var h mjpeg.Header
			hn, err := h.Unmarshal(payload)
			if err != nil {
				t.Fatalf("the last packet of a frame does not parse: %v", err)
			}
			scan := payload[hn:]
			if h.FragmentOffset != 0 || len(scan) == 0 || bytes.IndexByte(scan, 0xFF) >= 0 {
				continue
			}
			// A frame of one packet whose data has no marker byte.
			f, err := mjpeg.ParseJPEG(out)
			if err != nil {
				t.Fatalf("rebuilt JPEG refused: %v", err)
			}
			if f.Width != h.Width || f.Height != h.Height || f.Type != h.Type || !bytes.Equal(f.Scan, scan) {
				t.Fatalf("rebuilt %dx%d type %d, header %dx%d type %d", f.Width, f.Height, f.Type, h.Width, h.Height, h.Type)
			}
		}
		if st := d.Stats(); st.Frames != uint64(frames) || st.PacketsInvalid > st.PacketsDropped {
			t.Fatalf("stats %+v, %d frames", st, frames)
		}
	})
}
