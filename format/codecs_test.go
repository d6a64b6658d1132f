package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/sdp"
)

func TestNewDepacketizerUnsupported(t *testing.T) {
	for _, f := range []format.Format{
		{Codec: "OPUS", PayloadType: 111, ClockRate: 48000},
		{Codec: "H263-1998", PayloadType: 99, ClockRate: 90000},
		{Codec: "h264", PayloadType: 96, ClockRate: 90000}, // not upper-cased: not H264
		{PayloadType: 96},
	} {
		d, err := f.NewDepacketizer()
		require.ErrorIs(t, err, format.ErrUnsupported, "%q", f.Codec)
		require.Nil(t, d)
		p, err := f.NewPacketizer(0)
		require.ErrorIs(t, err, format.ErrUnsupported, "%q", f.Codec)
		require.Nil(t, p)
	}
}

func aacFormat(params string) format.Format {
	fm, err := sdp.ParseFMTP("97 " + params)
	if err != nil {
		panic(err)
	}
	return format.Format{Codec: format.AAC, PayloadType: 97, ClockRate: 48000, Channels: 2, FMTP: fm}
}

func TestAACModes(t *testing.T) {
	tests := []struct {
		name              string
		f                 format.Format
		packetizer, depak bool
	}{
		{"hbr", aacFormat("streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190"), true, true},
		{"hbr by mode only", aacFormat("mode=AAC-hbr;config=1190"), true, true},
		// RFC 3640 §3.3.5: the receiver reads it; the packetizer writes
		// AAC-hbr only.
		{"lbr", aacFormat("streamtype=5;mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2;constantduration=1024;config=1190"), false, true},
		{"hbr with a CTS", aacFormat("mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;ctsdeltalength=16;config=1190"), false, true},
		{"no fmtp", format.Format{Codec: format.AAC, PayloadType: 97, ClockRate: 48000}, false, false},
		{"no layout", aacFormat("streamtype=5;config=1190"), false, false},
		{"bad config hex", aacFormat("mode=AAC-hbr;config=11x0"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.f.NewPacketizer(0)
			require.Equal(t, tt.packetizer, err == nil, "%v", err)
			require.Equal(t, tt.packetizer, p != nil)
			d, err := tt.f.NewDepacketizer()
			require.Equal(t, tt.depak, err == nil, "%v", err)
			require.Equal(t, tt.depak, d != nil)
		})
	}
	// AAC-lbr is refused as unsupported, not as malformed.
	_, err := tests[2].f.NewPacketizer(0)
	require.ErrorIs(t, err, format.ErrUnsupported)
}

// TestAACFrameDuration: access units are stamped one duration apart, from
// constantDuration or the configuration (960-sample frames here), on both
// sides.
func TestAACFrameDuration(t *testing.T) {
	for _, tt := range []struct {
		params string
		step   uint32
	}{
		{"mode=AAC-hbr;config=1190", 1024},
		{"mode=AAC-hbr;config=1194", 960}, // frameLengthFlag
		{"mode=AAC-hbr;constantduration=512;config=1190", 512},
	} {
		f := aacFormat(tt.params)
		p, err := f.NewPacketizer(0)
		require.NoError(t, err)
		d, err := f.NewDepacketizer()
		require.NoError(t, err)
		aus := [][]byte{{1, 2, 3}, {4, 5}, {6}}
		pkts := packetize(t, p, &rtp.Stream{PayloadType: 97}, []format.Frame{{AUs: aus}}, []uint32{100})
		require.Len(t, pkts, 1, "small access units share a packet")
		out := depacketize(t, d, pkts)
		require.Len(t, out, 3)
		for i, fr := range out {
			require.Equal(t, aus[i], fr.Data)
			require.Equal(t, 100+uint32(i)*tt.step, fr.Timestamp, tt.params)
		}
	}
}

func TestPacketizeErrors(t *testing.T) {
	var b rtp.Batch
	s := rtp.Stream{PayloadType: 96, Seq: 7}

	jp, err := format.NewJPEG().NewPacketizer(0)
	require.NoError(t, err)
	require.Error(t, jp.Packetize(&b, &s, 0, &format.Frame{Data: []byte("not a jpeg")}))

	hp, err := format.NewH264(96, nil, nil).NewPacketizer(5) // below any RTP packet
	require.NoError(t, err)
	require.Error(t, hp.Packetize(&b, &s, 0, &format.Frame{NALUs: [][]byte{{0x65, 1, 2, 3}}, Marker: true}))

	_, cfg := adts(t, "testdata/aac_lc_mono_48k.aac")
	f, err := format.NewAAC(97, cfg)
	require.NoError(t, err)
	ap, err := f.NewPacketizer(0)
	require.NoError(t, err)
	require.Error(t, ap.Packetize(&b, &s, 0, &format.Frame{AUs: [][]byte{{1}, {}}}), "empty access unit")
	require.Error(t, ap.Packetize(&b, &s, 0, &format.Frame{Data: make([]byte, 9000)}), "over AAC-hbr's 13 bits")
	require.NoError(t, ap.Packetize(&b, &s, 0, &format.Frame{}), "nothing to send")

	require.Zero(t, b.Len(), "nothing appended on error")
	require.Equal(t, uint16(7), s.Seq, "sequence unchanged on error")
}

// TestPacketizeMarker: H.264/H.265 mark the end of the access unit only
// when the Frame says so; an access unit may come in several Frames.
func TestPacketizeMarker(t *testing.T) {
	c := h26xCase(t, "h265", "h265_main_720p_bframes.h265", true)
	p, err := c.f.NewPacketizer(0)
	require.NoError(t, err)
	au := c.frames[0].NALUs
	require.Greater(t, len(au), 3)
	s := rtp.Stream{PayloadType: 96}
	parts := []format.Frame{{NALUs: au[:2]}, {NALUs: au[2:], Marker: true}}
	pkts := packetize(t, p, &s, parts, []uint32{90, 90})
	for i, pkt := range pkts {
		require.Equal(t, i == len(pkts)-1, pkt.Marker, "packet %d", i)
	}
	d, err := c.f.NewDepacketizer()
	require.NoError(t, err)
	out := depacketize(t, d, pkts)
	require.Len(t, out, 1)
	require.Equal(t, au, out[0].NALUs)
	require.True(t, out[0].Keyframe)
}
