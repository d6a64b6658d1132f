package h26x_test

import (
	"fmt"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// Packetize one access unit (SPS, PPS and a 3000-byte IDR slice) into RTP
// packets of at most 1400 bytes: SPS and PPS share a STAP-A, the IDR slice
// is cut into FU-As, and the marker bit ends the access unit. Then
// depacketize the packets back.
func ExampleH264Packetizer() {
	sps := []byte{0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8}
	pps := []byte{0x68, 0xce, 0x3c, 0x80}
	idr := make([]byte, 3000)
	idr[0] = 0x65 // NRI 3, type 5

	var p h26x.H264Packetizer // MaxPacketSize 0: rtp.DefaultMaxPacketSize
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 96, SSRC: 0x11223344, Seq: 1000}
	if err := p.Packetize(&b, &s, 90000, [][]byte{sps, pps, idr}, true); err != nil {
		panic(err)
	}
	var d h26x.H264Depacketizer
	var pkt rtp.Packet
	for i := 0; i < b.Len(); i++ {
		if err := b.Packet(i, &pkt); err != nil {
			panic(err)
		}
		typ := h26x.H264Type(pkt.Payload)
		if typ == h26x.H264NALFUA {
			fmt.Printf("seq %d: %4d bytes, marker %-5v, FU-A S=%v E=%v of type %d\n", pkt.SequenceNumber,
				b.Size(i), pkt.Marker, pkt.Payload[1]&0x80 != 0, pkt.Payload[1]&0x40 != 0, pkt.Payload[1]&0x1f)
		} else {
			fmt.Printf("seq %d: %4d bytes, marker %-5v, type %d\n", pkt.SequenceNumber, b.Size(i), pkt.Marker, typ)
		}
		aus, err := d.Depacketize(&pkt)
		if err != nil {
			panic(err)
		}
		for _, au := range aus {
			fmt.Printf("access unit at %d: %d NAL units, sizes %d %d %d\n",
				au.Timestamp, len(au.NALs), len(au.NALs[0]), len(au.NALs[1]), len(au.NALs[2]))
		}
	}
	// Output:
	// seq 1000:   30 bytes, marker false, type 24
	// seq 1001: 1014 bytes, marker false, FU-A S=true E=false of type 5
	// seq 1002: 1014 bytes, marker false, FU-A S=false E=false of type 5
	// seq 1003: 1013 bytes, marker true , FU-A S=false E=true of type 5
	// access unit at 90000: 3 NAL units, sizes 9 4 3000
}
