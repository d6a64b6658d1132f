package rtsp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInterleavedFrame(t *testing.T) {
	payload := []byte{0x80, 0x60, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	var b bytes.Buffer
	require.NoError(t, WriteInterleavedFrame(&b, 2, payload))
	require.Equal(t, append([]byte{'$', 2, 0, 13}, payload...), b.Bytes())

	buf := make([]byte, 64)
	ch, p, err := ReadInterleavedFrame(bufio.NewReader(&b), buf)
	require.NoError(t, err)
	require.EqualValues(t, 2, ch)
	require.Equal(t, payload, p)
	require.Equal(t, &buf[0], &p[0], "payload must alias the caller's buffer")

	require.Equal(t, []byte{'x', '$', 7, 0x01, 0x00}, AppendInterleavedHeader([]byte{'x'}, 7, 256))
	require.Equal(t, []byte{'$', 0, 0xff, 0xff}, AppendInterleavedHeader(nil, 0, MaxInterleavedPayload))
	require.Equal(t, []byte{'x'}, AppendInterleavedHeader([]byte{'x'}, 0, MaxInterleavedPayload+1))
	require.Equal(t, []byte{'x'}, AppendInterleavedHeader([]byte{'x'}, 0, -1))
	require.ErrorIs(t, WriteInterleavedFrame(io.Discard, 0, make([]byte, MaxInterleavedPayload+1)), ErrFrameTooLarge)
}

func TestInterleavedFrameErrors(t *testing.T) {
	buf := make([]byte, 8)
	t.Run("not a frame consumes nothing", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader("RTSP/1.0 200 OK\r\n\r\n"))
		_, _, err := ReadInterleavedFrame(br, buf)
		require.ErrorIs(t, err, ErrNotInterleaved)
		resp, err := ReadResponse(br)
		require.NoError(t, err)
		require.Equal(t, 200, resp.StatusCode)
	})
	t.Run("EOF", func(t *testing.T) {
		_, _, err := ReadInterleavedFrame(bufio.NewReader(strings.NewReader("")), buf)
		require.Equal(t, io.EOF, err)
		for _, in := range []string{"$", "$\x00\x00", "$\x00\x00\x05ab"} {
			_, _, err := ReadInterleavedFrame(bufio.NewReader(strings.NewReader(in)), buf)
			require.Equal(t, io.ErrUnexpectedEOF, err, "%q", in)
		}
		_, _, err = ReadInterleavedFrame(bufio.NewReader(strings.NewReader("$\x00\x00\x20short")), buf)
		require.Equal(t, io.ErrUnexpectedEOF, err, "skipping a truncated oversized frame")
	})
	t.Run("too large is skipped and the stream stays in sync", func(t *testing.T) {
		br := bufio.NewReader(strings.NewReader("$\x01\x00\x0a0123456789$\x02\x00\x03abc"))
		ch, _, err := ReadInterleavedFrame(br, buf)
		require.ErrorIs(t, err, ErrFrameTooLarge)
		require.EqualValues(t, 1, ch)
		ch, p, err := ReadInterleavedFrame(br, buf)
		require.NoError(t, err)
		require.EqualValues(t, 2, ch)
		require.Equal(t, "abc", string(p))
	})
	t.Run("empty payload", func(t *testing.T) {
		ch, p, err := ReadInterleavedFrame(bufio.NewReader(strings.NewReader("$\x09\x00\x00")), buf)
		require.NoError(t, err)
		require.EqualValues(t, 9, ch)
		require.Empty(t, p)
	})
}

func TestInterleavedFrameNoAlloc(t *testing.T) {
	frame := AppendInterleavedHeader(nil, 0, 1400)
	frame = append(frame, make([]byte, 1400)...)
	r := bytes.NewReader(frame)
	br := bufio.NewReader(r)
	buf := make([]byte, MaxInterleavedPayload)
	n := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		br.Reset(r)
		if _, _, err := ReadInterleavedFrame(br, buf); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, n)
	n = testing.AllocsPerRun(100, func() {
		if err := WriteInterleavedFrame(io.Discard, 0, frame[4:]); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, n)
}

// mixedStream is what a server sees from a client publishing over TCP, or
// a client sees from a server: frames between messages.
func mixedStream() []byte {
	var b bytes.Buffer
	b.WriteString("OPTIONS rtsp://h/live RTSP/1.0\r\nCSeq: 1\r\n\r\n")
	WriteInterleavedFrame(&b, 0, []byte("rtp-packet-1"))
	WriteInterleavedFrame(&b, 1, []byte("rtcp"))
	b.WriteString("\r\n") // a stray keep-alive CRLF
	b.WriteString("RTSP/1.0 200 OK\r\nCSeq: 7\r\nContent-Length: 5\r\n\r\n$body")
	WriteInterleavedFrame(&b, 0, []byte("rtp-packet-2"))
	b.WriteString("GET_PARAMETER rtsp://h/live RTSP/1.0\r\nCSeq: 2\r\nSession: abcdefgh\r\n\r\n")
	return b.Bytes()
}

func checkMixed(t *testing.T, rd *Reader) {
	t.Helper()
	m, err := rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindRequest, m.Kind)
	require.Equal(t, Options, m.Request.Method)

	m, err = rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindFrame, m.Kind)
	require.EqualValues(t, 0, m.Channel)
	require.Equal(t, "rtp-packet-1", string(m.Payload))

	m, err = rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindFrame, m.Kind)
	require.EqualValues(t, 1, m.Channel)
	require.Equal(t, "rtcp", string(m.Payload))

	m, err = rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindResponse, m.Kind)
	require.Equal(t, "$body", string(m.Response.Body), "a '$' inside a body is not a frame")

	m, err = rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindFrame, m.Kind)
	require.Equal(t, "rtp-packet-2", string(m.Payload))

	m, err = rd.Read()
	require.NoError(t, err)
	require.Equal(t, KindRequest, m.Kind)
	require.Equal(t, GetParameter, m.Request.Method)
	require.Equal(t, "abcdefgh", m.Request.Header.Get("Session"))
}

func TestReaderMixed(t *testing.T) {
	rd := NewReader(bytes.NewReader(mixedStream()), Limits{})
	checkMixed(t, rd)
	_, err := rd.Read()
	require.Equal(t, io.EOF, err)
}

func TestReaderNetPipe(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	go func() {
		// net.Pipe is unbuffered: write in small pieces so the reader
		// sees messages split across reads.
		data := mixedStream()
		for len(data) > 0 {
			n := min(7, len(data))
			if _, err := c2.Write(data[:n]); err != nil {
				return
			}
			data = data[n:]
		}
		c2.Close()
	}()
	rd := NewReader(c1, Limits{})
	checkMixed(t, rd)
	_, err := rd.Read()
	require.Equal(t, io.EOF, err)
}

func TestReaderTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = c.Write(mixedStream())
		done <- err
	}()
	c, err := ln.Accept()
	require.NoError(t, err)
	defer c.Close()
	rd := NewReader(c, Limits{})
	checkMixed(t, rd)
	require.NoError(t, <-done)
	_, err = rd.Read()
	require.Equal(t, io.EOF, err)
}

func TestReaderFrameNoAlloc(t *testing.T) {
	frame := AppendInterleavedHeader(nil, 3, 1200)
	frame = append(frame, make([]byte, 1200)...)
	r := bytes.NewReader(frame)
	br := bufio.NewReader(r)
	rd := NewReader(br, Limits{})
	_, _ = rd.Read() // allocate the frame buffer once
	n := testing.AllocsPerRun(100, func() {
		r.Reset(frame)
		br.Reset(r)
		m, err := rd.Read()
		if err != nil || m.Kind != KindFrame || len(m.Payload) != 1200 {
			t.Fatal(m, err)
		}
	})
	require.Zero(t, n)
}

// The frame buffer grows with the frames: small RTCP frames keep it small,
// the largest possible frame still fits.
func TestReaderFrameBufferGrows(t *testing.T) {
	var stream []byte
	for _, n := range []int{100, 1200, MaxInterleavedPayload, 50} {
		stream = AppendInterleavedHeader(stream, 1, n)
		stream = append(stream, bytes.Repeat([]byte{byte(n)}, n)...)
	}
	rd := NewReader(bytes.NewReader(stream), Limits{})
	for i, n := range []int{100, 1200, MaxInterleavedPayload, 50} {
		m, err := rd.Read()
		require.NoError(t, err)
		require.Equal(t, KindFrame, m.Kind)
		require.Equal(t, bytes.Repeat([]byte{byte(n)}, n), m.Payload)
		if i < 2 {
			require.LessOrEqual(t, cap(rd.frame), 2048, "a small frame needs no 64 KiB buffer")
		}
	}
}

func TestReaderErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"$\x00\x00\x10abc", io.ErrUnexpectedEOF},
		{"OPT", io.ErrUnexpectedEOF},
		{"RTSP/1.0 200", io.ErrUnexpectedEOF},
		{"GARBAGE\r\n\r\n", ErrMalformed},
		{"RTSP/1.0 200 OK\r\nContent-Length: 2000000\r\n\r\n", ErrBodyTooLarge},
	} {
		_, err := NewReader(strings.NewReader(tc.in), Limits{}).Read()
		require.True(t, errors.Is(err, tc.want), "%q: %v", tc.in, err)
	}
	_, err := NewReader(&endless{c: '\n'}, Limits{}).Read()
	require.ErrorIs(t, err, ErrLineTooLong)
}
