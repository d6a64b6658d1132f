package onvif

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// envRequire, set to 1 by make test, turns a missing tool into a failure
// instead of a skip (as in conformance/).
const envRequire = "RTSPKIT_REQUIRE_PLAYERS"

// hang bounds any single wait in these tests: a guard against a hung
// test, never an assertion on speed.
const hang = 60 * time.Second

// needTool returns the path of bin, or skips the test (fails it when
// RTSPKIT_REQUIRE_PLAYERS is 1), naming what provides it.
func needTool(t testing.TB, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found: install %s (make deps does)", bin, pkg)
	if os.Getenv(envRequire) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// sampleAUs returns the access units of the H.264 sample, Annex-B.
func sampleAUs(tb testing.TB) [][]byte {
	data, err := os.ReadFile("../testdata/h264_main_720p.h264")
	require.NoError(tb, err)
	var d h26x.H264AUDetector
	var aus, cur [][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		if d.StartsNewAU(nal) && len(cur) > 0 {
			aus = append(aus, h26x.AppendAnnexB(nil, cur...))
			cur = nil
		}
		cur = append(cur, nal)
	}
	return append(aus, h26x.AppendAnnexB(nil, cur...))
}

// camera starts an rtspkit server on 127.0.0.1 with one H.264 session
// "test" fed with the sample in real time (25 frames a second), stopped
// at the end of the test.
func camera(t *testing.T) (*server.Server, *server.Stream) {
	t.Helper()
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	require.NoError(t, err)
	st, err := srv.NewStream("test", server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	aus := sampleAUs(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if st.WriteVideo(aus[i%len(aus)], uint64(i*40)) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait(); _ = srv.Destroy() })
	return srv, st
}

// serve runs svc on a loopback port until the end of the test and
// returns the listener's address.
func serve(t *testing.T, svc *Service) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
	return ln.Addr().(*net.TCPAddr)
}

// newService returns a Service for cfg served on loopback, and its
// device service URL.
func newService(t *testing.T, cfg Config) (*Service, string) {
	t.Helper()
	svc, err := New(cfg)
	require.NoError(t, err)
	addr := serve(t, svc)
	return svc, "http://" + addr.String() + DevicePath
}

// post sends body to url and returns the status and response body.
func post(t testing.TB, url, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// soap12 wraps an operation and an optional header in a SOAP 1.2
// envelope.
func envelope12(header, op string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` +
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="` + nsDevice + `" xmlns:trt="` + nsMedia + `" xmlns:tt="` + nsSchema + `">` +
		`<s:Header>` + header + `</s:Header><s:Body>` + op + `</s:Body></s:Envelope>`
}

// soapCall posts a SOAP 1.2 request with header and operation.
func soapCall(t testing.TB, url, header, op string) (int, string) {
	t.Helper()
	return post(t, url, "application/soap+xml; charset=utf-8", envelope12(header, op))
}

// wsseHeader returns a wsse:Security header with a PasswordDigest token
// for user and pass, created at created, with a fresh random nonce.
func wsseHeader(user, pass string, created time.Time) string {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	return wsseHeaderNonce(user, pass, created.UTC().Format("2006-01-02T15:04:05.000Z"), nonce)
}

// wsseHeaderNonce is wsseHeader with a given Created text and nonce.
func wsseHeaderNonce(user, pass, created string, nonce []byte) string {
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(pass))
	digest := base64.StdEncoding.EncodeToString(h.Sum(nil))
	return `<wsse:Security xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `" s:mustUnderstand="1"><wsse:UsernameToken>` +
		`<wsse:Username>` + user + `</wsse:Username>` +
		`<wsse:Password Type="` + passwordDigestType + `">` + digest + `</wsse:Password>` +
		`<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">` + base64.StdEncoding.EncodeToString(nonce) + `</wsse:Nonce>` +
		`<wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security>`
}

// parse parses a response body with the package's own parser, failing
// the test when it is not well-formed.
func parse(t testing.TB, body string) *node {
	t.Helper()
	n, err := parseTree(strings.NewReader(body))
	require.NoError(t, err, "response is not well-formed XML:\n%s", body)
	return n
}

// find returns the first descendant of n (or n) with that local name.
func (n *node) find(local string) *node {
	if n == nil {
		return nil
	}
	if n.Local == local {
		return n
	}
	for _, k := range n.Kids {
		if f := k.find(local); f != nil {
			return f
		}
	}
	return nil
}

// findAll returns every descendant of n with that local name.
func (n *node) findAll(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	if n.Local == local {
		out = append(out, n)
	}
	for _, k := range n.Kids {
		out = append(out, k.findAll(local)...)
	}
	return out
}

// faultOf returns the SOAP 1.2 fault code and subcodes of a response, or
// "" when it is not a fault.
func faultOf(t testing.TB, body string) (string, []string) {
	t.Helper()
	f := parse(t, body).find("Fault")
	if f == nil {
		return "", nil
	}
	code := f.child(nsSOAP12, "Code")
	require.NotNil(t, code, body)
	var subs []string
	for sc := code.child(nsSOAP12, "Subcode"); sc != nil; sc = sc.child(nsSOAP12, "Subcode") {
		subs = append(subs, sc.text("Value"))
	}
	return code.text("Value"), subs
}

// ffprobeStream plays uri over RTSP/TCP with ffprobe and returns its
// first stream's codec and size.
func ffprobeStream(t *testing.T, uri string) (codec string, width, height int) {
	t.Helper()
	bin := needTool(t, "ffprobe", "the Debian package ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-v", "error", "-rtsp_transport", "tcp", "-show_streams", "-of", "json", uri).Output()
	require.NoError(t, err, "ffprobe %s: %s", uri, out)
	var res struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
	}
	require.NoError(t, json.Unmarshal(out, &res), "%s", out)
	require.NotEmpty(t, res.Streams, "ffprobe found no stream in %s", uri)
	return res.Streams[0].CodecName, res.Streams[0].Width, res.Streams[0].Height
}

// lines returns the non-empty trimmed lines of b.
func lines(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		if s := strings.TrimSpace(string(l)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
