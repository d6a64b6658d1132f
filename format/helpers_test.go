package format_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/sdp"
)

// readFile reads a file of the repository, relative to its root.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	require.NoError(t, err)
	return b
}

// splitAUs groups the NAL units of an Annex-B test stream into access units.
func splitAUs(t testing.TB, name string, hevc bool) [][][]byte {
	t.Helper()
	data := readFile(t, name)
	s := h26x.AccessUnitSplitter{Detector: &h26x.H264AUDetector{}}
	if hevc {
		s.Detector = &h26x.H265AUDetector{}
	}
	var aus [][][]byte
	for nal, rest := h26x.NextNAL(data); nal != nil; nal, rest = h26x.NextNAL(rest) {
		if au, ok := s.Push(nil, nal); ok {
			aus = append(aus, au)
		}
	}
	if au, ok := s.Flush(nil); ok {
		aus = append(aus, au)
	}
	require.Greater(t, len(aus), 10, "%s: too few access units to test with", name)
	return aus
}

// adts returns the access units and configuration of an ADTS test file.
func adts(t testing.TB, name string) ([][]byte, aac.AudioSpecificConfig) {
	t.Helper()
	aus, h, err := aac.SplitADTS(nil, readFile(t, name))
	require.NoError(t, err)
	require.NotEmpty(t, aus)
	return aus, aac.ConfigFromADTS(h)
}

// jpegFrames returns the frames of a Motion-JPEG test file, rewritten with
// mjpeg.Conform when RFC 2435 cannot carry them as they are.
func jpegFrames(t testing.TB, name string) [][]byte {
	t.Helper()
	frames, err := mjpeg.SplitFrames(nil, readFile(t, name))
	require.NoError(t, err)
	require.NotEmpty(t, frames)
	for i, f := range frames {
		frames[i], err = mjpeg.Conform(f)
		require.NoError(t, err)
	}
	return frames
}

// packetize runs frames, stamped tss, through p and returns the packets
// parsed back from the batches, as a receiver reads them.
func packetize(t testing.TB, p format.Packetizer, s *rtp.Stream, frames []format.Frame, tss []uint32) []*rtp.Packet {
	t.Helper()
	var out []*rtp.Packet
	var b rtp.Batch
	for i := range frames {
		b.Reset()
		require.NoError(t, p.Packetize(&b, s, tss[i], &frames[i]))
		pkts, err := b.Packets()
		require.NoError(t, err)
		for _, pkt := range pkts {
			require.Equal(t, s.PayloadType, pkt.PayloadType)
			require.Equal(t, s.SSRC, pkt.SSRC)
		}
		out = append(out, pkts...)
	}
	return out
}

// depacketize feeds pkts to d and returns deep copies of the frames it
// emits (they are valid only during emit).
func depacketize(t testing.TB, d format.Depacketizer, pkts []*rtp.Packet) []format.Frame {
	t.Helper()
	var out []format.Frame
	for _, p := range pkts {
		require.NoError(t, d.Depacketize(p, func(f format.Frame) { out = append(out, cloneFrame(f)) }))
	}
	return out
}

func cloneFrame(f format.Frame) format.Frame {
	c := f
	c.NALUs = nil
	for _, n := range f.NALUs {
		c.NALUs = append(c.NALUs, append([]byte(nil), n...))
	}
	c.Data = append([]byte(nil), f.Data...)
	return c
}

// throughSDP writes f as a track of a session, marshals it, parses it back
// and returns what FromMedia reads: the path from a server's DESCRIBE (or a
// publisher's ANNOUNCE) to the peer.
func throughSDP(t testing.TB, f format.Format, mediaType string) (format.Format, *sdp.Media) {
	t.Helper()
	md := f.Media("trackID=1")
	if md.Type == "" {
		md.Type = mediaType
	}
	s := &sdp.Session{Media: []*sdp.Media{md}}
	text, err := s.Marshal()
	require.NoError(t, err)
	back, err := sdp.Parse(text)
	require.NoError(t, err)
	require.Len(t, back.Media, 1)
	got, err := format.FromMedia(back.Media[0])
	require.NoError(t, err)
	return got, back.Media[0]
}

// mediaText returns the media section of a session holding md alone, as
// Marshal writes it.
func mediaText(t testing.TB, md *sdp.Media) string {
	t.Helper()
	text, err := (&sdp.Session{Media: []*sdp.Media{md}}).Marshal()
	require.NoError(t, err)
	s := string(text)
	i := strings.Index(s, "\r\nm=")
	require.GreaterOrEqual(t, i, 0)
	return s[i+2:]
}
