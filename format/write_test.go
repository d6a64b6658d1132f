package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/sdp"
)

// Parameter sets of sdp/testdata (those of testdata/h264_main_720p.h264 and
// testdata/h265_main_720p_bframes.h265).
const (
	h264Sprop = "Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA=="
	h265VPS   = "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ"
	h265SPS   = "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAWgIAAAMAAgAAAwAyEA=="
	h265PPS   = "RAHBcrRiQA=="
)

func sprop264(t *testing.T) (sps, pps []byte) {
	nals, err := h26x.ParseH264SpropParameterSets(h264Sprop)
	require.NoError(t, err)
	require.Len(t, nals, 2)
	return nals[0], nals[1]
}

func sprop265(t *testing.T) (vps, sps, pps []byte) {
	var out [][]byte
	for _, v := range []string{h265VPS, h265SPS, h265PPS} {
		nals, err := h26x.ParseH265SpropValue(v)
		require.NoError(t, err)
		out = append(out, nals...)
	}
	require.Len(t, out, 3)
	return out[0], out[1], out[2]
}

// TestMediaText pins the media sections, byte for byte, to what the server's
// DESCRIBE has written so far (server/describe.go): players of the
// conformance suite must see the same SDP.
func TestMediaText(t *testing.T) {
	sps, pps := sprop264(t)
	vps, sps5, pps5 := sprop265(t)
	must := func(f format.Format, err error) format.Format {
		require.NoError(t, err)
		return f
	}
	stereo48 := aac.AudioSpecificConfig{ObjectType: aac.ObjectTypeAACLC, SampleRate: 48000, ChannelConfig: 2}
	tests := []struct {
		name string
		f    format.Format
		want string
	}{
		{"h264", format.NewH264(96, sps, pps), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H264/90000\r\n" +
			"a=fmtp:96 packetization-mode=1;profile-level-id=4d401f;sprop-parameter-sets=" + h264Sprop + "\r\n" +
			"a=control:trackID=1\r\n"},
		{"h264 without parameter sets", format.NewH264(96, nil, nil), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H264/90000\r\n" +
			"a=fmtp:96 packetization-mode=1\r\n" +
			"a=control:trackID=1\r\n"},
		{"h264 with sps only", format.NewH264(96, sps, nil), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H264/90000\r\n" +
			"a=fmtp:96 packetization-mode=1\r\n" +
			"a=control:trackID=1\r\n"},
		{"h265", format.NewH265(96, vps, sps5, pps5), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H265/90000\r\n" +
			"a=fmtp:96 profile-id=1;tier-flag=0;level-id=93;sprop-vps=" + h265VPS + ";sprop-sps=" + h265SPS + ";sprop-pps=" + h265PPS + "\r\n" +
			"a=control:trackID=1\r\n"},
		{"h265 without parameter sets", format.NewH265(96, vps, sps5, nil), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H265/90000\r\n" +
			"a=control:trackID=1\r\n"},
		{"h265 with an SPS that does not parse", format.NewH265(96, vps, []byte{0x42, 0x01}, pps5), "m=video 0 RTP/AVP 96\r\n" +
			"a=rtpmap:96 H265/90000\r\n" +
			"a=fmtp:96 sprop-vps=" + h265VPS + ";sprop-sps=QgE=;sprop-pps=" + h265PPS + "\r\n" +
			"a=control:trackID=1\r\n"},
		{"jpeg", format.NewJPEG(), "m=video 0 RTP/AVP 26\r\n" +
			"a=rtpmap:26 JPEG/90000\r\n" +
			"a=control:trackID=1\r\n"},
		{"pcmu", must(format.NewG711(format.PCMU)), "m=audio 0 RTP/AVP 0\r\n" +
			"a=rtpmap:0 PCMU/8000\r\n" +
			"a=control:trackID=1\r\n"},
		{"pcma", must(format.NewG711(format.PCMA)), "m=audio 0 RTP/AVP 8\r\n" +
			"a=rtpmap:8 PCMA/8000\r\n" +
			"a=control:trackID=1\r\n"},
		{"aac", must(format.NewAAC(97, stereo48)), "m=audio 0 RTP/AVP 97\r\n" +
			"a=rtpmap:97 mpeg4-generic/48000/2\r\n" +
			"a=fmtp:97 streamtype=5;profile-level-id=41;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n" +
			"a=control:trackID=1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, mediaText(t, tt.f.Media("trackID=1")))
		})
	}
}

// TestFMTPMatchesServer checks the fmtp and rtpmap values against the
// expressions server/describe.go evaluates, for the parameter sets and
// configurations of every stream in testdata.
func TestFMTPMatchesServer(t *testing.T) {
	for _, name := range []string{"h264_main_720p.h264", "h264_high_720p_4mbps_bframes.h264", "conf_h264_high_slices_720p.h264"} {
		sps, pps := h26x.H264ParameterSets(splitAUs(t, "testdata/"+name, false)[0])
		require.NotNil(t, sps, name)
		require.NotNil(t, pps, name)
		want := "96 packetization-mode=1;profile-level-id=" + h26x.H264ProfileLevelID(sps) +
			";sprop-parameter-sets=" + h26x.H264SpropParameterSets(sps, pps)
		attrs := format.NewH264(96, sps, pps).Attributes()
		require.Len(t, attrs, 2, name)
		require.Equal(t, sdp.Attribute{Key: "rtpmap", Value: "96 H264/90000"}, attrs[0], name)
		require.Equal(t, sdp.Attribute{Key: "fmtp", Value: want}, attrs[1], name)
	}
	for _, name := range []string{"h265_main_720p_bframes.h265", "conf_h265_main_720p.h265"} {
		vps, sps, pps := h26x.H265ParameterSets(splitAUs(t, "testdata/"+name, true)[0])
		require.NotNil(t, vps, name)
		s, err := h26x.ParseH265SPS(sps)
		require.NoError(t, err, name)
		want := "96 " + s.PTL.FmtpParams() + ";sprop-vps=" + h26x.H265SpropValue(vps) +
			";sprop-sps=" + h26x.H265SpropValue(sps) + ";sprop-pps=" + h26x.H265SpropValue(pps)
		attrs := format.NewH265(96, vps, sps, pps).Attributes()
		require.Len(t, attrs, 2, name)
		require.Equal(t, sdp.Attribute{Key: "fmtp", Value: want}, attrs[1], name)
	}
	for _, name := range []string{"aac_lc_mono_48k.aac", "aac_lc_stereo_44k.aac", "conf_aac_lc_stereo_44k.aac"} {
		_, cfg := adts(t, "testdata/"+name)
		fv, err := aac.FMTPValue(cfg)
		require.NoError(t, err)
		f, err := format.NewAAC(97, cfg)
		require.NoError(t, err)
		require.Equal(t, uint32(cfg.ClockRate()), f.ClockRate, name)
		require.Equal(t, []sdp.Attribute{
			{Key: "rtpmap", Value: "97 " + aac.RTPMapValue(cfg)},
			{Key: "fmtp", Value: "97 " + fv},
		}, f.Attributes(), name)
	}
}

func TestNewG711Refuses(t *testing.T) {
	for _, c := range []format.Codec{format.H264, format.AAC, "G722", ""} {
		_, err := format.NewG711(c)
		require.ErrorIs(t, err, format.ErrUnsupported, "%q", c)
	}
}

func TestNewAACRefuses(t *testing.T) {
	for _, cfg := range []aac.AudioSpecificConfig{
		{},
		{ObjectType: aac.ObjectTypeAACLC, ChannelConfig: 2},                      // no rate
		{ObjectType: aac.ObjectTypeAACLC, SampleRate: 1 << 25, ChannelConfig: 2}, // not 24 bits
	} {
		_, err := format.NewAAC(97, cfg)
		require.Error(t, err, "%+v", cfg)
	}
}

func TestAttributes(t *testing.T) {
	fm := sdp.FMTP{PayloadType: 5, Params: []sdp.FMTPParam{{Key: "a", Value: "1"}, {Key: "b"}}}
	tests := []struct {
		name string
		f    format.Format
		want []sdp.Attribute
	}{
		{"unknown codec keeps its name and channels",
			format.Format{Codec: "OPUS", PayloadType: 111, ClockRate: 48000, Channels: 2},
			[]sdp.Attribute{{Key: "rtpmap", Value: "111 OPUS/48000/2"}}},
		{"fmtp takes the format's payload type",
			format.Format{Codec: "X", PayloadType: 100, ClockRate: 1000, FMTP: fm},
			[]sdp.Attribute{{Key: "rtpmap", Value: "100 X/1000"}, {Key: "fmtp", Value: "100 a=1;b"}}},
		{"no codec: no rtpmap",
			format.Format{PayloadType: 96, FMTP: fm},
			[]sdp.Attribute{{Key: "fmtp", Value: "96 a=1;b"}}},
		{"no clock rate: no rtpmap",
			format.Format{Codec: format.H264, PayloadType: 96},
			[]sdp.Attribute{}},
		{"fmtp without parameters is not written",
			format.Format{Codec: format.JPEG, PayloadType: 26, ClockRate: 90000, FMTP: sdp.FMTP{PayloadType: 26}},
			[]sdp.Attribute{{Key: "rtpmap", Value: "26 JPEG/90000"}}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.f.Attributes(), tt.name)
	}
}

func TestMediaWithoutControl(t *testing.T) {
	md := format.NewJPEG().Media("")
	require.Equal(t, "video", md.Type)
	require.Equal(t, []string{"26"}, md.Formats)
	require.Equal(t, "RTP/AVP", md.Protocol)
	_, ok := md.Attribute("control")
	require.False(t, ok)
	require.Equal(t, "", format.Format{Codec: "OPUS", PayloadType: 111, ClockRate: 48000}.Media("x").Type)
	require.Equal(t, []string{"111"}, format.Format{Codec: "OPUS", PayloadType: 111}.Media("x").Formats)
}
