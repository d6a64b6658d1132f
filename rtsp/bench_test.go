package rtsp

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

func BenchmarkReadRequest(b *testing.B) {
	r := strings.NewReader(ffmpegSetup)
	br := bufio.NewReader(r)
	b.ReportAllocs()
	b.SetBytes(int64(len(ffmpegSetup)))
	for b.Loop() {
		r.Reset(ffmpegSetup)
		br.Reset(r)
		if _, err := ReadRequest(br); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReaderRequest reads the same request through a connection
// Reader, which reuses its scratch buffer.
func BenchmarkReaderRequest(b *testing.B) {
	r := strings.NewReader(ffmpegSetup)
	br := bufio.NewReader(r)
	rd := NewReader(br, Limits{})
	b.ReportAllocs()
	b.SetBytes(int64(len(ffmpegSetup)))
	for b.Loop() {
		r.Reset(ffmpegSetup)
		br.Reset(r)
		if _, err := rd.Read(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadInterleavedFrame(b *testing.B) {
	frame := AppendInterleavedHeader(nil, 0, 1400)
	frame = append(frame, make([]byte, 1400)...)
	r := bytes.NewReader(frame)
	br := bufio.NewReader(r)
	buf := make([]byte, MaxInterleavedPayload)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		r.Reset(frame)
		br.Reset(r)
		if _, _, err := ReadInterleavedFrame(br, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResponseWrite(b *testing.B) {
	resp := &Response{
		StatusCode: StatusOK,
		Header: Header{
			"CSeq":      {"3"},
			"Transport": {"RTP/AVP/UDP;unicast;client_port=18578-18579;server_port=40000-40001;ssrc=1234ABCD"},
			"Session":   {"2B0E8E7A19C4;timeout=60"},
			"Server":    {"rtspkit"},
			"Date":      {"Mon, 24 Nov 2025 01:00:00 GMT"},
		},
	}
	var n countWriter
	_ = resp.Write(&n)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if err := resp.Write(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func BenchmarkParseTransports(b *testing.B) {
	const v = "RTP/AVP/UDP;unicast;client_port=18578-18579"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTransports(v); err != nil {
			b.Fatal(err)
		}
	}
}
