package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtp"
)

// allocCases are one unit of each codec, the way a server sends them.
func allocCases(t testing.TB) []struct {
	name string
	f    format.Format
	fr   format.Frame
	step uint32 // timestamp advance per frame
} {
	h264 := splitAUs(t, "testdata/h264_main_720p.h264", false)
	h265 := splitAUs(t, "testdata/h265_main_720p_bframes.h265", true)
	jpeg := jpegFrames(t, "testdata/mjpeg_420_320x240.mjpeg")
	aus, cfg := adts(t, "testdata/aac_lc_stereo_44k.aac")
	aacF, err := format.NewAAC(97, cfg)
	require.NoError(t, err)
	pcmu, err := format.NewG711(format.PCMU)
	require.NoError(t, err)
	return []struct {
		name string
		f    format.Format
		fr   format.Frame
		step uint32
	}{
		{"h264 IDR access unit", format.NewH264(96, nil, nil), format.Frame{NALUs: h264[0], Marker: true}, 3600},
		{"h265 IRAP access unit", format.NewH265(96, nil, nil, nil), format.Frame{NALUs: h265[0], Marker: true}, 3600},
		{"jpeg picture", format.NewJPEG(), format.Frame{Data: jpeg[0]}, 3600},
		{"aac access units", aacF, format.Frame{AUs: aus[:5]}, 5 * 1024},
		{"aac single access unit", aacF, format.Frame{Data: aus[0]}, 1024},
		// Not a whole number of packets: the rest is kept for next time.
		{"g711 chunk", pcmu, format.Frame{Data: make([]byte, 250)}, 250},
	}
}

// TestPacketizeNoAlloc: a server packetizes every frame of every stream;
// once the batch has grown, Packetize must not allocate.
func TestPacketizeNoAlloc(t *testing.T) {
	for _, c := range allocCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.f.NewPacketizer(0)
			require.NoError(t, err)
			var b rtp.Batch
			s := rtp.Stream{PayloadType: c.f.PayloadType, SSRC: 1}
			fr := c.fr
			ts := uint32(0)
			run := func() {
				b.Reset()
				if err := p.Packetize(&b, &s, ts, &fr); err != nil {
					panic(err)
				}
				ts += c.step
			}
			run() // grows the batch
			run()
			require.Positive(t, b.Len())
			require.Zero(t, testing.AllocsPerRun(100, run))
		})
	}
}

func BenchmarkPacketize(b *testing.B) {
	for _, c := range allocCases(b) {
		b.Run(c.name, func(b *testing.B) {
			p, err := c.f.NewPacketizer(0)
			require.NoError(b, err)
			var batch rtp.Batch
			s := rtp.Stream{PayloadType: c.f.PayloadType, SSRC: 1}
			fr := c.fr
			ts := uint32(0)
			b.ReportAllocs()
			for b.Loop() {
				batch.Reset()
				if err := p.Packetize(&batch, &s, ts, &fr); err != nil {
					b.Fatal(err)
				}
				ts += c.step
			}
		})
	}
}
