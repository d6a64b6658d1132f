package sdp_test

import (
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/sdp"
)

// A server answering DESCRIBE for one H.264 video and one G.711 µ-law
// audio stream.
func Example() {
	video := sdp.FMTP{PayloadType: 96, Params: []sdp.FMTPParam{
		{Key: "packetization-mode", Value: "1"},
		{Key: "profile-level-id", Value: "4d401f"},
		{Key: "sprop-parameter-sets", Value: "Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA=="},
	}}
	s := sdp.Session{
		Origin:     sdp.Origin{SessionID: "1700000000", SessionVersion: "1", Address: "192.0.2.10"},
		Name:       "test",
		Connection: &sdp.Connection{Address: "0.0.0.0"},
		Attributes: []sdp.Attribute{{Key: "tool", Value: "rtspkit"}, {Key: "control", Value: "*"}, {Key: "range", Value: "npt=now-"}},
		Media: []*sdp.Media{
			{
				Type: "video", Protocol: "RTP/AVP", Formats: []string{"96"},
				Attributes: []sdp.Attribute{
					sdp.RTPMap{PayloadType: 96, Encoding: "H264", ClockRate: 90000}.Attribute(),
					video.Attribute(),
					{Key: "control", Value: "trackID=0"},
				},
			},
			{
				Type: "audio", Protocol: "RTP/AVP", Formats: []string{"0"},
				Attributes: []sdp.Attribute{
					sdp.RTPMap{PayloadType: 0, Encoding: "PCMU", ClockRate: 8000, Channels: 1}.Attribute(),
					{Key: "control", Value: "trackID=1"},
				},
			},
		},
	}
	b, err := s.Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Lines end in CRLF; print them with LF so the output reads plainly.
	fmt.Print(strings.ReplaceAll(string(b), "\r\n", "\n"))
	// Output:
	// v=0
	// o=- 1700000000 1 IN IP4 192.0.2.10
	// s=test
	// c=IN IP4 0.0.0.0
	// t=0 0
	// a=tool:rtspkit
	// a=control:*
	// a=range:npt=now-
	// m=video 0 RTP/AVP 96
	// a=rtpmap:96 H264/90000
	// a=fmtp:96 packetization-mode=1;profile-level-id=4d401f;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==
	// a=control:trackID=0
	// m=audio 0 RTP/AVP 0
	// a=rtpmap:0 PCMU/8000/1
	// a=control:trackID=1
}

// A client reading what a camera sent: LF endings, no t= line, and an fmtp
// with spaces after its ';'.
func ExampleParse() {
	s, err := sdp.Parse([]byte("v=0\n" +
		"o=- 1001 1 IN\n" +
		"s=IPC Realtime stream\n" +
		"a=control:*\n" +
		"m=video 0 RTP/AVP 96\n" +
		"a=control:track1\n" +
		"a=rtpmap:96 H264/90000\n" +
		"a=fmtp:96 profile-level-id=640032; packetization-mode=1; sprop-parameter-sets=Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := s.Media[0]
	pt, _ := m.PayloadType()
	r, _ := m.RTPMap(pt)
	f, _ := m.FMTP(pt)
	sps, _ := f.Get("sprop-parameter-sets")
	fmt.Println(s.Control(), m.Control(), r.Encoding, r.ClockRate)
	fmt.Println(sps)
	fmt.Println(s.Origin.Address, s.Times)
	// Output:
	// * track1 H264 90000
	// Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==
	// 0.0.0.0 [{0 0 []}]
}
