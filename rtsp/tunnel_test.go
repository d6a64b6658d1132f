package rtsp

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadTunnelRequest(t *testing.T) {
	// What ffmpeg sends for its GET, and QuickTime's POST.
	get := "GET /test HTTP/1.0\r\nUser-Agent: Lavf61.7.100\r\nx-sessioncookie: 5b5c8ed2d1c4a9f8\r\nAccept: application/x-rtsp-tunnelled\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n\r\n"
	req, err := ReadTunnelRequest(bufio.NewReader(strings.NewReader(get)))
	require.NoError(t, err)
	require.Equal(t, "GET", req.Method)
	require.Equal(t, "/test", req.Path)
	require.Equal(t, "5b5c8ed2d1c4a9f8", req.Cookie)
	require.Equal(t, "application/x-rtsp-tunnelled", req.Header["accept"])

	post := "POST /test HTTP/1.0\r\nx-sessioncookie: abc\r\nContent-Type: application/x-rtsp-tunnelled\r\nContent-Length: 32767\r\n\r\nT1BUSU9OUw=="
	br := bufio.NewReader(strings.NewReader(post))
	req, err = ReadTunnelRequest(br)
	require.NoError(t, err)
	require.Equal(t, "POST", req.Method)
	rest, _ := io.ReadAll(br)
	require.Equal(t, "T1BUSU9OUw==", string(rest), "the body stays for the TunnelReader")

	for _, bad := range []string{
		"GET /test HTTP/1.0\r\n\r\n",                              // no cookie
		"PUT /test HTTP/1.0\r\nx-sessioncookie: a\r\n\r\n",        // not GET or POST
		"GET /test RTSP/1.0\r\nx-sessioncookie: a\r\n\r\n",        // not HTTP
		"GET /test HTTP/1.0\r\nno colon\r\n\r\n",                  // bad header line
		"GET /test HTTP/1.0\r\nx-sessioncookie: a\r\n",            // cut short
		"GET /" + strings.Repeat("a", 5000) + " HTTP/1.0\r\n\r\n", // line too long
		"GET / HTTP/1.0\r\n" + strings.Repeat("a: b\r\n", 65) + "\r\n",
		"GET / HTTP/1.0\r\nx-sessioncookie: " + strings.Repeat("c", 129) + "\r\n\r\n",
	} {
		_, err := ReadTunnelRequest(bufio.NewReaderSize(strings.NewReader(bad), 4096))
		require.Error(t, err, "%q", bad)
	}
	require.True(t, LooksLikeHTTP([]byte("GET / HTTP/1.0")))
	require.True(t, LooksLikeHTTP([]byte("POST ")))
	require.False(t, LooksLikeHTTP([]byte("GET_PARAMETER rtsp://h/ RTSP/1.0")))
}

func TestTunnelReader(t *testing.T) {
	msgs := []string{"OPTIONS rtsp://h/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", "DESCRIBE rtsp://h/test RTSP/1.0\r\nCSeq: 2\r\n\r\n", "$\x01\x00\x02ab"}
	var body strings.Builder
	for i, m := range msgs {
		enc := base64.StdEncoding.EncodeToString([]byte(m)) // each with its own padding
		if i == 1 {
			enc = enc[:5] + "\r\n" + enc[5:11] + " \n" + enc[11:] // wrapped
		}
		body.WriteString(enc)
	}
	got, err := io.ReadAll(NewTunnelReader(bufio.NewReader(strings.NewReader(body.String()))))
	require.NoError(t, err)
	require.Equal(t, strings.Join(msgs, ""), string(got))

	_, err = io.ReadAll(NewTunnelReader(bufio.NewReader(strings.NewReader("T1BU!"))))
	require.Error(t, err)
	_, err = io.ReadAll(NewTunnelReader(bufio.NewReader(strings.NewReader("=A=="))))
	require.Error(t, err)
	require.False(t, errors.Is(err, io.EOF))
}
