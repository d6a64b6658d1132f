package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// rtspd -publish takes publishers on any path but its own session's, and
// serves what they announce to players; without -publish, ANNOUNCE is
// refused.
func TestPublishFlag(t *testing.T) {
	sps, pps := h26x.H264ParameterSets(h26x.SplitNALs(nil, testdata(t, "h264_main_720p.h264")))
	s := &sdp.Session{
		Origin: sdp.Origin{Username: "-", SessionID: "1", SessionVersion: "1", NetworkType: "IN", AddressType: "IP4", Address: "127.0.0.1"},
		Name:   "pub", Times: []sdp.Time{{}}, Media: []*sdp.Media{format.NewH264(96, sps, pps).Media("streamid=0")},
	}
	s.Media[0].Type = "video"
	body, err := s.Marshal()
	require.NoError(t, err)

	for _, publish := range []bool{true, false} {
		t.Run(fmt.Sprint("-publish=", publish), func(t *testing.T) {
			t.Parallel()
			// -t ends rtspd: the requests below take milliseconds.
			args := []string{"-port", "-1", "-status", "0", "-host", "127.0.0.1", "-t", "5s"}
			if publish {
				args = append(args, "-publish")
			}
			first, done := startRtspd(t, args...)
			addr := regexp.MustCompile(`rtsp://([0-9.]+:[0-9]+)/test`).FindStringSubmatch(first)
			require.NotNil(t, addr, first)

			nc, err := net.DialTimeout("tcp", addr[1], 10*time.Second)
			require.NoError(t, err)
			defer nc.Close()
			rd := rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{})
			cseq := 0
			do := func(method rtsp.Method, path string, body []byte) int {
				cseq++
				u, err := url.Parse("rtsp://" + addr[1] + path)
				require.NoError(t, err)
				req := &rtsp.Request{Method: method, URL: u, Header: rtsp.Header{}, Body: body}
				req.Header.Set("CSeq", fmt.Sprint(cseq))
				if body != nil {
					req.Header.Set("Content-Type", "application/sdp")
				}
				require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
				require.NoError(t, req.Write(nc))
				m, err := rd.Read()
				require.NoError(t, err)
				require.Equal(t, rtsp.KindResponse, m.Kind)
				return m.Response.StatusCode
			}
			if !publish {
				require.Equal(t, 501, do(rtsp.Announce, "/cam", body))
			} else {
				require.Equal(t, 403, do(rtsp.Announce, "/test", body), "rtspd's own session")
				require.Equal(t, 200, do(rtsp.Announce, "/cam", body))
				require.Equal(t, 200, do(rtsp.Describe, "/cam", nil), "players read the published path")
			}
			nc.Close()
			require.Equal(t, 0, <-done, "rtspd stopped cleanly")
		})
	}
}

// rtspd -push pushes its stream to a server that takes publishers; a bad
// URL is a usage error.
func TestPushFlag(t *testing.T) {
	relay, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", PublishPaths: []string{"cam"}})
	require.NoError(t, err)
	require.NoError(t, relay.Start())
	defer relay.Destroy()
	target := fmt.Sprintf("rtsp://127.0.0.1:%d/cam", relay.Addr().(*net.TCPAddr).Port)
	done := make(chan int, 1)
	var out strings.Builder
	pr, pw := io.Pipe()
	go func() {
		done <- rtspd([]string{"-port", "-1", "-status", "0", "-t", "5s", "-push", target}, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	go func() { _, _ = io.Copy(&out, pr) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, err := relay.Stats("cam"); err == nil && st.UnitsIn > 0 {
			break
		}
		// -t ends rtspd after 5 s: the push connects in milliseconds.
		require.True(t, time.Now().Before(deadline), "rtspd never pushed")
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, 0, <-done)

	code, _, errOut := runRtspd(t, nil, "-push", "http://x/y")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "want rtsp://host[:port]/path")
}

// rtspd -backchannel FILE offers the ONVIF backchannel and writes the
// µ-law a player sends to FILE.
func TestBackchannelFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "back.ulaw")
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		// -t ends rtspd: the exchange below takes milliseconds.
		done <- rtspd([]string{"-port", "-1", "-status", "0", "-host", "127.0.0.1", "-t", "5s", "-backchannel", out}, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan())
	addr := regexp.MustCompile(`rtsp://[0-9.]+:[0-9]+/test`).FindString(sc.Text())
	require.NotEmpty(t, addr, sc.Text())
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{Transport: client.TransportTCP, Require: []string{"www.onvif.org/ver20/backchannel"}})
	require.NoError(t, err)
	d, err := c.Describe()
	require.NoError(t, err)
	require.Len(t, d.Tracks, 3, "video, AAC, backchannel")
	require.NoError(t, c.Setup(2))
	_, err = c.Play()
	require.NoError(t, err)
	var want []byte
	st := rtp.Stream{PayloadType: 0, SSRC: 5, Seq: 1}
	for i := 0; i < 10; i++ {
		payload := bytes.Repeat([]byte{byte(0x80 + i)}, 160)
		want = append(want, payload...)
		var b rtp.Batch
		b.Begin(&st, uint32(160*i))
		b.SetBody(payload)
		require.NoError(t, c.WriteRTP(2, b.AppendPacket(nil, 0)))
	}
	require.Eventually(t, func() bool {
		got, _ := os.ReadFile(out)
		return bytes.Equal(got, want)
	}, 5*time.Second, 10*time.Millisecond, "the backchannel audio is not in the file")
	c.Close()
	require.Equal(t, 0, <-done)
}

// -cert and -key serve RTSPS: the URL printed is rtsps://, and a client
// that trusts the certificate plays the sample over TLS; a key that does
// not load is a clear error before anything is served.
func TestCertFlag(t *testing.T) {
	certPEM, keyPEM, _, roots, err := testnet.Certificate()
	require.NoError(t, err)
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(cert, certPEM, 0o600))
	require.NoError(t, os.WriteFile(key, keyPEM, 0o600))

	code, _, errOut := runRtspd(t, nil, "-cert", cert, "-key", cert)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "-cert/-key")

	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- rtspd([]string{"-port", "-1", "-status", "0", "-host", "127.0.0.1", "-t", "10s", "-cert", cert, "-key", key},
			strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "rtspd printed nothing")
	url := regexp.MustCompile(`rtsps://[0-9.]+:[0-9]+/test`).FindString(sc.Text())
	require.NotEmpty(t, url, sc.Text())
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{TLS: &tls.Config{RootCAs: roots}})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Describe()
	require.NoError(t, err)
	require.NoError(t, c.Setup(0))
	frames := make(chan client.Frame, 64)
	c.OnFrame = func(track int, f client.Frame) {
		if track == 0 {
			select {
			case frames <- client.Frame{Keyframe: f.Keyframe, Damaged: f.Damaged}:
			default:
			}
		}
	}
	_, err = c.Play()
	require.NoError(t, err)
	for n := 0; n < 10; n++ {
		select {
		case f := <-frames:
			require.False(t, f.Damaged)
			require.True(t, n > 0 || f.Keyframe, "keyframe first")
		case <-ctx.Done():
			t.Fatalf("%d pictures from rtspd over RTSPS", n)
		}
	}
	c.Close()
	require.Equal(t, 0, <-done)
}

// -onvif serves the ONVIF device and media services: the stream URI an
// NVR asks for is the URL rtspd serves, and the profile has the sample's
// codec and size.
func TestONVIFFlag(t *testing.T) {
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- rtspd([]string{"-port", "-1", "-status", "0", "-host", "127.0.0.1", "-t", "10s", "-onvif", "-1", "-discovery=false"},
			strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var rtspURL, device string
	for (rtspURL == "" || device == "") && sc.Scan() {
		if u := regexp.MustCompile(`rtsp://[0-9.]+:[0-9]+/test`).FindString(sc.Text()); u != "" {
			rtspURL = u
		}
		if u := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/onvif/device_service`).FindString(sc.Text()); u != "" {
			device = u
		}
	}
	require.NotEmpty(t, rtspURL)
	require.NotEmpty(t, device, "no ONVIF line")
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	soap := func(body string) string {
		req := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` + body + `</s:Body></s:Envelope>`
		resp, err := http.Post(device, "application/soap+xml", strings.NewReader(req))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode, string(b))
		return string(b)
	}
	// The profile's size comes from the stream's SPS, which the pump
	// sends with the first picture: ask until it has come.
	var profiles string
	deadline := time.Now().Add(8 * time.Second)
	for {
		profiles = soap(`<GetProfiles xmlns="http://www.onvif.org/ver10/media/wsdl"/>`)
		if strings.Contains(profiles, "<tt:Width>1280</tt:Width>") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Contains(t, profiles, `token="test"`)
	require.Contains(t, profiles, "<tt:Encoding>H264</tt:Encoding>")
	require.Contains(t, profiles, "<tt:Width>1280</tt:Width>")
	uri := soap(`<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><StreamSetup>` +
		`<Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream>` +
		`<Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport>` +
		`</StreamSetup><ProfileToken>test</ProfileToken></GetStreamUri>`)
	require.Contains(t, uri, "<tt:Uri>"+rtspURL+"</tt:Uri>")
	require.Equal(t, 0, <-done)

	code, _, errOut := runRtspd(t, nil, "-onvif", "70000")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "-onvif 70000 is not a port")
}
