package sdp

import "testing"

// typicalSDP is what a server answers DESCRIBE with for H.264 + AAC.
var typicalSDP = []byte("v=0\r\n" +
	"o=- 1700000000123456 1 IN IP4 192.168.1.20\r\n" +
	"s=stream\r\n" +
	"c=IN IP4 0.0.0.0\r\n" +
	"t=0 0\r\n" +
	"a=tool:rtspkit\r\n" +
	"a=control:*\r\n" +
	"a=range:npt=now-\r\n" +
	"m=video 0 RTP/AVP 96\r\n" +
	"b=AS:4000\r\n" +
	"a=rtpmap:96 H264/90000\r\n" +
	"a=fmtp:96 packetization-mode=1;profile-level-id=4D401F;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==\r\n" +
	"a=control:trackID=0\r\n" +
	"m=audio 0 RTP/AVP 97\r\n" +
	"b=AS:128\r\n" +
	"a=rtpmap:97 MPEG4-GENERIC/48000/2\r\n" +
	"a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190\r\n" +
	"a=control:trackID=1\r\n")

func BenchmarkUnmarshal(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalSDP)))
	var s Session
	for b.Loop() {
		if err := s.Unmarshal(typicalSDP); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	s, err := Parse(typicalSDP)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalSDP)))
	for b.Loop() {
		if _, err := s.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendTo(b *testing.B) {
	s, err := Parse(typicalSDP)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(typicalSDP)))
	for b.Loop() {
		if buf, err = s.AppendTo(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFMTP(b *testing.B) {
	v := "96 packetization-mode=1;profile-level-id=4D401F;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA=="
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFMTP(v); err != nil {
			b.Fatal(err)
		}
	}
}
