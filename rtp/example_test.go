package rtp_test

import (
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
)

func ExamplePacket() {
	out := rtp.Packet{
		Header: rtp.Header{
			Marker:         true,
			PayloadType:    96,
			SequenceNumber: 4660,
			Timestamp:      90000,
			SSRC:           0xcafebabe,
		},
		Payload: []byte{0x65, 0x88, 0x84},
	}
	buf, err := out.Marshal()
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", buf)

	var in rtp.Packet
	if err := in.Unmarshal(buf); err != nil {
		panic(err)
	}
	fmt.Println("marker:", in.Marker, "pt:", in.PayloadType, "seq:", in.SequenceNumber)
	fmt.Printf("ts: %d ssrc: %#x payload: % x\n", in.Timestamp, in.SSRC, in.Payload)
	// Output:
	// 80 e0 12 34 00 01 5f 90 ca fe ba be 65 88 84
	// marker: true pt: 96 seq: 4660
	// ts: 90000 ssrc: 0xcafebabe payload: 65 88 84
}

func ExampleBatch() {
	frame := []byte("one encoded picture")
	s := &rtp.Stream{PayloadType: 96, SSRC: 1, Seq: 65535}
	var b rtp.Batch
	for i := 0; i < len(frame); i += 10 {
		b.Begin(s, 3600)
		b.SetBody(frame[i:min(i+10, len(frame))])
	}
	b.SetMarker(b.Len() - 1)
	for i := range b.Len() {
		fmt.Println(b.SequenceNumber(i), b.Marker(i), string(b.Body(i)))
	}
	// Output:
	// 65535 false one encode
	// 0 true d picture
}

func ExampleReorderBuffer() {
	r := rtp.NewReorderBuffer(32, 40*time.Millisecond)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, seq := range []uint16{10, 12, 11, 14} {
		p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq}}
		if err := r.Push(p, now); err != nil {
			fmt.Println(err)
		}
		for {
			p, lost, ok := r.Pop(now)
			if !ok {
				break
			}
			fmt.Println("got", p.SequenceNumber, "lost before it:", lost)
		}
	}
	// Nothing more arrives: after the deadline 13 is declared lost.
	deadline, _ := r.Deadline()
	p, lost, _ := r.Pop(deadline)
	fmt.Println("got", p.SequenceNumber, "lost before it:", lost)
	// Output:
	// got 10 lost before it: 0
	// got 11 lost before it: 0
	// got 12 lost before it: 0
	// got 14 lost before it: 1
}
