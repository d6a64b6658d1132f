package rtsp

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseSession(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Session
		out  string
	}{
		{"12345678", Session{ID: "12345678"}, "12345678"},
		{"0456804596", Session{ID: "0456804596"}, "0456804596"},
		{"47112344;timeout=60", Session{ID: "47112344", Timeout: 60}, "47112344;timeout=60"},
		{" abc$-_.+XYZ ; Timeout = 30 ", Session{ID: "abc$-_.+XYZ", Timeout: 30}, "abc$-_.+XYZ;timeout=30"},
		{"F3D7A0B2-11:22;foo=bar;timeout=5", Session{ID: "F3D7A0B2-11:22", Timeout: 5}, "F3D7A0B2-11:22;timeout=5"},
		{"id;timeout=0", Session{ID: "id"}, "id"},
	} {
		got, err := ParseSession(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.out, got.String())
		again, err := ParseSession(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again)
	}
	for _, in := range []string{"", ";timeout=5", "a b", "a,b", `"a"`, "id;timeout=x", "id;timeout=-1", "id;timeout=9999999999", "id\x00"} {
		_, err := ParseSession(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func npt(d time.Duration) *NPTTime { return &NPTTime{Offset: d} }

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Range
		out  string
	}{
		{"npt=0-", Range{Unit: "npt", Start: npt(0)}, "npt=0-"},
		{"npt=0.000-", Range{Unit: "npt", Start: npt(0)}, "npt=0-"},
		{"npt=now-", Range{Unit: "npt", Start: &NPTTime{Now: true}}, "npt=now-"},
		{"npt=123.45-125", Range{Unit: "npt", Start: npt(123450 * time.Millisecond), End: npt(125 * time.Second)}, "npt=123.45-125"},
		{"npt=10.5-20", Range{Unit: "npt", Start: npt(10500 * time.Millisecond), End: npt(20 * time.Second)}, "npt=10.5-20"},
		{"npt=12:05:35.3-", Range{Unit: "npt", Start: npt(12*time.Hour + 5*time.Minute + 35300*time.Millisecond)}, "npt=43535.3-"},
		{"npt=-30", Range{Unit: "npt", End: npt(30 * time.Second)}, "npt=-30"},
		{"npt=-now", Range{Unit: "npt", End: &NPTTime{Now: true}}, "npt=-now"},
		{"NPT = 5", Range{Unit: "npt", Start: npt(5 * time.Second)}, "npt=5-"},
		{"npt=1.", Range{Unit: "npt", Start: npt(time.Second)}, "npt=1-"},
		{"npt=0.0000000019-", Range{Unit: "npt", Start: npt(1)}, "npt=0.000000001-"},
		{"npt=0:00:01.5-0:01:00", Range{Unit: "npt", Start: npt(1500 * time.Millisecond), End: npt(time.Minute)}, "npt=1.5-60"},
		{"npt=0-10;time=19970123T143720Z", Range{Unit: "npt", Start: npt(0), End: npt(10 * time.Second), Time: "19970123T143720Z"}, "npt=0-10;time=19970123T143720Z"},
		{"clock=19961108T142300Z-19961108T143520Z", Range{Unit: "clock", Value: "19961108T142300Z-19961108T143520Z"}, "clock=19961108T142300Z-19961108T143520Z"},
		{"clock=19961110T1925-19961110T2015", Range{Unit: "clock", Value: "19961110T1925-19961110T2015"}, "clock=19961110T1925-19961110T2015"},
		{"smpte=0:10:00-", Range{Unit: "smpte", Value: "0:10:00-"}, "smpte=0:10:00-"},
		{"smpte-25=10:07:00-10:07:33:05.01", Range{Unit: "smpte-25", Value: "10:07:00-10:07:33:05.01"}, "smpte-25=10:07:00-10:07:33:05.01"},
		{"npt=0-7.741, npt=8-9", Range{Unit: "npt", Start: npt(0), End: npt(7741 * time.Millisecond)}, "npt=0-7.741"},
	} {
		got, err := ParseRange(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.out, got.String(), tc.in)
		again, err := ParseRange(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again, tc.in)
	}
	for _, in := range []string{
		"", "npt", "npt=", "npt=-", "npt=abc-", "npt=1:2-", "npt=1:60:00-", "npt=1:00:60-",
		"npt=1:2:3:4-", "npt=1.2.3-", "npt=-1-", "npt=1234567890-", "npt=1.x-",
		"b@d=1-", "smpte=1 2", "npt=0-;time=", "npt=0-\x00",
	} {
		_, err := ParseRange(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func TestParseRTPInfo(t *testing.T) {
	u16 := func(v uint16) *uint16 { return &v }
	u32 := func(v uint32) *uint32 { return &v }
	for _, tc := range []struct {
		in   string
		want RTPInfo
		out  string
	}{
		{
			// RFC 2326 §12.33 example.
			"url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
			RTPInfo{{URL: "rtsp://foo.com/bar.avi/streamid=0", Seq: u16(45102)}, {URL: "rtsp://foo.com/bar.avi/streamid=1", Seq: u16(30211)}},
			"url=rtsp://foo.com/bar.avi/streamid=0;seq=45102,url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
		},
		{
			// §14.1, seq beyond 16 bits, folded line.
			"url=rtsp://video.example.com/twister/video; seq=12312232;rtptime=78712811",
			RTPInfo{{URL: "rtsp://video.example.com/twister/video", Seq: u16(12312232 & 0xffff), RTPTime: u32(78712811)}},
			"url=rtsp://video.example.com/twister/video;seq=57000;rtptime=78712811",
		},
		{
			// Camera quirks: ';' and ',' inside the URL.
			"url=rtsp://cam/live;stream=1,ch=2/trackID=0;seq=1;rtptime=2,url=rtsp://cam/live;stream=1,ch=2/trackID=1;seq=3;rtptime=4",
			RTPInfo{{URL: "rtsp://cam/live;stream=1,ch=2/trackID=0", Seq: u16(1), RTPTime: u32(2)}, {URL: "rtsp://cam/live;stream=1,ch=2/trackID=1", Seq: u16(3), RTPTime: u32(4)}},
			`url="rtsp://cam/live;stream=1,ch=2/trackID=0";seq=1;rtptime=2,url="rtsp://cam/live;stream=1,ch=2/trackID=1";seq=3;rtptime=4`,
		},
		{
			// RFC 7826 quoted URL with ssrc; upper-case names; unknown parameter.
			`URL="rtsp://h/x/trackID=0";SSRC=0A13F4E1;Seq=7;x=1`,
			RTPInfo{{URL: "rtsp://h/x/trackID=0", Seq: u16(7), SSRC: u32(0x0a13f4e1)}},
			"url=rtsp://h/x/trackID=0;seq=7;ssrc=0A13F4E1",
		},
		{
			"url=rtsp://h/x/trackID=1",
			RTPInfo{{URL: "rtsp://h/x/trackID=1"}},
			"url=rtsp://h/x/trackID=1",
		},
		{
			"url=trackID=0;seq=0;rtptime=4294967295,",
			RTPInfo{{URL: "trackID=0", Seq: u16(0), RTPTime: u32(4294967295)}},
			"url=trackID=0;seq=0;rtptime=4294967295",
		},
	} {
		got, err := ParseRTPInfo(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.out, got.String(), tc.in)
		again, err := ParseRTPInfo(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again, tc.in)
	}
	for _, in := range []string{
		"", ",", "seq=1", "url=", `url="unterminated`, `url="a"b`, `url=a"b`,
		"url=a;seq=x", "url=a;seq=99999999999", "url=a;rtptime=4294967296", "url=a;ssrc=123456789",
		"url=a\x00", "url=a;seq=1 2",
	} {
		_, err := ParseRTPInfo(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
	_, err := ParseRTPInfo(strings.Repeat("url=a,", maxRTPInfoEntries+1))
	require.ErrorIs(t, err, ErrMalformed)
}

func TestParseMethods(t *testing.T) {
	ms, err := ParseMethods("DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE") // RFC 2326 §10.1
	require.NoError(t, err)
	require.Equal(t, Methods{Describe, Setup, Teardown, Play, Pause}, ms)
	require.True(t, ms.Has(Play))
	require.False(t, ms.Has(Record))
	require.Equal(t, "DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE", ms.String())

	ms, err = ParseMethods("OPTIONS,DESCRIBE,, GET_PARAMETER ,X-EXT")
	require.NoError(t, err)
	require.Equal(t, Methods{Options, Describe, GetParameter, "X-EXT"}, ms)
	again, err := ParseMethods(ms.String())
	require.NoError(t, err)
	require.Equal(t, ms, again)

	ms, err = ParseMethods("")
	require.NoError(t, err)
	require.Empty(t, ms)

	for _, in := range []string{"PLAY PAUSE", "$X", "A;B", "a\x00"} {
		_, err := ParseMethods(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
	require.True(t, Options.Valid())
	require.False(t, Method("").Valid())
	require.False(t, Method("$A").Valid())
}

func TestParseCSeq(t *testing.T) {
	for in, want := range map[string]uint32{"0": 0, "1": 1, " 42 ": 42, "4294967295": 4294967295, "007": 7} {
		got, err := ParseCSeq(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"", "-1", "+1", "1.0", "4294967296", "99999999999", "abc", "1 2"} {
		_, err := ParseCSeq(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func TestStatusText(t *testing.T) {
	codes := []int{100, 200, 201, 250, 300, 301, 302, 303, 304, 305,
		400, 401, 402, 403, 404, 405, 406, 407, 408, 410, 411, 412, 413, 414, 415,
		451, 452, 453, 454, 455, 456, 457, 458, 459, 460, 461, 462,
		500, 501, 502, 503, 504, 505, 551}
	for _, c := range codes {
		require.NotEmpty(t, StatusText(c), c)
	}
	require.Len(t, statusText, len(codes))
	require.Equal(t, "Session Not Found", StatusText(StatusSessionNotFound))
	require.Equal(t, "Unsupported transport", StatusText(StatusUnsupportedTransport))
	require.Equal(t, "RTSP Version not supported", StatusText(StatusRTSPVersionNotSupported))
	require.Equal(t, "", StatusText(409))
	require.Equal(t, "", StatusText(0))
}
