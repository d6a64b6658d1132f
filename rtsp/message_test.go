package rtsp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// crlf turns the LF line ends of a readable literal into CRLF.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func readReq(t *testing.T, s string) *Request {
	t.Helper()
	req, err := ReadRequest(bufio.NewReader(strings.NewReader(s)))
	require.NoError(t, err)
	return req
}

func readResp(t *testing.T, s string) *Response {
	t.Helper()
	resp, err := ReadResponse(bufio.NewReader(strings.NewReader(s)))
	require.NoError(t, err)
	return resp
}

// The sample sessions of RFC 2326 §10.1 and §14.2 (container file,
// aggregate control), with Content-Length set to the real body length.
func TestReadRFC2326Requests(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		method Method
		url    string
		header Header
	}{
		{
			name:   "OPTIONS * (§10.1)",
			in:     "OPTIONS * RTSP/1.0\nCSeq: 1\nRequire: implicit-play\nProxy-Require: gzipped-messages\n\n",
			method: Options, url: "*",
			header: Header{"CSeq": {"1"}, "Require": {"implicit-play"}, "Proxy-Require": {"gzipped-messages"}},
		},
		{
			name:   "DESCRIBE (§14.2)",
			in:     "DESCRIBE rtsp://foo/twister RTSP/1.0\nCSeq: 1\n\n",
			method: Describe, url: "rtsp://foo/twister",
			header: Header{"CSeq": {"1"}},
		},
		{
			name:   "SETUP with Transport (§14.2)",
			in:     "SETUP rtsp://foo/twister/audio RTSP/1.0\nCSeq: 2\nTransport: RTP/AVP;unicast;client_port=8000-8001\n\n",
			method: Setup, url: "rtsp://foo/twister/audio",
			header: Header{"CSeq": {"2"}, "Transport": {"RTP/AVP;unicast;client_port=8000-8001"}},
		},
		{
			name:   "PLAY with Range (§14.2)",
			in:     "PLAY rtsp://foo/twister RTSP/1.0\nCSeq: 4\nRange: npt=0-\nSession: 12345678\n\n",
			method: Play, url: "rtsp://foo/twister",
			header: Header{"CSeq": {"4"}, "Range": {"npt=0-"}, "Session": {"12345678"}},
		},
		{
			name:   "PAUSE (§14.2)",
			in:     "PAUSE rtsp://foo/twister/video RTSP/1.0\nCSeq: 5\nSession: 12345678\n\n",
			method: Pause, url: "rtsp://foo/twister/video",
			header: Header{"CSeq": {"5"}, "Session": {"12345678"}},
		},
		{
			name:   "TEARDOWN (§14.1)",
			in:     "TEARDOWN rtsp://audio.example.com/twister/audio.en RTSP/1.0\nCSeq: 3\nSession: 12345678\n\n",
			method: Teardown, url: "rtsp://audio.example.com/twister/audio.en",
			header: Header{"CSeq": {"3"}, "Session": {"12345678"}},
		},
		{
			name: "SETUP with folded Transport (§14.3)",
			in: "SETUP rtsp://foo.com/test.wav/streamid=0 RTSP/1.0\n" +
				"Transport: RTP/AVP/UDP;unicast;\n           client_port=6970-6971;mode=play\nCSeq: 2\n\n",
			method: Setup, url: "rtsp://foo.com/test.wav/streamid=0",
			header: Header{"CSeq": {"2"}, "Transport": {"RTP/AVP/UDP;unicast; client_port=6970-6971;mode=play"}},
		},
		{
			name: "ffmpeg SETUP",
			in:   ffmpegSetup,
			url:  "rtsp://127.0.0.1:8554/test/trackID=0", method: Setup,
			header: Header{"CSeq": {"3"}, "Transport": {"RTP/AVP/UDP;unicast;client_port=18578-18579"}, "User-Agent": {"Lavf61.7.100"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lf := strings.ReplaceAll(tc.in, "\r\n", "\n")
			for _, in := range []string{crlf(tc.in), lf} { // CRLF and LF-only
				req := readReq(t, in)
				require.Equal(t, tc.method, req.Method)
				require.Equal(t, tc.url, req.URL.String())
				require.Equal(t, Proto10, req.Proto)
				require.Equal(t, tc.header, req.Header)
				require.Empty(t, req.Body)
			}
		})
	}
}

const ffmpegSetup = "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\n" +
	"Transport: RTP/AVP/UDP;unicast;client_port=18578-18579\r\n" +
	"CSeq: 3\r\nUser-Agent: Lavf61.7.100\r\n\r\n"

const rfcSDP = "v=0\r\n" +
	"o=- 2890844256 2890842807 IN IP4 172.16.2.93\r\n" +
	"s=RTSP Session\r\n" +
	"i=An Example of RTSP Session Usage\r\n" +
	"a=control:rtsp://foo/twister\r\n" +
	"t=0 0\r\n" +
	"m=audio 0 RTP/AVP 0\r\n" +
	"a=control:rtsp://foo/twister/audio\r\n" +
	"m=video 0 RTP/AVP 26\r\n" +
	"a=control:rtsp://foo/twister/video\r\n"

func TestReadRFC2326Responses(t *testing.T) {
	t.Run("DESCRIBE response with body (§14.2)", func(t *testing.T) {
		in := fmt.Sprintf("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(rfcSDP), rfcSDP)
		resp := readResp(t, in+"RTSP/1.0 200 OK\r\n") // trailing bytes stay unread
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "OK", resp.Reason)
		require.Equal(t, "application/sdp", resp.Header.Get("content-type"))
		require.Equal(t, rfcSDP, string(resp.Body))
		cseq, err := resp.CSeq()
		require.NoError(t, err)
		require.EqualValues(t, 1, cseq)
	})
	t.Run("SETUP response with folded Transport (§14.2)", func(t *testing.T) {
		resp := readResp(t, crlf("RTSP/1.0 200 OK\nCSeq: 2\nTransport: RTP/AVP;unicast;client_port=8000-8001;\n           server_port=9000-9001\nSession: 12345678\n\n"))
		require.Equal(t, "RTP/AVP;unicast;client_port=8000-8001; server_port=9000-9001", resp.Header.Get("Transport"))
		ts, err := ParseTransports(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.Equal(t, &PortRange{9000, 9001}, ts[0].ServerPort)
	})
	t.Run("PLAY response with RTP-Info (§14.2)", func(t *testing.T) {
		resp := readResp(t, crlf("RTSP/1.0 200 OK\nCSeq: 4\nSession: 12345678\nRTP-Info: url=rtsp://foo/twister/video;\n  seq=9810092;rtptime=3450012\n\n"))
		info, err := ParseRTPInfo(resp.Header.Get("rtp-info"))
		require.NoError(t, err)
		require.Len(t, info, 1)
		require.Equal(t, "rtsp://foo/twister/video", info[0].URL)
		require.EqualValues(t, 9810092&0xffff, *info[0].Seq)
		require.EqualValues(t, 3450012, *info[0].RTPTime)
	})
	t.Run("460 (§14.2)", func(t *testing.T) {
		resp := readResp(t, crlf("RTSP/1.0 460 Only aggregate operation allowed\nCSeq: 5\n\n"))
		require.Equal(t, StatusOnlyAggregateOperationAllowed, resp.StatusCode)
		require.Equal(t, "Only aggregate operation allowed", resp.Reason)
	})
	t.Run("reason with digits (§14.5 typo)", func(t *testing.T) {
		resp := readResp(t, crlf("RTSP/1.0 200 1 OK\nContent-type: application/sdp\nContent-Length: 3\n\nv=0"))
		require.Equal(t, "1 OK", resp.Reason)
		require.Equal(t, "v=0", string(resp.Body))
	})
	t.Run("Content-base lower case (§14.3)", func(t *testing.T) {
		resp := readResp(t, crlf("RTSP/1.0 200 OK\nCSeq: 1\nContent-base: rtsp://foo.com/test.wav/\nContent-length: 0\n\n"))
		u, err := ParseContentBase(resp.Header.Get("Content-Base"))
		require.NoError(t, err)
		require.Equal(t, "rtsp://foo.com/test.wav/", u.String())
	})
	t.Run("no reason phrase", func(t *testing.T) {
		resp := readResp(t, "RTSP/1.0 404\r\nCSeq: 9\r\n\r\n")
		require.Equal(t, 404, resp.StatusCode)
		require.Equal(t, "", resp.Reason)
	})
	t.Run("1xx and 304 have no body", func(t *testing.T) {
		for _, code := range []int{100, 304} {
			br := bufio.NewReader(strings.NewReader(fmt.Sprintf("RTSP/1.0 %d X\r\nContent-Length: 4\r\n\r\nRTSP/1.0 200 OK\r\n\r\n", code)))
			resp, err := ReadResponse(br)
			require.NoError(t, err)
			require.Empty(t, resp.Body)
			resp, err = ReadResponse(br)
			require.NoError(t, err)
			require.Equal(t, 200, resp.StatusCode)
		}
	})
}

func TestReadRequestForms(t *testing.T) {
	t.Run("RTSP/2.0 and other versions are returned for the server to judge", func(t *testing.T) {
		require.Equal(t, Proto20, readReq(t, "OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n").Proto)
		require.Equal(t, "RTSP/1.1", readReq(t, "OPTIONS * RTSP/1.1\r\nCSeq: 1\r\n\r\n").Proto)
	})
	t.Run("leading empty lines are skipped", func(t *testing.T) {
		req := readReq(t, "\r\n\r\n\nOPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n\r\n")
		require.Equal(t, Options, req.Method)
	})
	t.Run("space before colon and repeated fields", func(t *testing.T) {
		req := readReq(t, "OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq : 1\r\nVia: a\r\nvia:b\r\n\r\n")
		require.Equal(t, "1", req.Header.Get("CSeq"))
		require.Equal(t, []string{"a", "b"}, req.Header.Values("Via"))
	})
	t.Run("empty value", func(t *testing.T) {
		req := readReq(t, "OPTIONS rtsp://h/ RTSP/1.0\r\nX-Empty:\r\n\r\n")
		require.Equal(t, []string{""}, req.Header.Values("X-Empty"))
	})
	t.Run("GET_PARAMETER * keep-alive with body", func(t *testing.T) {
		req := readReq(t, "GET_PARAMETER * RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 7\r\n\r\npacket\n")
		require.Equal(t, GetParameter, req.Method)
		require.Equal(t, "packet\n", string(req.Body))
	})
	t.Run("bare path", func(t *testing.T) {
		require.Equal(t, "/live", readReq(t, "DESCRIBE /live RTSP/1.0\r\n\r\n").URL.Path)
	})
	t.Run("extension method", func(t *testing.T) {
		require.Equal(t, Method("FLUSH"), readReq(t, "FLUSH rtsp://h/x RTSP/1.0\r\n\r\n").Method)
	})
	t.Run("body without Content-Length is empty", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader("ANNOUNCE rtsp://h/x RTSP/1.0\r\nCSeq: 1\r\n\r\nOPTIONS * RTSP/1.0\r\n\r\n"))
		req, err := ReadRequest(br)
		require.NoError(t, err)
		require.Empty(t, req.Body)
		req, err = ReadRequest(br)
		require.NoError(t, err)
		require.Equal(t, Options, req.Method)
	})
}

func TestReadMalformed(t *testing.T) {
	for _, in := range []string{
		"OPTIONS\r\n\r\n",
		"OPTIONS *\r\n\r\n",
		"OPTIONS * RTSP/1.0 extra\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\n\r\n",
		"OPTIONS * RTSP/1\r\n\r\n",
		"OPTIONS * RTSP/x.y\r\n\r\n",
		"SETUP * RTSP/1.0\r\n\r\n",
		"$ETUP rtsp://h/ RTSP/1.0\r\n\r\n",
		"SE(TUP rtsp://h/ RTSP/1.0\r\n\r\n",
		"SETUP http://h/ RTSP/1.0\r\n\r\n",
		"SETUP rtsp:///x RTSP/1.0\r\n\r\n",
		"SETUP relative/x RTSP/1.0\r\n\r\n",
		"SETUP rtsp://h/%zz RTSP/1.0\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\n no field yet\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nNoColon\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nBad Name: v\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\n: v\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nX: a\x00b\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nContent-Length: -1\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nContent-Length: 1x\r\n\r\n",
		"SETUP rtsp://h/ RTSP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"SETUP rtsp://h/ RTSP/1.0\r\nContent-Length:\r\n\r\n",
	} {
		_, err := ReadRequest(bufio.NewReader(strings.NewReader(in)))
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
		require.Equal(t, StatusBadRequest, StatusForError(err))
	}
	for _, in := range []string{
		"RTSP/1.0 20 OK\r\n\r\n",
		"RTSP/1.0 2000 OK\r\n\r\n",
		"RTSP/1.0 099 OK\r\n\r\n",
		"RTSP/1.0 abc OK\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\n",
		"RTSP/1.0 200 O\x01K\r\n\r\n",
	} {
		_, err := ReadResponse(bufio.NewReader(strings.NewReader(in)))
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func TestReadEOF(t *testing.T) {
	_, err := ReadRequest(bufio.NewReader(strings.NewReader("")))
	require.Equal(t, io.EOF, err)
	_, err = ReadRequest(bufio.NewReader(strings.NewReader("\r\n\r\n")))
	require.Equal(t, io.EOF, err)
	for _, in := range []string{
		"OPTIONS * RTSP/1.0",
		"OPTIONS * RTSP/1.0\r\n",
		"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n",
		"OPTIONS * RTSP/1.0\r\nContent-Length: 10\r\n\r\nabc",
	} {
		_, err := ReadRequest(bufio.NewReader(strings.NewReader(in)))
		require.Equal(t, io.ErrUnexpectedEOF, err, "%q", in)
		require.Zero(t, StatusForError(err))
	}
}

func TestCSeq(t *testing.T) {
	req := readReq(t, "OPTIONS * RTSP/1.0\r\nCSeq: 42\r\n\r\n")
	n, err := req.CSeq()
	require.NoError(t, err)
	require.EqualValues(t, 42, n)

	req = readReq(t, "OPTIONS * RTSP/1.0\r\n\r\n")
	_, err = req.CSeq()
	require.ErrorIs(t, err, ErrMalformed)

	req = readReq(t, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n")
	_, err = req.CSeq()
	require.ErrorIs(t, err, ErrMalformed)

	req = readReq(t, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 1\r\n\r\n")
	n, err = req.CSeq()
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
}

func TestWriteRequest(t *testing.T) {
	u, _ := url.Parse("rtsp://user:pass@127.0.0.1:8554/test/trackID=0")
	req := &Request{
		Method: Setup,
		URL:    u,
		Header: Header{"Transport": {"RTP/AVP/UDP;unicast;client_port=18578-18579"}, "CSeq": {"3"}, "User-Agent": {"Lavf61.7.100"}},
	}
	var b bytes.Buffer
	require.NoError(t, req.Write(&b))
	require.Equal(t, "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\n"+
		"CSeq: 3\r\n"+
		"Transport: RTP/AVP/UDP;unicast;client_port=18578-18579\r\n"+
		"User-Agent: Lavf61.7.100\r\n\r\n", b.String())
	require.Equal(t, "user", u.User.Username(), "Write must not modify the URL")

	star := &Request{Method: Options, URL: &url.URL{Path: "*"}, Header: Header{"CSeq": {"1"}}}
	b.Reset()
	require.NoError(t, star.Write(&b))
	require.Equal(t, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", b.String())
	require.Equal(t, "OPTIONS * RTSP/1.0", star.String())

	require.Error(t, (&Request{Method: "BAD METHOD", URL: u}).Write(io.Discard))
	require.Error(t, (&Request{Method: Options}).Write(io.Discard))
	require.Error(t, (&Request{Method: Options, URL: u, Proto: "HTTP/1.1"}).Write(io.Discard))
	require.Error(t, (&Request{Method: Options, URL: &url.URL{Scheme: "rtsp", Host: "h", RawQuery: "a b"}}).Write(io.Discard))
}

func TestWriteResponse(t *testing.T) {
	req := readReq(t, "DESCRIBE rtsp://h/x RTSP/1.0\r\nCSeq: 5\r\n\r\n")
	resp := NewResponse(req, StatusOK)
	resp.Header.Set("Content-Type", "application/sdp")
	resp.Header.Set("Content-Base", "rtsp://h/x/")
	resp.Body = []byte(rfcSDP)
	var b bytes.Buffer
	require.NoError(t, resp.Write(&b))
	want := fmt.Sprintf("RTSP/1.0 200 OK\r\nCSeq: 5\r\nContent-Base: rtsp://h/x/\r\nContent-Length: %d\r\nContent-Type: application/sdp\r\n\r\n%s", len(rfcSDP), rfcSDP)
	require.Equal(t, want, b.String())
	require.Equal(t, "RTSP/1.0 200 OK", resp.String())

	// Reason defaults to StatusText; control characters cannot break the line.
	b.Reset()
	require.NoError(t, (&Response{StatusCode: 454}).Write(&b))
	require.Equal(t, "RTSP/1.0 454 Session Not Found\r\n\r\n", b.String())
	b.Reset()
	require.NoError(t, (&Response{StatusCode: 200, Reason: "O\r\nK"}).Write(&b))
	require.Equal(t, "RTSP/1.0 200 O  K\r\n\r\n", b.String())

	require.Error(t, (&Response{StatusCode: 20}).Write(io.Discard))
	require.Error(t, (&Response{StatusCode: 200, Proto: "HTTP/1.0"}).Write(io.Discard))
}

func TestWriteLargeBody(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100_000)
	resp := &Response{StatusCode: 200, Header: Header{"CSeq": {"1"}}, Body: body}
	var b bytes.Buffer
	require.NoError(t, resp.Write(&b))
	got := readResp(t, b.String())
	require.Equal(t, body, got.Body)
}

func TestRoundTrip(t *testing.T) {
	reqs := []string{
		ffmpegSetup,
		"ANNOUNCE rtsp://h:8554/live RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n",
		"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
		"PLAY rtsp://h/live?token=a/b RTSP/2.0\r\nCSeq: 9\r\nRange: npt=now-\r\nSession: abc;timeout=60\r\n\r\n",
	}
	for _, in := range reqs {
		req := readReq(t, in)
		var b bytes.Buffer
		require.NoError(t, req.Write(&b))
		again := readReq(t, b.String())
		require.Equal(t, req, again)
		var b2 bytes.Buffer
		require.NoError(t, again.Write(&b2))
		require.Equal(t, b.String(), b2.String())
	}
	resp := readResp(t, fmt.Sprintf("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: %d\r\n\r\n%s", len(rfcSDP), rfcSDP))
	var b bytes.Buffer
	require.NoError(t, resp.Write(&b))
	require.Equal(t, resp, readResp(t, b.String()))
}
