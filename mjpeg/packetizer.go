package mjpeg

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtp"
)

// Errors returned by the Packetizer.
var (
	// ErrMaxPacketSize means MaxPacketSize is too small for the first
	// packet of a frame (RTP header, JPEG headers, quantization tables and
	// one byte of data) or larger than 65535.
	ErrMaxPacketSize = errors.New("mjpeg: MaxPacketSize out of range")
	// ErrTooLarge means the scan data is longer than the 24-bit fragment
	// offset can address (RFC 2435 §3.1.2).
	ErrTooLarge = errors.New("mjpeg: JPEG scan data larger than 16 MiB")
)

// QDynamic is the Q value the Packetizer sends: the quantization tables
// travel in-band with every frame and may change from frame to frame
// (RFC 2435 §3.1.4, §3.1.8).
const QDynamic = 255

// Packetizer turns baseline JPEG frames into RTP packets as RFC 2435
// specifies. The zero value is ready to use; it keeps no state between
// calls, so one packetizer may serve many streams.
//
// Every packet starts with the main JPEG header (§3.1) with Q = 255, then
// for frames with restart markers the Restart Marker header with F and L set
// and Restart Count 0x3FFF: fragments are not aligned on restart intervals,
// so the receiver reassembles the whole frame (§3.1.7). The first packet
// also carries the Quantization Table header with the frame's two tables
// (§3.1.8). The scan data follows, split at fragment offsets that continue
// from packet to packet; the last packet of the frame has the marker bit.
type Packetizer struct {
	// MaxPacketSize is the largest RTP packet written, header included; 0
	// means rtp.DefaultMaxPacketSize. It must leave room in the first
	// packet for the RTP header (12 bytes), the JPEG headers (8, 12 with
	// restart markers), the quantization table header (4 and 128 to 256
	// bytes of tables) and one byte of data, and be at most 65535.
	MaxPacketSize int
}

// Packetize parses frame with ParseJPEG and appends to b the RTP packets
// that carry it, all with RTP timestamp ts, advancing s.Seq by one per
// packet. The packets' bodies reference frame's scan data without copying,
// so frame must stay unchanged while b is in use; once b has grown,
// Packetize allocates nothing.
//
// A frame that ParseJPEG refuses is refused with its error; Conform may
// rewrite it into one that RFC 2435 can carry. On error nothing has been
// appended and s is unchanged.
func (p *Packetizer) Packetize(b *rtp.Batch, s *rtp.Stream, ts uint32, frame []byte) error {
	f, err := ParseJPEG(frame)
	if err != nil {
		return err
	}
	return p.PacketizeFrame(b, s, ts, &f)
}

// PacketizeFrame is Packetize for a frame already parsed by ParseJPEG (or
// built by hand with the same meaning). The packets reference f.Scan.
func (p *Packetizer) PacketizeFrame(b *rtp.Batch, s *rtp.Stream, ts uint32, f *Frame) error {
	if err := f.validate(); err != nil {
		return err
	}
	if len(f.Scan) > maxFragmentOffset {
		return fmt.Errorf("%w: %d bytes", ErrTooLarge, len(f.Scan))
	}
	maxSize := p.MaxPacketSize
	if maxSize == 0 {
		maxSize = rtp.DefaultMaxPacketSize
	}
	var h [mainHeaderSize + restartHeaderSize]byte
	hdrSize := mainHeaderSize
	h[4] = f.Type
	h[5] = QDynamic
	h[6] = byte(f.Width / 8)
	h[7] = byte(f.Height / 8)
	if f.Type&TypeRestart != 0 {
		h[8] = byte(f.RestartInterval >> 8)
		h[9] = byte(f.RestartInterval)
		h[10] = 0xC0 | restartCountAll>>8 // F, L and the count's top bits
		h[11] = restartCountAll & 0xFF
		hdrSize += restartHeaderSize
	}
	tablesLen := len(f.QuantTables[0]) + len(f.QuantTables[1])
	room := maxSize - rtp.HeaderSize - hdrSize
	firstRoom := room - quantHeaderSize - tablesLen
	if firstRoom < 1 || maxSize > 0xFFFF {
		minSize := rtp.HeaderSize + hdrSize + quantHeaderSize + tablesLen + 1
		return fmt.Errorf("%w: %d (want %d to 65535)", ErrMaxPacketSize, maxSize, minSize)
	}

	scan := f.Scan
	for off := 0; ; {
		n := room
		if off == 0 {
			n = firstRoom
		}
		n = min(n, len(scan)-off)
		b.Begin(s, ts)
		h[1], h[2], h[3] = byte(off>>16), byte(off>>8), byte(off)
		b.AppendHead(h[:hdrSize]...)
		if off == 0 {
			b.AppendHead(0, f.Precision&3, byte(tablesLen>>8), byte(tablesLen))
			b.AppendHead(f.QuantTables[0]...)
			b.AppendHead(f.QuantTables[1]...)
		}
		b.SetBody(scan[off : off+n])
		off += n
		if off == len(scan) {
			b.SetMarker(b.Len() - 1)
			return nil
		}
	}
}
