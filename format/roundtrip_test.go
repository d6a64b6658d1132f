package format_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
)

// mediaCase is a real stream cut into Frames, with the format a sender
// announces for it.
type mediaCase struct {
	name   string
	f      format.Format
	frames []format.Frame
	tss    []uint32
}

func h26xCase(t *testing.T, name, file string, hevc bool) mediaCase {
	aus := splitAUs(t, "testdata/"+file, hevc)
	c := mediaCase{name: name}
	if hevc {
		vps, sps, pps := h26x.H265ParameterSets(aus[0])
		c.f = format.NewH265(96, vps, sps, pps)
	} else {
		sps, pps := h26x.H264ParameterSets(aus[0])
		c.f = format.NewH264(96, sps, pps)
	}
	for i, au := range aus {
		c.frames = append(c.frames, format.Frame{NALUs: au, Marker: true})
		c.tss = append(c.tss, 1e9+uint32(i)*3600)
	}
	return c
}

func jpegCase(t *testing.T, name, file string) mediaCase {
	c := mediaCase{name: name, f: format.NewJPEG()}
	for i, fr := range jpegFrames(t, file) {
		c.frames = append(c.frames, format.Frame{Data: fr})
		c.tss = append(c.tss, uint32(i)*9000)
	}
	return c
}

// TestMediaRoundTrip sends real streams through the path a publisher's
// media takes: the sender's Format is written as SDP and read back by the
// receiver (FromMedia), the sender packetizes, the receiver depacketizes
// with what it read; the receiver must get the sender's units back.
func TestMediaRoundTrip(t *testing.T) {
	for _, size := range []int{0, 300} { // 300 bytes: most units fragmented
		prefix := fmt.Sprintf("max%d/", size)
		t.Run(prefix+"h264", func(t *testing.T) {
			c := h26xCase(t, "h264", "h264_main_720p.h264", false)
			out := roundTrip(t, c, size)
			checkH26x(t, c, out, h26x.H264IsKeyframe)
		})
		t.Run(prefix+"h264 slices", func(t *testing.T) {
			c := h26xCase(t, "h264", "h264_high_slices_720p_bframes.h264", false)
			out := roundTrip(t, c, size)
			checkH26x(t, c, out, h26x.H264IsKeyframe)
		})
		t.Run(prefix+"h265", func(t *testing.T) {
			c := h26xCase(t, "h265", "h265_main_720p_bframes.h265", true)
			out := roundTrip(t, c, size)
			checkH26x(t, c, out, h26x.H265IsKeyframe)
		})
		for _, file := range []string{"testdata/mjpeg_420_320x240.mjpeg", "testdata/mjpeg_422_320x240.mjpeg", "mjpeg/testdata/restart_420_160x120.mjpeg"} {
			t.Run(prefix+file, func(t *testing.T) {
				c := jpegCase(t, "jpeg", file)
				out := roundTrip(t, c, size)
				checkJPEG(t, c, out)
			})
		}
	}
}

func roundTrip(t *testing.T, c mediaCase, maxPacketSize int) []format.Frame {
	t.Helper()
	recv, _ := throughSDP(t, c.f, "")
	require.Equal(t, c.f, recv)
	p, err := c.f.NewPacketizer(maxPacketSize)
	require.NoError(t, err)
	d, err := recv.NewDepacketizer()
	require.NoError(t, err)
	s := rtp.Stream{PayloadType: c.f.PayloadType, SSRC: 0x12345678, Seq: 65000} // wraps
	pkts := packetize(t, p, &s, c.frames, c.tss)
	if maxPacketSize > 0 {
		for _, pkt := range pkts {
			require.LessOrEqual(t, pkt.MarshalSize(), maxPacketSize)
		}
		require.Greater(t, len(pkts), len(c.frames), "some units take several packets")
	}
	return depacketize(t, d, pkts)
}

func checkH26x(t *testing.T, c mediaCase, out []format.Frame, isKey func([][]byte) bool) {
	t.Helper()
	require.Len(t, out, len(c.frames))
	keys := 0
	for i, f := range out {
		require.Equal(t, c.f.Codec, f.Codec)
		require.Equal(t, c.frames[i].NALUs, f.NALUs, "access unit %d", i)
		require.Equal(t, c.tss[i], f.Timestamp)
		require.True(t, f.Marker)
		require.False(t, f.Damaged)
		require.Equal(t, isKey(c.frames[i].NALUs), f.Keyframe, "access unit %d", i)
		if f.Keyframe {
			keys++
		}
	}
	require.True(t, out[0].Keyframe, "the streams start with a keyframe")
	require.Less(t, keys, len(out), "not every unit is a keyframe")
}

// checkJPEG compares what RFC 2435 carries of each picture: the receiver
// rebuilds the headers (RFC 2435 Appendix B), so the bytes differ, but the
// picture's size, type, tables and scan data must not.
func checkJPEG(t *testing.T, c mediaCase, out []format.Frame) {
	t.Helper()
	require.Len(t, out, len(c.frames))
	for i, f := range out {
		require.Equal(t, format.JPEG, f.Codec)
		require.Equal(t, c.tss[i], f.Timestamp)
		require.True(t, f.Marker)
		require.True(t, f.Keyframe)
		want, err := mjpeg.ParseJPEG(c.frames[i].Data)
		require.NoError(t, err)
		got, err := mjpeg.ParseJPEG(f.Data)
		require.NoError(t, err)
		require.Equal(t, want, got, "picture %d", i)
	}
}

func TestMediaRoundTripAAC(t *testing.T) {
	for _, file := range []string{"aac_lc_mono_48k.aac", "aac_lc_stereo_44k.aac"} {
		for _, size := range []int{0, 200} { // 200 bytes: access units fragmented (RFC 3640 §3.2.3)
			aus, cfg := adts(t, "testdata/"+file)
			f, err := format.NewAAC(97, cfg)
			require.NoError(t, err)
			step := uint32(cfg.FrameSamples())
			// Groups of 1 to 4 access units; a group of one is given as Data.
			c := mediaCase{name: file, f: f}
			ts := uint32(0xFFFFF000) // wraps
			for i, n := 0, 1; i < len(aus); i, n = i+n, n%4+1 {
				group := aus[i:min(i+n, len(aus))]
				fr := format.Frame{AUs: group}
				if len(group) == 1 {
					fr = format.Frame{Data: group[0]}
				}
				c.frames = append(c.frames, fr)
				c.tss = append(c.tss, ts)
				ts += uint32(len(group)) * step
			}
			out := roundTrip(t, c, size)
			require.Len(t, out, len(aus), "one frame per access unit")
			for i, fr := range out {
				require.Equal(t, format.AAC, fr.Codec)
				require.Equal(t, aus[i], fr.Data, "access unit %d", i)
				require.Nil(t, fr.AUs)
				require.Equal(t, uint32(0xFFFFF000)+uint32(i)*step, fr.Timestamp, "access unit %d", i)
				require.False(t, fr.Damaged)
			}
		}
	}
}

func TestMediaRoundTripG711(t *testing.T) {
	for _, tt := range []struct {
		codec format.Codec
		file  string
	}{{format.PCMU, "testdata/g711_ulaw_8k.ulaw"}, {format.PCMA, "testdata/g711_alaw_8k.alaw"}} {
		f, err := format.NewG711(tt.codec)
		require.NoError(t, err)
		data := readFile(t, tt.file)
		// Chunks of any size, as an encoder hands them over, with
		// continuous timestamps.
		c := mediaCase{name: string(tt.codec), f: f}
		sizes := []int{100, 37, 500, 160, 1, 321}
		const base = 4000
		for off, i := 0, 0; off < len(data); i++ {
			n := min(sizes[i%len(sizes)], len(data)-off)
			c.frames = append(c.frames, format.Frame{Data: data[off : off+n]})
			c.tss = append(c.tss, base+uint32(off))
			off += n
		}
		out := roundTrip(t, c, 0)
		var got []byte
		for _, fr := range out {
			require.Equal(t, tt.codec, fr.Codec)
			require.Len(t, fr.Data, 160, "20 ms packets")
			require.Equal(t, base+uint32(len(got)), fr.Timestamp)
			require.False(t, fr.Damaged)
			require.Zero(t, fr.MissingSamples)
			got = append(got, fr.Data...)
		}
		// The packetizer keeps what does not fill a packet.
		require.Equal(t, len(data)/160*160, len(got))
		require.Equal(t, data[:len(got)], got)
	}
}
