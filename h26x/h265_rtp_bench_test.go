package h26x_test

import (
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
)

func BenchmarkH265Packetize(b *testing.B) {
	var p h26x.H265Packetizer
	h264rtpBenchPacketize(b, h265rtp, "h265_main_720p_4mbps_bframes.h265", p.Packetize, false)
}

// BenchmarkH265PacketizeMarshal also copies every packet's wire bytes into
// one reused buffer.
func BenchmarkH265PacketizeMarshal(b *testing.B) {
	var p h26x.H265Packetizer
	h264rtpBenchPacketize(b, h265rtp, "h265_main_720p_4mbps_bframes.h265", p.Packetize, true)
}

func BenchmarkH265Depacketize(b *testing.B) {
	var p h26x.H265Packetizer
	var d h26x.H265Depacketizer
	h264rtpBenchDepacketize(b, h265rtp, "h265_main_720p_4mbps_bframes.h265", p.Packetize, d.Depacketize, d.Reset)
}
