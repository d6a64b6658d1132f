package format_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/sdp"
)

// TestSDPRoundTrip: Format -> Media -> marshalled SDP -> sdp.Parse ->
// FromMedia gives the same Format, for every codec and the open cases.
func TestSDPRoundTrip(t *testing.T) {
	sps, pps := sprop264(t)
	vps, sps5, pps5 := sprop265(t)
	_, mono48 := adts(t, "testdata/aac_lc_mono_48k.aac")
	_, stereo44 := adts(t, "testdata/aac_lc_stereo_44k.aac")
	he := aac.AudioSpecificConfig{ObjectType: aac.ObjectTypeAACLC, SampleRate: 24000, ChannelConfig: 2, SBR: true, ExtensionSampleRate: 48000}
	pcmu, err := format.NewG711(format.PCMU)
	require.NoError(t, err)
	pcma, err := format.NewG711(format.PCMA)
	require.NoError(t, err)
	newAAC := func(cfg aac.AudioSpecificConfig) format.Format {
		f, err := format.NewAAC(97, cfg)
		require.NoError(t, err)
		return f
	}
	tests := []struct {
		name      string
		f         format.Format
		mediaType string // for codecs whose media type Format cannot know
	}{
		{"h264", format.NewH264(96, sps, pps), ""},
		{"h264 bare", format.NewH264(127, nil, nil), ""},
		{"h265", format.NewH265(98, vps, sps5, pps5), ""},
		{"h265 bare", format.NewH265(96, nil, nil, nil), ""},
		{"jpeg", format.NewJPEG(), ""},
		{"pcmu", pcmu, ""},
		{"pcma", pcma, ""},
		{"aac mono 48k", newAAC(mono48), ""},
		{"aac stereo 44.1k", newAAC(stereo44), ""},
		{"he-aac", newAAC(he), ""},
		{"unknown codec", format.Format{Codec: "OPUS", PayloadType: 111, ClockRate: 48000, Channels: 2,
			FMTP: sdp.FMTP{PayloadType: 111, Params: []sdp.FMTPParam{{Key: "minptime", Value: "10"}, {Key: "useinbandfec", Value: "1"}}}}, "audio"},
		{"no rtpmap", format.Format{PayloadType: 100,
			FMTP: sdp.FMTP{PayloadType: 100, Params: []sdp.FMTPParam{{Key: "0-15"}}}}, "audio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, md := throughSDP(t, tt.f, tt.mediaType)
			require.Equal(t, tt.f, got)
			require.Equal(t, "trackID=1", md.Control())
			if tt.f.Codec.Known() {
				require.Equal(t, tt.f.Codec.Media(), md.Type)
			}
			// What the codec knowledge reads from the SDP is what was
			// written, so the peer can depacketize.
			ps, err := got.ParameterSets()
			require.NoError(t, err)
			want, err := tt.f.ParameterSets()
			require.NoError(t, err)
			require.Equal(t, want, ps)
			if got.Codec == format.AAC {
				fm, err := got.AACConfig()
				require.NoError(t, err)
				cfg, err := fm.AudioConfig()
				require.NoError(t, err)
				require.Equal(t, uint32(cfg.ClockRate()), got.ClockRate)
				require.Equal(t, aac.LayoutAACHbr, fm.AUHeaderLayout)
			}
		})
	}
}

type realWant struct {
	media    int
	codec    format.Codec
	pt       uint8
	rate     uint32
	channels int
	fmtpPT   uint8 // 0 when there is no fmtp
	params   int   // parameter sets in the fmtp
	aacRate  int   // sampling rate of the AAC config
	depack   bool  // NewDepacketizer succeeds
}

// TestFromMediaReal reads the SDPs that cameras, live555, ffmpeg and
// gst-rtsp-server send (sdp/testdata).
func TestFromMediaReal(t *testing.T) {
	tests := []struct {
		file string
		want []realWant
	}{
		{"camera_hikvision_like.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 96, rate: 90000, fmtpPT: 96, params: 2, depack: true},
			// a=fmtp:97 on an m= line of payload type 104: relabelled.
			{media: 1, codec: format.AAC, pt: 104, rate: 16000, channels: 1, fmtpPT: 104, aacRate: 16000, depack: true},
		}},
		{"camera_h265.sdp", []realWant{
			{media: 0, codec: format.H265, pt: 98, rate: 90000, fmtpPT: 98, params: 3, depack: true},
			{media: 1, codec: format.PCMA, pt: 8, rate: 8000, depack: true},
		}},
		{"camera_uniview_like.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 105, rate: 90000, fmtpPT: 105, params: 2, depack: true},
			{media: 1, codec: "VND.ONVIF.METADATA", pt: 107, rate: 90000, fmtpPT: 107},
		}},
		{"ffmpeg_rtp_h264_aac.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 96, rate: 90000, fmtpPT: 96, params: 2, depack: true},
			{media: 1, codec: format.AAC, pt: 97, rate: 48000, channels: 2, fmtpPT: 97, aacRate: 48000, depack: true},
		}},
		{"ffmpeg_rtp_h265.sdp", []realWant{
			{media: 0, codec: format.H265, pt: 96, rate: 90000, fmtpPT: 96, params: 3, depack: true},
		}},
		{"ffmpeg_rtsp_announce.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 96, rate: 90000, fmtpPT: 96, params: 2, depack: true},
			{media: 1, codec: format.AAC, pt: 97, rate: 48000, channels: 1, fmtpPT: 97, aacRate: 48000, depack: true},
		}},
		{"gst_rtsp_server_h264_aac.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 96, rate: 90000, fmtpPT: 96, params: 2, depack: true},
			{media: 1, codec: format.AAC, pt: 97, rate: 48000, channels: 2, fmtpPT: 97, aacRate: 48000, depack: true},
		}},
		{"live555_h264_pcmu.sdp", []realWant{
			{media: 0, codec: format.H264, pt: 96, rate: 90000, fmtpPT: 96, params: 2, depack: true},
			// No rtpmap: the static payload type 0 of RFC 3551.
			{media: 1, codec: format.PCMU, pt: 0, rate: 8000, channels: 1, depack: true},
		}},
		{"rfc4566_example.sdp", []realWant{
			{media: 0, codec: format.PCMU, pt: 0, rate: 8000, channels: 1, depack: true},
			{media: 1, codec: "H263-1998", pt: 99, rate: 90000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := sdp.Parse(readFile(t, "sdp/testdata/"+tt.file))
			require.NoError(t, err)
			require.Len(t, s.Media, len(tt.want))
			for _, w := range tt.want {
				f, err := format.FromMedia(s.Media[w.media])
				require.NoError(t, err)
				require.Equal(t, w.codec, f.Codec)
				require.Equal(t, w.pt, f.PayloadType)
				require.Equal(t, w.rate, f.ClockRate)
				require.Equal(t, w.channels, f.Channels)
				if w.fmtpPT == 0 {
					require.Equal(t, sdp.FMTP{}, f.FMTP)
				} else {
					require.Equal(t, w.fmtpPT, f.FMTP.PayloadType)
					require.NotEmpty(t, f.FMTP.Params)
				}
				ps, err := f.ParameterSets()
				require.NoError(t, err)
				require.Len(t, ps, w.params)
				checkParameterSetTypes(t, f.Codec, ps)
				if w.aacRate != 0 {
					fm, err := f.AACConfig()
					require.NoError(t, err)
					cfg, err := fm.AudioConfig()
					require.NoError(t, err)
					require.Equal(t, w.aacRate, cfg.SampleRate)
				}
				d, err := f.NewDepacketizer()
				if w.depack {
					require.NoError(t, err)
					require.NotNil(t, d)
				} else {
					require.ErrorIs(t, err, format.ErrUnsupported)
					require.Nil(t, d)
				}
				// Written back, the format reads the same.
				back, _ := throughSDP(t, f, s.Media[w.media].Type)
				require.Equal(t, f, back)
			}
		})
	}
}

// checkParameterSetTypes checks that ps are the VPS, SPS and PPS, in order.
func checkParameterSetTypes(t *testing.T, c format.Codec, ps [][]byte) {
	t.Helper()
	switch {
	case c == format.H264 && len(ps) > 0:
		require.Equal(t, []h26x.H264NALType{h26x.H264NALSPS, h26x.H264NALPPS}, []h26x.H264NALType{h26x.H264Type(ps[0]), h26x.H264Type(ps[1])})
	case c == format.H265 && len(ps) > 0:
		require.Equal(t, []h26x.H265NALType{h26x.H265NALVPS, h26x.H265NALSPS, h26x.H265NALPPS},
			[]h26x.H265NALType{h26x.H265Type(ps[0]), h26x.H265Type(ps[1]), h26x.H265Type(ps[2])})
	}
}

func TestFromMediaLiberal(t *testing.T) {
	tests := []struct {
		name string
		sdp  string
		want format.Format
	}{
		{"dynamic payload type without rtpmap",
			"m=video 0 RTP/AVP 96\r\n",
			format.Format{PayloadType: 96}},
		{"malformed rtpmap of a static payload type",
			"m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA\r\n",
			format.Format{Codec: format.PCMA, PayloadType: 8, ClockRate: 8000, Channels: 1}},
		{"malformed rtpmap of a dynamic payload type",
			"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/fast\r\n",
			format.Format{PayloadType: 96}},
		{"explicit rtpmap of a static payload type wins",
			"m=audio 0 RTP/AVP 0\r\na=rtpmap:0 pcmu/8000\r\n",
			format.Format{Codec: format.PCMU, PayloadType: 0, ClockRate: 8000}},
		{"encoding name in lower case",
			"m=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/44100/2\r\n",
			format.Format{Codec: format.AAC, PayloadType: 97, ClockRate: 44100, Channels: 2}},
		{"first payload type of several",
			"m=video 0 RTP/AVP 97 96\r\na=rtpmap:96 H264/90000\r\na=rtpmap:97 H265/90000\r\na=fmtp:96 packetization-mode=1\r\n",
			format.Format{Codec: format.H265, PayloadType: 97, ClockRate: 90000}},
		{"fmtp without parameters",
			"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 \r\n",
			format.Format{Codec: format.H264, PayloadType: 96, ClockRate: 90000}},
		{"malformed fmtp",
			"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:200 a=b\r\n",
			format.Format{Codec: format.H264, PayloadType: 96, ClockRate: 90000}},
		{"fmtp of another payload type, two formats",
			"m=video 0 RTP/AVP 96 97\r\na=rtpmap:96 H264/90000\r\na=fmtp:97 a=b\r\n",
			format.Format{Codec: format.H264, PayloadType: 96, ClockRate: 90000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sdp.Parse([]byte("v=0\r\n" + tt.sdp))
			require.NoError(t, err)
			f, err := format.FromMedia(s.Media[0])
			require.NoError(t, err)
			require.Equal(t, tt.want, f)
		})
	}
}

func TestFromMediaRefuses(t *testing.T) {
	_, err := format.FromMedia(nil)
	require.Error(t, err)
	for _, text := range []string{
		// TP-Link cameras put the rtpmap on the m= line.
		"v=0\no=- 14665860 31787219 1 IN IP4 192.168.1.100\nm=application/TP-LINK 0 RTP/AVP smart/1/90000\n",
		"v=0\nm=video 0 RTP/AVP 128\n",
		"v=0\nm=video 0 RTP/AVP -1\n",
	} {
		s, err := sdp.Parse([]byte(text))
		require.NoError(t, err)
		_, err = format.FromMedia(s.Media[0])
		require.ErrorIs(t, err, sdp.ErrSyntax, text)
	}
	_, err = format.FromMedia(&sdp.Media{Type: "video", Protocol: "RTP/AVP"})
	require.ErrorIs(t, err, sdp.ErrSyntax)
}

func TestParameterSets(t *testing.T) {
	fm := func(pt uint8, kv ...string) sdp.FMTP {
		f := sdp.FMTP{PayloadType: pt}
		for i := 0; i < len(kv); i += 2 {
			f.Params = append(f.Params, sdp.FMTPParam{Key: kv[i], Value: kv[i+1]})
		}
		return f
	}
	sps, pps := sprop264(t)
	vps, sps5, pps5 := sprop265(t)
	tests := []struct {
		name    string
		f       format.Format
		want    [][]byte
		wantErr bool
	}{
		{"h264", format.Format{Codec: format.H264, FMTP: fm(96, "Sprop-Parameter-Sets", h264Sprop)}, [][]byte{sps, pps}, false},
		{"h264 without sprop", format.Format{Codec: format.H264, FMTP: fm(96, "packetization-mode", "1")}, nil, false},
		{"h264 bad base64", format.Format{Codec: format.H264, FMTP: fm(96, "sprop-parameter-sets", "Z0!!,aO88gA==")}, nil, true},
		{"h265 in order whatever the fmtp order", format.Format{Codec: format.H265,
			FMTP: fm(96, "sprop-pps", h265PPS, "sprop-sps", h265SPS, "sprop-vps", h265VPS)}, [][]byte{vps, sps5, pps5}, false},
		{"h265 partial", format.Format{Codec: format.H265, FMTP: fm(96, "sprop-sps", h265SPS)}, [][]byte{sps5}, false},
		{"h265 bad base64", format.Format{Codec: format.H265, FMTP: fm(96, "sprop-vps", h265VPS, "sprop-pps", "%%%")}, nil, true},
		{"not h26x", format.Format{Codec: format.JPEG, FMTP: fm(26, "sprop-parameter-sets", h264Sprop)}, nil, false},
	}
	for _, tt := range tests {
		ps, err := tt.f.ParameterSets()
		if tt.wantErr {
			require.Error(t, err, tt.name)
			continue
		}
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.want, ps, tt.name)
	}
}

func TestAACConfig(t *testing.T) {
	_, err := format.NewH264(96, nil, nil).AACConfig()
	require.ErrorIs(t, err, format.ErrUnsupported)

	_, err = format.Format{Codec: format.AAC, PayloadType: 97, ClockRate: 48000}.AACConfig()
	require.Error(t, err, "RFC 3640 requires the fmtp")

	s, err := sdp.Parse(readFile(t, "sdp/testdata/ffmpeg_rtp_h264_aac.sdp"))
	require.NoError(t, err)
	f, err := format.FromMedia(s.Media[1])
	require.NoError(t, err)
	fm, err := f.AACConfig()
	require.NoError(t, err)
	require.Equal(t, aac.LayoutAACHbr, fm.AUHeaderLayout)
	require.Equal(t, "AAC-hbr", fm.Mode)
	cfg, err := fm.AudioConfig()
	require.NoError(t, err)
	require.Equal(t, 2, cfg.ChannelCount())
	require.Equal(t, 48000, cfg.ClockRate())
}
