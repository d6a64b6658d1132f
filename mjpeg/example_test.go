package mjpeg_test

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"

	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// A JPEG frame goes out as RTP packets and comes back as a JPEG that any
// decoder reads.
func Example() {
	frame, err := os.ReadFile("testdata/tiny_420_32x16.jpg")
	if err != nil {
		panic(err)
	}
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 26, SSRC: 0x12345678}
	p := mjpeg.Packetizer{MaxPacketSize: 200}
	if err := p.Packetize(&b, &s, 90000, frame); err != nil {
		panic(err)
	}

	var d mjpeg.Depacketizer
	for i := range b.Len() {
		var pkt rtp.Packet
		if err := pkt.Unmarshal(b.AppendPacket(nil, i)); err != nil {
			panic(err)
		}
		var h mjpeg.Header
		n, err := h.Unmarshal(pkt.Payload)
		if err != nil {
			panic(err)
		}
		fmt.Printf("type %d, Q %d, %dx%d, offset %d: %d bytes of data, tables %d bytes, marker %v\n",
			h.Type, h.Q, h.Width, h.Height, h.FragmentOffset, len(pkt.Payload)-n, len(h.QuantTables), pkt.Marker)
		jpg, err := d.Depacketize(&pkt)
		if err != nil {
			panic(err)
		}
		if jpg != nil {
			img, err := jpeg.Decode(bytes.NewReader(jpg))
			if err != nil {
				panic(err)
			}
			fmt.Println("decoded", img.Bounds())
		}
	}
	// Output:
	// type 1, Q 255, 32x16, offset 0: 48 bytes of data, tables 128 bytes, marker false
	// type 1, Q 255, 32x16, offset 48: 180 bytes of data, tables 0 bytes, marker false
	// type 1, Q 255, 32x16, offset 228: 123 bytes of data, tables 0 bytes, marker true
	// decoded (0,0)-(32,16)
}

// FFmpeg writes 4:2:2 JPEG with sampling factors RFC 2435 cannot describe;
// Conform codes the same picture again in the layout of type 0.
func ExampleConform() {
	data, err := os.ReadFile("../testdata/mjpeg_422_320x240.mjpeg")
	if err != nil {
		panic(err)
	}
	frames, err := mjpeg.SplitFrames(nil, data)
	if err != nil {
		panic(err)
	}
	_, err = mjpeg.ParseJPEG(frames[0])
	fmt.Println(err)

	frame, err := mjpeg.Conform(frames[0])
	if err != nil {
		panic(err)
	}
	f, err := mjpeg.ParseJPEG(frame)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d frames; type %d, %dx%d\n", len(frames), f.Type, f.Width, f.Height)
	// Output:
	// mjpeg: component sampling not supported by RFC 2435: chroma sampled 1x2 and 1x2
	// 10 frames; type 0, 320x240
}

// Q values 1 to 99 stand for the Annex K tables scaled as RFC 2435
// Appendix A says, in zig-zag order.
func ExampleMakeTables() {
	luma, chroma := mjpeg.MakeTables(90)
	fmt.Println(luma[:8])
	fmt.Println(chroma[:8])
	// Output:
	// [3 2 2 3 2 2 3 3]
	// [3 4 4 5 4 5 9 5]
}
