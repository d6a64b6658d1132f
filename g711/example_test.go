package g711_test

import (
	"fmt"

	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/rtp"
)

// An encoder hands over µ-law in pieces of whatever size it has; the
// packetizer sends 20 ms packets with continuous timestamps.
func ExamplePacketizer() {
	var p g711.Packetizer
	var b rtp.Batch
	s := rtp.Stream{PayloadType: g711.PayloadTypePCMU, SSRC: 1}
	ts := uint32(8000)
	for _, n := range []int{100, 250, 30} {
		chunk := make([]byte, n)
		b.Reset()
		if err := p.Packetize(&b, &s, ts, chunk); err != nil {
			panic(err)
		}
		for i := range b.Len() {
			fmt.Printf("packet ts=%d samples=%d marker=%v\n", b.Timestamp(i), b.Size(i)-rtp.HeaderSize, b.Marker(i))
		}
		ts += uint32(n)
	}
	b.Reset()
	p.Flush(&b, &s)
	fmt.Printf("flush ts=%d samples=%d\n", b.Timestamp(0), b.Size(0)-rtp.HeaderSize)
	// Output:
	// packet ts=8000 samples=160 marker=true
	// packet ts=8160 samples=160 marker=false
	// flush ts=8320 samples=60
}

func ExampleEncodeMuLaw() {
	for _, x := range []int16{0, 1000, -1000, 32767} {
		u := g711.EncodeMuLaw(x)
		fmt.Printf("%6d -> %#02x -> %6d\n", x, u, g711.DecodeMuLaw(u))
	}
	fmt.Printf("A-law 0xD5 = %d\n", g711.DecodeALaw(0xD5))
	// Output:
	//      0 -> 0xff ->      0
	//   1000 -> 0xce ->    988
	//  -1000 -> 0x4e ->   -988
	//  32767 -> 0x80 ->  32124
	// A-law 0xD5 = 8
}
