package format_test

import (
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/sdp"
)

// A sender announces an H.264 track and sends an access unit; the receiver
// reads the announcement and gets the access unit back. Both sides go
// through this package alone.
func Example() {
	// The sender: parameter sets from its encoder (here, an SDP's).
	ps, _ := h26x.ParseH264SpropParameterSets("Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==")
	sent := format.NewH264(96, ps[0], ps[1])
	session := &sdp.Session{Media: []*sdp.Media{sent.Media("trackID=0")}}
	text, err := session.Marshal()
	if err != nil {
		panic(err)
	}
	_, m, _ := strings.Cut(string(text), "m=")
	fmt.Print("m=" + strings.ReplaceAll(m, "\r\n", "\n"))

	// The receiver: DESCRIBE's (or ANNOUNCE's) body.
	parsed, err := sdp.Parse(text)
	if err != nil {
		panic(err)
	}
	got, err := format.FromMedia(parsed.Media[0])
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Codec, got.PayloadType, got.ClockRate, got.Codec.Media())
	sets, _ := got.ParameterSets()
	fmt.Println("parameter sets:", len(sets))

	// An IDR access unit: SPS, PPS and a slice too big for one packet.
	idr := make([]byte, 3000)
	idr[0] = 0x65
	au := format.Frame{NALUs: [][]byte{ps[0], ps[1], idr}, Marker: true}

	p, _ := sent.NewPacketizer(1400)
	var b rtp.Batch
	stream := rtp.Stream{PayloadType: sent.PayloadType, SSRC: 0x1234, Seq: 100}
	if err := p.Packetize(&b, &stream, 90000, &au); err != nil {
		panic(err)
	}
	fmt.Println("packets:", b.Len())

	d, _ := got.NewDepacketizer()
	pkts, _ := b.Packets()
	for _, pkt := range pkts {
		_ = d.Depacketize(pkt, func(f format.Frame) {
			fmt.Println("frame:", f.Timestamp, len(f.NALUs), "NAL units, keyframe", f.Keyframe, "slice", len(f.NALUs[2]), "bytes")
		})
	}
	// Output:
	// m=video 0 RTP/AVP 96
	// a=rtpmap:96 H264/90000
	// a=fmtp:96 packetization-mode=1;profile-level-id=4d401f;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==
	// a=control:trackID=0
	// H264 96 90000 video
	// parameter sets: 2
	// packets: 4
	// frame: 90000 3 NAL units, keyframe true slice 3000 bytes
}
