package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtp"
)

// streamCase is two units of one codec, the first taking several packets.
type streamCase struct {
	name          string
	f             format.Format
	a, b          format.Frame
	tsA, tsB      uint32
	maxPacketSize int
	// check verifies the units received from b.
	check func(t *testing.T, got []format.Frame)
	// noReset verifies what b gives after part of a when the depacketizer
	// is not Reset (nil: nothing tells it from a Reset).
	noReset func(t *testing.T, got []format.Frame, errs []error)
}

func streamCases(t *testing.T) []streamCase {
	h264 := h26xCase(t, "h264", "h264_main_720p.h264", false)
	h265 := h26xCase(t, "h265", "h265_main_720p_bframes.h265", true)
	jpeg := jpegCase(t, "jpeg", "testdata/mjpeg_420_320x240.mjpeg")
	aus, cfg := adts(t, "testdata/aac_lc_stereo_44k.aac")
	aacFormat, err := format.NewAAC(97, cfg)
	require.NoError(t, err)
	pcmu, err := format.NewG711(format.PCMU)
	require.NoError(t, err)
	g711 := readFile(t, "testdata/g711_ulaw_8k.ulaw")

	h26xCheck := func(want format.Frame) func(*testing.T, []format.Frame) {
		return func(t *testing.T, got []format.Frame) {
			require.Len(t, got, 1)
			require.Equal(t, want.NALUs, got[0].NALUs)
			require.False(t, got[0].Damaged)
		}
	}
	h26xDamaged := func(t *testing.T, got []format.Frame, _ []error) {
		require.NotEmpty(t, got)
		require.True(t, got[len(got)-1].Damaged, "the lost rest of a shows on b")
	}
	return []streamCase{
		{name: "h264", f: h264.f, a: h264.frames[0], b: h264.frames[1], tsA: 3600, tsB: 7200, maxPacketSize: 300,
			check: h26xCheck(h264.frames[1]), noReset: h26xDamaged},
		{name: "h265", f: h265.f, a: h265.frames[0], b: h265.frames[1], tsA: 3600, tsB: 7200, maxPacketSize: 300,
			check: h26xCheck(h265.frames[1]), noReset: h26xDamaged},
		{name: "jpeg", f: jpeg.f, a: jpeg.frames[0], b: jpeg.frames[1], tsA: 0, tsB: 9000, maxPacketSize: 500,
			check: func(t *testing.T, got []format.Frame) {
				require.Len(t, got, 1)
				checkJPEG(t, mediaCase{frames: []format.Frame{jpeg.frames[1]}, tss: []uint32{9000}}, got)
			}},
		{name: "aac", f: aacFormat, a: format.Frame{Data: aus[0]}, b: format.Frame{AUs: aus[1:3]}, tsA: 0, tsB: 1024, maxPacketSize: 100,
			check: func(t *testing.T, got []format.Frame) {
				require.Len(t, got, 2)
				require.Equal(t, aus[1], got[0].Data)
				require.Equal(t, aus[2], got[1].Data)
				require.False(t, got[0].Damaged)
			},
			noReset: func(t *testing.T, got []format.Frame, errs []error) {
				// The first access unit of b is dropped: its first
				// fragment follows a gap (RFC 3640 §3.2.3); the one
				// after it shows the loss, though the loss was seen on
				// an earlier packet.
				require.Len(t, got, 1)
				require.Equal(t, aus[2], got[0].Data)
				require.True(t, got[0].Damaged)
				require.Empty(t, errs)
			}},
		// A new stream that starts before where the old one was.
		{name: "pcmu", f: pcmu, a: format.Frame{Data: g711[:320]}, b: format.Frame{Data: g711[320:640]}, tsA: 4000, tsB: 0,
			check: func(t *testing.T, got []format.Frame) {
				require.Len(t, got, 2)
				require.Equal(t, g711[320:480], got[0].Data)
				require.Equal(t, uint32(0), got[0].Timestamp)
				require.Zero(t, got[0].MissingSamples)
				require.False(t, got[0].Damaged)
			},
			noReset: func(t *testing.T, got []format.Frame, errs []error) {
				require.Empty(t, got, "samples before the old stream's are late")
				require.NotEmpty(t, errs)
			}},
	}
}

// TestReset: after part of a unit, Reset makes the depacketizer take the
// next packet as the first of a new stream (a new SSRC, new numbering).
func TestReset(t *testing.T) {
	for _, c := range streamCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.f.NewPacketizer(c.maxPacketSize)
			require.NoError(t, err)
			pa := packetize(t, p, &rtp.Stream{PayloadType: c.f.PayloadType, SSRC: 1, Seq: 1000}, []format.Frame{c.a}, []uint32{c.tsA})
			require.Greater(t, len(pa), 1)
			p, err = c.f.NewPacketizer(c.maxPacketSize) // a new sender
			require.NoError(t, err)
			pb := packetize(t, p, &rtp.Stream{PayloadType: c.f.PayloadType, SSRC: 2, Seq: 1010}, []format.Frame{c.b}, []uint32{c.tsB})

			for _, reset := range []bool{true, false} {
				d, err := c.f.NewDepacketizer()
				require.NoError(t, err)
				var got []format.Frame
				emit := func(f format.Frame) { got = append(got, cloneFrame(f)) }
				_ = d.Depacketize(pa[0], emit)
				got = nil
				if reset {
					d.Reset()
				}
				var errs []error
				for _, pkt := range pb {
					if err := d.Depacketize(pkt, emit); err != nil {
						errs = append(errs, err)
					}
				}
				if reset {
					require.Empty(t, errs)
					c.check(t, got)
				} else if c.noReset != nil {
					c.noReset(t, got, errs)
				}
			}
		})
	}
}

// TestLoss: a lost packet shows on the unit it damaged.
func TestLoss(t *testing.T) {
	h264 := h26xCase(t, "h264", "h264_main_720p.h264", false)
	p, err := h264.f.NewPacketizer(300)
	require.NoError(t, err)
	s := rtp.Stream{PayloadType: 96}
	pkts := packetize(t, p, &s, h264.frames[:3], h264.tss[:3])
	d, err := h264.f.NewDepacketizer()
	require.NoError(t, err)
	// Drop a packet in the middle of the first access unit: the slice of
	// the IDR picture loses a fragment, its parameter sets stay.
	n0 := countTS(pkts, h264.tss[0])
	require.Greater(t, n0, 3)
	lost := n0 / 2
	out := depacketize(t, d, append(pkts[:lost:lost], pkts[lost+1:]...))
	require.Len(t, out, 3)
	require.Equal(t, []bool{true, false, false}, []bool{out[0].Damaged, out[1].Damaged, out[2].Damaged})
	require.Less(t, len(out[0].NALUs), len(h264.frames[0].NALUs))
	require.Equal(t, h264.frames[1].NALUs, out[1].NALUs)

	pcma, err := format.NewG711(format.PCMA)
	require.NoError(t, err)
	g711 := readFile(t, "testdata/g711_alaw_8k.alaw")[:800]
	gp, err := pcma.NewPacketizer(0)
	require.NoError(t, err)
	pkts = packetize(t, gp, &rtp.Stream{PayloadType: 8}, []format.Frame{{Data: g711}}, []uint32{0})
	require.Len(t, pkts, 5)
	gd, err := pcma.NewDepacketizer()
	require.NoError(t, err)
	out = depacketize(t, gd, append(pkts[:2:2], pkts[3:]...))
	require.Len(t, out, 4)
	require.True(t, out[2].Damaged)
	require.Equal(t, uint32(160), out[2].MissingSamples)
	require.Equal(t, uint32(480), out[2].Timestamp)
	require.Equal(t, g711[480:640], out[2].Data)
}

func countTS(pkts []*rtp.Packet, ts uint32) int {
	n := 0
	for _, p := range pkts {
		if p.Timestamp == ts {
			n++
		}
	}
	return n
}
