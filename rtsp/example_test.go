package rtsp_test

import (
	"bufio"
	"fmt"
	"net/url"
	"strings"

	"github.com/rtspkit/rtspkit/rtsp"
)

// A server reads a SETUP request, inspects its Transport header and writes
// the response.
func Example() {
	in := "SETUP rtsp://127.0.0.1:8554/test/trackID=0 RTSP/1.0\r\n" +
		"Transport: RTP/AVP/UDP;unicast;client_port=18578-18579\r\n" +
		"CSeq: 3\r\n" +
		"User-Agent: Lavf61.7.100\r\n\r\n"
	req, err := rtsp.ReadRequest(bufio.NewReader(strings.NewReader(in)))
	if err != nil {
		fmt.Println(rtsp.StatusForError(err))
		return
	}
	track, _ := rtsp.MatchMount(req.URL, "test")
	ts, _ := rtsp.ParseTransports(req.Header.Get("Transport"))
	fmt.Println(req.Method, "track", track, "client ports", ts[0].ClientPort)

	tr := ts[0]
	tr.ServerPort = &rtsp.PortRange{First: 40000, Last: 40001}
	resp := rtsp.NewResponse(req, rtsp.StatusOK)
	resp.Header.Set("Transport", tr.String())
	resp.Header.Set("Session", rtsp.Session{ID: "2B0E8E7A", Timeout: 60}.String())
	var out strings.Builder
	resp.Write(&out)
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// SETUP track trackID=0 client ports 18578-18579
	// RTSP/1.0 200 OK
	// CSeq: 3
	// Session: 2B0E8E7A;timeout=60
	// Transport: RTP/AVP/UDP;unicast;client_port=18578-18579;server_port=40000-40001
}

// A connection carries requests, responses and interleaved RTP frames;
// Reader returns whichever comes next.
func ExampleReader() {
	var stream strings.Builder
	stream.WriteString("RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n")
	frame := rtsp.AppendInterleavedHeader(nil, 0, 3)
	stream.Write(append(frame, 0x80, 0x60, 0x00))
	stream.WriteString("GET_PARAMETER * RTSP/1.0\r\nCSeq: 5\r\n\r\n")

	rd := rtsp.NewReader(strings.NewReader(stream.String()), rtsp.Limits{})
	for {
		m, err := rd.Read()
		if err != nil {
			break // io.EOF
		}
		switch m.Kind {
		case rtsp.KindRequest:
			fmt.Println("request:", m.Request)
		case rtsp.KindResponse:
			fmt.Println("response:", m.Response)
		case rtsp.KindFrame:
			fmt.Printf("frame on channel %d: % x\n", m.Channel, m.Payload)
		}
	}
	// Output:
	// response: RTSP/1.0 200 OK
	// frame on channel 0: 80 60 00
	// request: GET_PARAMETER * RTSP/1.0
}

// ResolveControl gives the URL a player sends in SETUP for a track's
// control attribute, the way ffmpeg and live555 build it.
func ExampleResolveControl() {
	base, _ := url.Parse("rtsp://cam.local/live?token=abc")
	for _, control := range []string{"trackID=1", "*", "rtsp://cam.local/live/audio"} {
		u, _ := rtsp.ResolveControl(base, control)
		fmt.Println(u)
	}
	// Output:
	// rtsp://cam.local/live?token=abc/trackID=1
	// rtsp://cam.local/live?token=abc
	// rtsp://cam.local/live/audio
}

func ExampleParseRange() {
	r, _ := rtsp.ParseRange("npt=12:05:35.3-")
	fmt.Println(r.Start.Offset, r.End == nil, r)
	// Output: 12h5m35.3s true npt=43535.3-
}
