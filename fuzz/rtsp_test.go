package fuzz

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rtspkit/rtspkit/rtsp"
)

// rtspLimits are small so that the fuzzer reaches every limit quickly.
var rtspLimits = rtsp.Limits{MaxLineBytes: 512, MaxHeaderCount: 16, MaxHeaderBytes: 2048, MaxBodyBytes: 4096}

// rtspRequestSeeds are requests players send (ffmpeg, VLC/live555,
// GStreamer) and those of the RFC 2326 examples.
var rtspRequestSeeds = []string{
	"OPTIONS rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf61.7.100\r\n\r\n",
	"DESCRIBE rtsp://127.0.0.1:8554/test RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf61.7.100\r\n\r\n",
	"SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\nTransport: RTP/AVP/UDP;unicast;client_port=18578-18579\r\nCSeq: 3\r\nUser-Agent: Lavf61.7.100\r\n\r\n",
	"SETUP rtsp://h:8554/test/trackID=1 RTSP/1.0\r\nCSeq: 4\r\nUser-Agent: LibVLC/3.0.20 (LIVE555 Streaming Media v2016.11.28)\r\nTransport: RTP/AVP/TCP;unicast;interleaved=2-3\r\nSession: 2B0E8E7A\r\n\r\n",
	"PLAY rtsp://127.0.0.1:8554/test/ RTSP/1.0\r\nRange: npt=0.000-\r\nCSeq: 5\r\nUser-Agent: Lavf61.7.100\r\nSession: 2B0E8E7A\r\n\r\n",
	"ANNOUNCE rtsp://h/live RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\nContent-Length: 17\r\n\r\nv=0\r\ns=Stream\r\nt=",
	"OPTIONS * RTSP/1.0\nCSeq: 1\nRequire: implicit-play\n\n",
	"SETUP rtsp://foo.com/test.wav/streamid=0 RTSP/1.0\r\nTransport: RTP/AVP/UDP;unicast;\r\n  client_port=6970-6971;mode=play\r\nCSeq: 2\r\n\r\n",
	"GET_PARAMETER rtsp://h/live RTSP/2.0\r\nCSeq: 9\r\nSession: abc;timeout=60\r\nContent-Length: 0\r\n\r\n",
	"TEARDOWN rtsp://u:p@h/live?token=x/trackID=0 RTSP/1.0\r\nCSeq: 10\r\n\r\n",
	"\r\nPAUSE /live RTSP/1.0\r\nCSeq : 6\r\n\r\n",
}

var rtspResponseSeeds = []string{
	"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER\r\n\r\n",
	"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://h/test/\r\nContent-Type: application/sdp\r\nContent-Length: 10\r\n\r\nv=0\r\no=- 1",
	"RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;client_port=8000-8001;\r\n  server_port=9000-9001\r\nSession: 12345678;timeout=60\r\n\r\n",
	"RTSP/1.0 200 OK\r\nCSeq: 4\r\nRange: npt=0-\r\nRTP-Info: url=rtsp://foo/twister/video;seq=9810092;rtptime=3450012\r\n\r\n",
	"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"cam\", nonce=\"abc\"\r\n\r\n",
	"RTSP/1.0 460 Only aggregate operation allowed\nCSeq: 5\n\n",
	"RTSP/1.0 304 Not Modified\r\nContent-Length: 3\r\n\r\n",
	"RTSP/2.0 200\r\n\r\n",
}

// rtspCheckHeaders compares headers as the wire carries them: Write
// derives Content-Length from the body.
func rtspCheckHeaders(t *testing.T, a, b rtsp.Header) {
	t.Helper()
	a, b = a.Clone(), b.Clone()
	a.Del("Content-Length")
	b.Del("Content-Length")
	if len(a) == 0 && len(b) == 0 {
		return
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("headers differ:\n%q\n%q", a, b)
	}
}

func rtspCheckReadError(t *testing.T, err error) {
	t.Helper()
	for _, want := range []error{rtsp.ErrMalformed, rtsp.ErrLineTooLong, rtsp.ErrTooManyHeaders,
		rtsp.ErrHeaderTooLarge, rtsp.ErrBodyTooLarge, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, want) {
			return
		}
	}
	t.Fatalf("unexpected error %v", err)
}

// FuzzRTSPRequest reads a request: a request that parses writes back to
// bytes that parse to the same request and write to the same bytes.
func FuzzRTSPRequest(f *testing.F) {
	for _, s := range rtspRequestSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := rtsp.ReadRequestLimits(bufio.NewReader(bytes.NewReader(data)), rtspLimits)
		if err != nil {
			rtspCheckReadError(t, err)
			return
		}
		if len(req.Body) > rtspLimits.MaxBodyBytes {
			t.Fatalf("body of %d bytes", len(req.Body))
		}
		var w1 bytes.Buffer
		if err := req.Write(&w1); err != nil {
			t.Fatalf("write %q: %v", data, err)
		}
		again, err := rtsp.ReadRequest(bufio.NewReader(bytes.NewReader(w1.Bytes())))
		if err != nil {
			t.Fatalf("%q -> %q: %v", data, w1.Bytes(), err)
		}
		u := *req.URL
		u.User = nil
		if again.Method != req.Method || again.Proto != req.Proto || again.URL.String() != u.String() ||
			!bytes.Equal(again.Body, req.Body) {
			t.Fatalf("%q -> %q: %v != %v", data, w1.Bytes(), again, req)
		}
		rtspCheckHeaders(t, req.Header, again.Header)
		var w2 bytes.Buffer
		if err := again.Write(&w2); err != nil || !bytes.Equal(w1.Bytes(), w2.Bytes()) {
			t.Fatalf("not stable: %q / %q (%v)", w1.Bytes(), w2.Bytes(), err)
		}
	})
}

// FuzzRTSPResponse reads a response, as FuzzRTSPRequest.
func FuzzRTSPResponse(f *testing.F) {
	for _, s := range rtspResponseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := rtsp.ReadResponseLimits(bufio.NewReader(bytes.NewReader(data)), rtspLimits)
		if err != nil {
			rtspCheckReadError(t, err)
			return
		}
		var w1 bytes.Buffer
		if err := resp.Write(&w1); err != nil {
			t.Fatalf("write %q: %v", data, err)
		}
		again, err := rtsp.ReadResponse(bufio.NewReader(bytes.NewReader(w1.Bytes())))
		if err != nil {
			t.Fatalf("%q -> %q: %v", data, w1.Bytes(), err)
		}
		if again.StatusCode != resp.StatusCode || again.Proto != resp.Proto || !bytes.Equal(again.Body, resp.Body) {
			t.Fatalf("%q -> %q", data, w1.Bytes())
		}
		if resp.Reason != "" && again.Reason != resp.Reason {
			t.Fatalf("reason %q -> %q", resp.Reason, again.Reason)
		}
		rtspCheckHeaders(t, resp.Header, again.Header)
		var w2 bytes.Buffer
		if err := again.Write(&w2); err != nil || !bytes.Equal(w1.Bytes(), w2.Bytes()) {
			t.Fatalf("not stable: %q / %q (%v)", w1.Bytes(), w2.Bytes(), err)
		}
	})
}

// FuzzRTSPInterleaved runs the connection Reader over arbitrary bytes:
// every Read consumes input or fails, frames stay within 64 KiB, and every
// message read can be written.
func FuzzRTSPInterleaved(f *testing.F) {
	mixed := []byte("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
	mixed = append(rtsp.AppendInterleavedHeader(mixed, 0, 4), 0x80, 0x60, 0, 1)
	mixed = append(mixed, "\r\nRTSP/1.0 200 OK\r\nCSeq: 7\r\nContent-Length: 2\r\n\r\n$x"...)
	mixed = rtsp.AppendInterleavedHeader(mixed, 1, 0)
	f.Add(mixed)
	f.Add([]byte("$\x00\x00\x0c\x80\x60\x00\x01\x00\x00\x00\x00\x12\x34\x56\x78$\x01\x00"))
	for _, s := range rtspRequestSeeds[:3] {
		f.Add([]byte(s))
	}
	f.Add([]byte(rtspResponseSeeds[1]))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		rd := rtsp.NewReader(r, rtspLimits)
		for i := 0; ; i++ {
			before := r.Len() + rd.BufReader().Buffered()
			m, err := rd.Read()
			if err != nil {
				rtspCheckReadError(t, err)
				return
			}
			if r.Len()+rd.BufReader().Buffered() >= before {
				t.Fatalf("Read consumed nothing")
			}
			switch m.Kind {
			case rtsp.KindFrame:
				if len(m.Payload) > rtsp.MaxInterleavedPayload {
					t.Fatalf("payload of %d bytes", len(m.Payload))
				}
			case rtsp.KindRequest:
				if err := m.Request.Write(io.Discard); err != nil {
					t.Fatal(err)
				}
			case rtsp.KindResponse:
				if err := m.Response.Write(io.Discard); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("kind %d", m.Kind)
			}
		}
	})
}

// FuzzRTSPTransport parses Transport values: a list that parses formats to
// a value that parses to the same list.
func FuzzRTSPTransport(f *testing.F) {
	for _, s := range []string{
		"RTP/AVP/UDP;unicast;client_port=18578-18579",
		"RTP/AVP/TCP;unicast;interleaved=0-1",
		`RTP/AVP;multicast;ttl=127;mode="PLAY", RTP/AVP;unicast;client_port=3456-3457;mode="PLAY"`,
		"RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16",
		"rtp/avp/udp;client_port=6970-6971;mode=play;append;layers=2;source=10.0.0.1",
		`RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0A13F4E1;mode="PLAY,RECORD";dest_addr=":5000";RTCP-mux`,
		"RTP/SAVP;unicast;client_port=5000;ssrc=1f;destination;x=\"a,b;c\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := rtsp.ParseTransports(s)
		if err != nil {
			if !errors.Is(err, rtsp.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		out := rtsp.FormatTransports(ts)
		back, err := rtsp.ParseTransports(out)
		if err != nil {
			t.Fatalf("%q -> %q: %v", s, out, err)
		}
		if !reflect.DeepEqual(ts, back) {
			t.Fatalf("%q -> %q:\n%+v\n%+v", s, out, ts, back)
		}
		if out2 := rtsp.FormatTransports(back); out2 != out {
			t.Fatalf("not stable: %q / %q", out, out2)
		}
	})
}

// FuzzRTSPSession parses Session values.
func FuzzRTSPSession(f *testing.F) {
	for _, s := range []string{"12345678", "47112344;timeout=60", " abc$-_.+XYZ ; Timeout = 30 ", "F3D7A0B2;foo=bar;timeout=5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sess, err := rtsp.ParseSession(s)
		if err != nil {
			if !errors.Is(err, rtsp.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		back, err := rtsp.ParseSession(sess.String())
		if err != nil || back != sess {
			t.Fatalf("%q -> %q: %+v %+v %v", s, sess.String(), sess, back, err)
		}
	})
}

// FuzzRTSPRange parses Range values.
func FuzzRTSPRange(f *testing.F) {
	for _, s := range []string{
		"npt=0-", "npt=0.000-", "npt=now-", "npt=123.45-125", "npt=12:05:35.3-", "npt=-30",
		"npt=0-10;time=19970123T143720Z", "clock=19961108T142300Z-19961108T143520Z",
		"smpte-25=10:07:00-10:07:33:05.01", "npt=0.0000000019-1:00:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := rtsp.ParseRange(s)
		if err != nil {
			if !errors.Is(err, rtsp.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		if r.Unit == "npt" && r.Start == nil && r.End == nil {
			t.Fatalf("%q: npt range without ends", s)
		}
		for _, e := range []*rtsp.NPTTime{r.Start, r.End} {
			if e != nil && e.Offset < 0 {
				t.Fatalf("%q: negative time", s)
			}
		}
		back, err := rtsp.ParseRange(r.String())
		if err != nil || !reflect.DeepEqual(r, back) {
			t.Fatalf("%q -> %q: %+v %+v %v", s, r.String(), r, back, err)
		}
	})
}

// FuzzRTSPRTPInfo parses RTP-Info values.
func FuzzRTSPRTPInfo(f *testing.F) {
	for _, s := range []string{
		"url=rtsp://foo.com/bar.avi/streamid=0;seq=45102, url=rtsp://foo.com/bar.avi/streamid=1;seq=30211",
		"url=rtsp://video.example.com/twister/video; seq=12312232;rtptime=78712811",
		"url=rtsp://cam/live;stream=1,ch=2/trackID=0;seq=1;rtptime=2,url=rtsp://cam/live;stream=1,ch=2/trackID=1;seq=3",
		`URL="rtsp://h/x/trackID=0";SSRC=0A13F4E1;Seq=7;x=1`,
		"url=trackID=0;seq=0;rtptime=4294967295,",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := rtsp.ParseRTPInfo(s)
		if err != nil {
			if !errors.Is(err, rtsp.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		back, err := rtsp.ParseRTPInfo(info.String())
		if err != nil || !reflect.DeepEqual(info, back) {
			t.Fatalf("%q -> %q: %+v %+v %v", s, info.String(), info, back, err)
		}
	})
}

// FuzzRTSPPublic parses Public lists and CSeq values.
func FuzzRTSPPublic(f *testing.F) {
	for _, s := range []string{
		"DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE",
		"OPTIONS,DESCRIBE,, GET_PARAMETER ,X-EXT",
		"1", " 42 ", "4294967295", "4294967296",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := rtsp.ParseCSeq(s); err == nil {
			back, err := rtsp.ParseCSeq(strings.TrimSpace(s))
			if err != nil || back != n {
				t.Fatalf("CSeq %q: %d %d %v", s, n, back, err)
			}
		} else if !errors.Is(err, rtsp.ErrMalformed) {
			t.Fatal(err)
		}
		ms, err := rtsp.ParseMethods(s)
		if err != nil {
			if !errors.Is(err, rtsp.ErrMalformed) {
				t.Fatal(err)
			}
			return
		}
		for _, m := range ms {
			if !m.Valid() {
				t.Fatalf("%q: invalid method %q", s, m)
			}
		}
		back, err := rtsp.ParseMethods(ms.String())
		if err != nil || !reflect.DeepEqual(ms, back) {
			t.Fatalf("%q -> %q: %v %v %v", s, ms.String(), ms, back, err)
		}
	})
}

// rtspSimpleControl reports whether a control is of the form servers
// generate ("trackID=0", "track1", "stream=1").
func rtspSimpleControl(c string) bool {
	if c == "" || c == "*" {
		return false
	}
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '=', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// FuzzRTSPControlURL resolves control attributes against a base and
// matches the result against a mount: a simple control resolved against
// the aggregate URL of a mount is recognised as that track, and no match
// ever returns a control holding NUL or a ".." segment.
func FuzzRTSPControlURL(f *testing.F) {
	f.Add("rtsp://127.0.0.1:8554/test/", "trackID=0", "test")
	f.Add("rtsp://127.0.0.1:8554/test", "trackID=1", "/test/")
	f.Add("rtsp://h/live?token=abc", "track1", "live")
	f.Add("rtsp://h/live/cam1", "rtsp://h/live/cam1/stream=0", "live/cam1")
	f.Add("rtsp://h/live", "?ctype=video", "live")
	f.Add("rtsp://h/te%73t/", "*", "test")
	f.Add("rtsp://h/test/../x", "/trackID=0", "test")
	f.Fuzz(func(t *testing.T, base, control, mount string) {
		bu, err := url.Parse(base)
		if err != nil {
			return
		}
		rtspCheckMatch(t, bu, mount)
		u, err := rtsp.ResolveControl(bu, control)
		if err != nil {
			return
		}
		got := rtspCheckMatch(t, u, mount)
		agg, err := rtsp.MatchMount(bu, mount)
		if err == nil && agg == "" && rtspSimpleControl(control) && bu.Fragment == "" && bu.Opaque == "" &&
			(bu.Scheme != "" && bu.Host != "") && bu.User == nil && !strings.Contains(bu.RawQuery, "#") {
			if got != control {
				t.Fatalf("base %q control %q mount %q: resolved %q matched %q", base, control, mount, u, got)
			}
		}
	})
}

func rtspCheckMatch(t *testing.T, u *url.URL, mount string) string {
	t.Helper()
	c, err := rtsp.MatchMount(u, mount)
	if err != nil {
		if !errors.Is(err, rtsp.ErrBadPath) && !errors.Is(err, rtsp.ErrNotMount) {
			t.Fatal(err)
		}
		return ""
	}
	if strings.IndexByte(c, 0) >= 0 {
		t.Fatalf("%q: control with NUL", u)
	}
	for _, seg := range strings.Split(c, "/") {
		if seg == ".." {
			t.Fatalf("%q: control %q with ..", u, c)
		}
	}
	return c
}

// FuzzTunnel feeds the RTSP-over-HTTP parsers what a client sends on a
// tunnel connection: the head of its GET or POST, then (for a POST) the
// base64 body. Nothing may panic, and a body made of messages encoded one
// by one (padding in the middle), cut with line breaks, decodes back to
// the messages.
func FuzzTunnel(f *testing.F) {
	f.Add([]byte("GET /test HTTP/1.0\r\nx-sessioncookie: 5b5c8ed2\r\nAccept: application/x-rtsp-tunnelled\r\n\r\n"), 3)
	f.Add([]byte("POST /test HTTP/1.0\r\nx-sessioncookie: 5b5c8ed2\r\nContent-Length: 32767\r\n\r\nT1BUSU9OUyBydHNwOi8vaC90ZXN0IFJUU1AvMS4wDQpDU2VxOiAxDQoNCg=="), 7)
	f.Add([]byte("POST / HTTP/1.1\r\nx-sessioncookie: a\r\n\r\nQQ==QkM=\r\nRA"), 1)
	f.Add([]byte("GET_PARAMETER rtsp://h/ RTSP/1.0\r\n\r\n"), 0)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 512)
		if req, err := rtsp.ReadTunnelRequest(br); err == nil {
			if req.Cookie == "" || (req.Method != "GET" && req.Method != "POST") {
				t.Fatalf("accepted %+v", req)
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(rtsp.NewTunnelReader(br), 1<<20))
		}
		// Round trip: data as two messages encoded on their own.
		if cut < 0 {
			cut = -cut
		}
		k := 0
		if len(data) > 0 {
			k = cut % (len(data) + 1)
		}
		enc := base64.StdEncoding.EncodeToString(data[:k]) + base64.StdEncoding.EncodeToString(data[k:])
		if len(enc) > 10 {
			enc = enc[:7] + "\r\n" + enc[7:]
		}
		got, err := io.ReadAll(rtsp.NewTunnelReader(bufio.NewReader(strings.NewReader(enc))))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip of %q: %q, %v", data, got, err)
		}
	})
}
