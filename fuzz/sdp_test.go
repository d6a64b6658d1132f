package fuzz

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/sdp"
)

// sdpQuirks are descriptions with the faults cameras and servers are
// known to send, beside the real ones in ../sdp/testdata.
var sdpQuirks = []string{
	"v=0\no=- 1001 1 IN\ns=VCP IPC Realtime stream\nm=video 0 RTP/AVP 105\nc=IN\na=rtpmap:105 H264/90000\n",
	"v=0\r\no=JefferyZhang Inno Fuzhou 0 0 IN IP4 127.0.0.1\r\ns=RbsLive\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n",
	"v=0\no=- 14665860 31787219 1 IN IP4 192.168.1.100\nm=application/TP-LINK 0 RTP/AVP smart/1/90000\n",
	"m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:trackID=0",
	"v=0\r\nc=IN IP4 224.2.1.1/127/3\r\nm=audio 30000/2 RTP/AVP 0\r\nc=IN IP6 ff15::101/3\r\n",
	"v=0\ra=x:\ra=recvonly\r\x00\x00",
	"v = 0\n s =x \nt=1 2\nr=7d 1h 0 25h\nz=2882844526 -1h\nk=prompt\ne=a\np=b\nu=c\ni=d\nb=AS:1\n",
	"v=0\nm=video -1353744643 RTP/AVP 96\n",
}

func sdpFiles(f *testing.F) [][]byte {
	names, err := filepath.Glob("../sdp/testdata/*.sdp")
	if err != nil || len(names) == 0 {
		f.Fatalf("no SDP seeds: %v", err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzSDPSession parses a description. An accepted one must marshal (a
// parsed Session has no value Marshal refuses), read back equal, and
// marshal again to the same bytes; the lookup helpers must not panic.
func FuzzSDPSession(f *testing.F) {
	for _, b := range sdpFiles(f) {
		f.Add(b)
	}
	for _, s := range sdpQuirks {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s sdp.Session
		if err := s.Unmarshal(data); err != nil {
			if !errors.Is(err, sdp.ErrSyntax) && !errors.Is(err, sdp.ErrTooLarge) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		out, err := s.Marshal()
		require.NoError(t, err)
		// Marshal adds CRs and default lines, so the output may exceed the
		// default limits that the input met.
		lim := sdp.Limits{MaxSize: len(out) + 1, MaxLines: sdp.DefaultMaxLines + 8}
		var back sdp.Session
		require.NoError(t, back.UnmarshalLimits(out, lim), "re-parse of %q", out)
		require.Equal(t, s, back)
		out2, err := back.Marshal()
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))

		s.Control()
		s.Range()
		for _, m := range s.Media {
			m.Control()
			if pt, err := m.PayloadType(); err == nil {
				if r, err := m.RTPMap(pt); err == nil {
					require.NoError(t, r.Validate())
				}
				if fm, err := m.FMTP(pt); err == nil {
					require.NoError(t, fm.Validate())
				}
			}
		}
	})
}

var fmtpSeeds = []string{
	"96 packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==",
	"96  profile-level-id=640032; packetization-mode=1; sprop-parameter-sets=Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==",
	"97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408;",
	"96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8lZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZZWaSTK8BaAgAAAwACAAADADIQ; sprop-pps=RAHBcrRiQA==",
	"101 0-15",
	"107 DecoderTag=h3c-v3 RTCP=0",
	"96 ;;=x; a = b ;c=",
	"96",
}

// FuzzSDPFMTP parses an fmtp value; an accepted one must validate and read
// back equal from its String form.
func FuzzSDPFMTP(f *testing.F) {
	for _, s := range fmtpSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := sdp.ParseFMTP(v)
		if err != nil {
			require.ErrorIs(t, err, sdp.ErrSyntax)
			return
		}
		require.NoError(t, p.Validate())
		back, err := sdp.ParseFMTP(p.String())
		require.NoError(t, err, "re-parse of %q", p.String())
		require.Equal(t, p, back)
		for _, kv := range p.Params {
			_, ok := p.Get(kv.Key)
			require.True(t, ok)
		}
	})
}

var rtpmapSeeds = []string{
	"96 H264/90000", "97 MPEG4-GENERIC/48000/2", "0 PCMU/8000/1", "96 H265/90000",
	"  96\tH264 / 90000 / ", "107 vnd.onvif.metadata/90000", "127 X/4294967295/255", "128 X/1",
}

// FuzzSDPRTPMap parses an rtpmap value; an accepted one must validate and
// read back equal from its String form.
func FuzzSDPRTPMap(f *testing.F) {
	for _, s := range rtpmapSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var r sdp.RTPMap
		if err := r.Unmarshal(v); err != nil {
			require.ErrorIs(t, err, sdp.ErrSyntax)
			return
		}
		require.NoError(t, r.Validate())
		var back sdp.RTPMap
		require.NoError(t, back.Unmarshal(r.String()), "re-parse of %q", r.String())
		require.Equal(t, r, back)
	})
}
