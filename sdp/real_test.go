package sdp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func readSDP(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// requireRoundTrip checks that s marshals and reads back equal, and that
// the second marshal is byte-identical to the first.
func requireRoundTrip(t *testing.T, s *Session) {
	t.Helper()
	out, err := s.Marshal()
	require.NoError(t, err)
	var back Session
	require.NoError(t, back.Unmarshal(out), "%s", out)
	require.Equal(t, s, &back)
	out2, err := back.Marshal()
	require.NoError(t, err)
	require.Equal(t, string(out), string(out2))
}

func TestRealDescriptions(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, s *Session)
	}{
		{"rfc8866_example.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, Origin{"jdoe", "3724394400", "3724394405", "IN", "IP4", "198.51.100.1"}, s.Origin)
			require.Equal(t, "Call to John Smith", s.Name)
			require.Equal(t, "SDP Offer #1", s.Information)
			require.Equal(t, "http://www.jdoe.example.com/home.html", s.URI)
			require.Equal(t, []string{"Jane Doe <jane@jdoe.example.com>"}, s.Emails)
			require.Equal(t, []string{"+1 617 555-6011"}, s.Phones)
			require.Equal(t, &Connection{NetworkType: "IN", AddressType: "IP4", Address: "198.51.100.1"}, s.Connection)
			require.Equal(t, []Time{{}}, s.Times)
			require.Len(t, s.Media, 3)
			require.Equal(t, Media{Type: "audio", Port: 49170, Protocol: "RTP/AVP", Formats: []string{"0"}}, *s.Media[0])
			require.Equal(t, 49180, s.Media[1].Port)
			v := s.Media[2]
			require.Equal(t, []Connection{{NetworkType: "IN", AddressType: "IP6", Address: "2001:db8::2"}}, v.Connections)
			r, err := v.RTPMap(99)
			require.NoError(t, err)
			require.Equal(t, RTPMap{99, "h263-1998", 90000, 0}, r)
			r, err = s.Media[0].RTPMap(0) // static payload type, no rtpmap line
			require.NoError(t, err)
			require.Equal(t, RTPMap{0, "PCMU", 8000, 1}, r)
		}},
		{"rfc4566_example.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, &Connection{NetworkType: "IN", AddressType: "IP4", Address: "224.2.17.12", TTL: 127}, s.Connection)
			require.Equal(t, []Time{{Start: 2873397496, Stop: 2873404696}}, s.Times)
			require.Equal(t, []Attribute{{Key: "recvonly"}}, s.Attributes)
			require.True(t, s.Attributes[0].IsProperty())
			v, ok := s.Attribute("recvonly")
			require.True(t, ok)
			require.Empty(t, v)
			require.Equal(t, "(Jane Doe)", s.Emails[0][len(s.Emails[0])-10:])
		}},
		{"ffmpeg_rtp_h264_aac.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, "No Name", s.Name)
			require.Equal(t, Origin{"-", "0", "0", "IN", "IP4", "127.0.0.1"}, s.Origin)
			tool, _ := s.Attribute("tool")
			require.Equal(t, "libavformat LIBAVFORMAT_VERSION", tool)
			require.Len(t, s.Media, 2)
			v, a := s.Media[0], s.Media[1]
			require.Equal(t, 5004, v.Port)
			require.Equal(t, 5006, a.Port)
			require.Equal(t, "127.0.0.1", v.Connections[0].Address)
			f, err := v.FMTP(96)
			require.NoError(t, err)
			sps, ok := f.Get("sprop-parameter-sets")
			require.True(t, ok)
			require.Equal(t, "Z01ADeygoP2AiAAAAwAIAAADAZB4oUyw,aOvjyyA=", sps)
			plid, _ := f.Get("PROFILE-LEVEL-ID")
			require.Equal(t, "4D400D", plid)
			require.Equal(t, []Bandwidth{{"AS", 128}}, a.Bandwidths)
			r, err := a.RTPMap(97)
			require.NoError(t, err)
			require.Equal(t, RTPMap{97, "MPEG4-GENERIC", 48000, 2}, r)
			f, err = a.FMTP(97)
			require.NoError(t, err)
			cfg, _ := f.Get("config") // ffmpeg writes "; config=" with a space
			require.Equal(t, "119056E500", cfg)
			require.Len(t, f.Params, 6)
		}},
		{"ffmpeg_rtp_h265.sdp", func(t *testing.T, s *Session) {
			v := s.Media[0]
			r, err := v.RTPMap(96)
			require.NoError(t, err)
			require.Equal(t, "H265", r.Encoding)
			f, err := v.FMTP(96)
			require.NoError(t, err)
			require.Equal(t, []string{"sprop-vps", "sprop-sps", "sprop-pps"}, []string{f.Params[0].Key, f.Params[1].Key, f.Params[2].Key})
			pps, _ := f.Get("sprop-pps")
			require.Equal(t, "RAHBcrRiQA==", pps)
		}},
		{"ffmpeg_rtsp_announce.sdp", func(t *testing.T, s *Session) {
			require.Len(t, s.Media, 2)
			require.Equal(t, "streamid=0", s.Media[0].Control())
			require.Equal(t, "streamid=1", s.Media[1].Control())
			require.Equal(t, 0, s.Media[0].Port)
			require.Empty(t, s.Control())
		}},
		{"live555_h264_pcmu.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, "1700000000123456", s.Origin.SessionID)
			require.Equal(t, `Session streamed by "testOnDemandRTSPServer"`, s.Name)
			require.Equal(t, "*", s.Control())
			rng, ok := s.Range()
			require.True(t, ok)
			require.Equal(t, "npt=0-", rng)
			nam, _ := s.Attribute("x-qt-text-nam")
			require.Equal(t, s.Name, nam)
			v, a := s.Media[0], s.Media[1]
			require.Equal(t, "track1", v.Control())
			require.Equal(t, "track2", a.Control())
			require.Equal(t, []Bandwidth{{"AS", 500}}, v.Bandwidths)
			pt, err := a.PayloadType()
			require.NoError(t, err)
			require.Equal(t, uint8(0), pt)
			r, err := a.RTPMap(pt)
			require.NoError(t, err)
			require.Equal(t, "PCMU", r.Encoding)
			f, err := v.FMTP(96)
			require.NoError(t, err)
			require.Equal(t, FMTPParam{"packetization-mode", "1"}, f.Params[0])
			sps, _ := f.Get("sprop-parameter-sets")
			require.Equal(t, "Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==", sps)
		}},
		{"gst_rtsp_server_h264_aac.sdp", func(t *testing.T, s *Session) {
			rng, _ := s.Range()
			require.Equal(t, "npt=now-", rng)
			require.Equal(t, "stream=0", s.Media[0].Control())
			require.Equal(t, []string{"local"}, s.Media[1].AttributeValues("ts-refclk"))
			fr, _ := s.Media[0].Attribute("framerate")
			require.Equal(t, "25", fr)
			f, err := s.Media[1].FMTP(97)
			require.NoError(t, err)
			cfg, _ := f.Get("config")
			require.Equal(t, "1190", cfg)
		}},
		{"camera_hikvision_like.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, []Time{{}}, s.Times, "missing t= reads as t=0 0")
			require.Equal(t, []Bandwidth{{"AS", 5100}}, s.Bandwidths, "trailing spaces")
			require.Equal(t, []string{"NONE"}, s.Emails)
			require.Len(t, s.Media, 2)
			v, a := s.Media[0], s.Media[1]
			dim, ok := v.Attribute("x-dimensions")
			require.True(t, ok)
			require.Equal(t, "1280,720", dim)
			require.Equal(t, []Bandwidth{{"AS", 5000}}, v.Bandwidths, "b= after a=")
			require.Equal(t, "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast", v.Control())
			f, err := v.FMTP(96)
			require.NoError(t, err)
			require.Equal(t, []FMTPParam{
				{"profile-level-id", "4D401F"}, {"packetization-mode", "0"},
				{"sprop-parameter-sets", "Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA=="},
			}, f.Params)
			f, err = a.FMTP(104) // labelled 97 by the camera
			require.NoError(t, err)
			require.Equal(t, uint8(97), f.PayloadType)
			cfg, _ := f.Get("config")
			require.Equal(t, "1408", cfg)
			hdr, _ := a.Attribute("media_header")
			require.Equal(t, "MEDIAINFO=494D4B48010100000400010010710110401F000000FA000000000000000000000000000000000000;", hdr)
		}},
		{"camera_uniview_like.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, Origin{"-", "1001", "1", "IN", "IP4", "0.0.0.0"}, s.Origin)
			require.Equal(t, []Time{{}}, s.Times)
			require.Nil(t, s.Connection)
			v, md := s.Media[0], s.Media[1]
			require.Equal(t, []Connection{{NetworkType: "IN", AddressType: "IP4", Address: "0.0.0.0"}}, v.Connections)
			require.Equal(t, "application", md.Type)
			f, err := md.FMTP(107)
			require.NoError(t, err)
			require.Equal(t, []FMTPParam{{"DecoderTag", "h3c-v3 RTCP=0"}}, f.Params)
			f, err = v.FMTP(105)
			require.NoError(t, err)
			pm, _ := f.Get("packetization-mode")
			require.Equal(t, "1", pm)
		}},
		{"camera_h265.sdp", func(t *testing.T, s *Session) {
			require.Equal(t, []string{"DH"}, s.AttributeValues("packetization-supported"))
			v := s.Media[0]
			r, err := v.RTPMap(98)
			require.NoError(t, err)
			require.Equal(t, RTPMap{98, "H265", 90000, 0}, r)
			f, err := v.FMTP(98)
			require.NoError(t, err)
			vps, _ := f.Get("sprop-vps")
			sps, _ := f.Get("sprop-sps")
			pps, _ := f.Get("sprop-pps")
			require.Equal(t, "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ", vps)
			require.Equal(t, "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAWgIAAAMAAgAAAwAyEA==", sps)
			require.Equal(t, "RAHBcrRiQA==", pps)
			a := s.Media[1]
			r, err = a.RTPMap(8)
			require.NoError(t, err)
			require.Equal(t, RTPMap{8, "PCMA", 8000, 0}, r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := Parse(readSDP(t, tt.file))
			require.NoError(t, err)
			tt.check(t, s)
			requireRoundTrip(t, s)
		})
	}
}

// Descriptions that are already in canonical form (CRLF, RFC order, no
// defaults to fill) must come out of a parse and marshal byte for byte.
func TestRealDescriptionsByteIdentical(t *testing.T) {
	for _, name := range []string{
		"rfc8866_example.sdp", "rfc4566_example.sdp", "ffmpeg_rtsp_announce.sdp",
		"live555_h264_pcmu.sdp", "gst_rtsp_server_h264_aac.sdp", "camera_h265.sdp",
	} {
		t.Run(name, func(t *testing.T) {
			in := readSDP(t, name)
			s, err := Parse(in)
			require.NoError(t, err)
			out, err := s.Marshal()
			require.NoError(t, err)
			require.Equal(t, string(in), string(out))
		})
	}
}
