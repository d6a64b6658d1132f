package aac_test

import (
	"fmt"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/rtp"
)

// A server receives ADTS from an encoder, describes the stream in SDP and
// sends the access units as RFC 3640 AAC-hbr packets; a client turns the
// packets back into access units.
func Example() {
	// Two ADTS frames as an encoder would write them (AAC-LC, 48 kHz, mono).
	lc := aac.AudioSpecificConfig{ObjectType: aac.ObjectTypeAACLC, SampleRate: 48000, ChannelConfig: 1}
	stream, _ := aac.AppendADTS(nil, lc, []byte{0x21, 0x10, 0x04})
	stream, _ = aac.AppendADTS(stream, lc, []byte{0x21, 0x10, 0x05, 0x06})

	aus, h, err := aac.SplitADTS(nil, stream)
	if err != nil {
		panic(err)
	}
	cfg := aac.ConfigFromADTS(h)
	fmtp, _ := aac.FMTPValue(cfg)
	fmt.Println("a=rtpmap:96", aac.RTPMapValue(cfg))
	fmt.Println("a=fmtp:96", fmtp)

	var batch rtp.Batch
	s := rtp.Stream{PayloadType: 96, SSRC: 1, Seq: 100}
	var p aac.Packetizer
	if err := p.Packetize(&batch, &s, 90000, aus); err != nil {
		panic(err)
	}
	for i := range batch.Len() {
		fmt.Printf("packet seq=%d ts=%d marker=%v payload=% x\n", batch.SequenceNumber(i),
			batch.Timestamp(i), batch.Marker(i), batch.AppendPacket(nil, i)[rtp.HeaderSize:])
	}

	// The receiving side.
	f, _ := aac.ParseFMTP(fmtp)
	d := aac.Depacketizer{Layout: f.AUHeaderLayout}
	var pkt rtp.Packet
	_ = pkt.Unmarshal(batch.AppendPacket(nil, 0))
	out, _ := d.Depacketize(nil, &pkt)
	for _, au := range out {
		fmt.Printf("AU ts=%d % x\n", au.Timestamp, au.Data)
	}
	// Output:
	// a=rtpmap:96 mpeg4-generic/48000/1
	// a=fmtp:96 streamtype=5;profile-level-id=41;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1188
	// packet seq=100 ts=90000 marker=true payload=00 20 00 18 00 20 21 10 04 21 10 05 06
	// AU ts=90000 21 10 04
	// AU ts=91024 21 10 05 06
}

// ParseConfigHex decodes the config= parameter of an SDP from elsewhere.
func ExampleParseConfigHex() {
	cfg, err := aac.ParseConfigHex("131056E598")
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.ObjectType, cfg.SampleRate, cfg.ChannelConfig, cfg.SBR, cfg.ExtensionSampleRate)
	fmt.Println(cfg.ClockRate(), cfg.FrameSamples())
	// Output:
	// 2 24000 2 true 48000
	// 48000 2048
}
