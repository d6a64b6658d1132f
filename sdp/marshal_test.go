package sdp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fullSession sets every field of the model.
func fullSession() *Session {
	return &Session{
		Version:       0,
		Origin:        Origin{"jdoe", "3724394400", "3724394405", "IN", "IP4", "198.51.100.1"},
		Name:          "Call to John Smith",
		Information:   "SDP Offer #1",
		URI:           "http://www.jdoe.example.com/home.html",
		Emails:        []string{"Jane Doe <jane@jdoe.example.com>", "j@example.com"},
		Phones:        []string{"+1 617 555-6011"},
		Connection:    &Connection{"IN", "IP4", "233.252.0.1", 127, 2},
		Bandwidths:    []Bandwidth{{"CT", 1000}, {"AS", 512}},
		Times:         []Time{{3724394400, 3724398000, []string{"604800 3600 0 90000"}}, {0, 0, nil}},
		TimeZones:     "2882844526 -1h 2898848070 0",
		EncryptionKey: "prompt",
		Attributes:    []Attribute{{Key: "recvonly"}, {Key: "tool", Value: "rtspkit"}, {Key: "x-empty", EmptyValue: true}},
		Media: []*Media{
			{
				Type: "audio", Port: 49170, NumberOfPorts: 2, Protocol: "RTP/AVP", Formats: []string{"0", "8"},
				Information:   "voice",
				Connections:   []Connection{{"IN", "IP6", "ff15::101", 0, 3}, {"IN", "IP4", "233.252.0.2", 0, 0}},
				Bandwidths:    []Bandwidth{{"TIAS", 64000}},
				EncryptionKey: "clear:secret",
				Attributes:    []Attribute{{Key: "rtpmap", Value: "0 PCMU/8000"}, {Key: "ptime", Value: "20"}},
			},
			{Type: "video", Protocol: "RTP/AVP", Formats: []string{"96"}},
		},
	}
}

func TestMarshalOrderAndCRLF(t *testing.T) {
	out, err := fullSession().Marshal()
	require.NoError(t, err)
	require.Equal(t, ""+
		"v=0\r\n"+
		"o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"+
		"s=Call to John Smith\r\n"+
		"i=SDP Offer #1\r\n"+
		"u=http://www.jdoe.example.com/home.html\r\n"+
		"e=Jane Doe <jane@jdoe.example.com>\r\n"+
		"e=j@example.com\r\n"+
		"p=+1 617 555-6011\r\n"+
		"c=IN IP4 233.252.0.1/127/2\r\n"+
		"b=CT:1000\r\n"+
		"b=AS:512\r\n"+
		"t=3724394400 3724398000\r\n"+
		"r=604800 3600 0 90000\r\n"+
		"t=0 0\r\n"+
		"z=2882844526 -1h 2898848070 0\r\n"+
		"k=prompt\r\n"+
		"a=recvonly\r\n"+
		"a=tool:rtspkit\r\n"+
		"a=x-empty:\r\n"+
		"m=audio 49170/2 RTP/AVP 0 8\r\n"+
		"i=voice\r\n"+
		"c=IN IP6 ff15::101/3\r\n"+
		"c=IN IP4 233.252.0.2\r\n"+
		"b=TIAS:64000\r\n"+
		"k=clear:secret\r\n"+
		"a=rtpmap:0 PCMU/8000\r\n"+
		"a=ptime:20\r\n"+
		"m=video 0 RTP/AVP 96\r\n", string(out))
}

func TestMarshalRoundTrip(t *testing.T) {
	requireRoundTrip(t, fullSession())
	requireRoundTrip(t, &Session{
		Origin: Origin{"-", "1", "1", "IN", "IP4", "0.0.0.0"}, Name: "min", Times: []Time{{}},
	})
	requireRoundTrip(t, &Session{
		Origin: Origin{"-", "1", "1", "IN", "IP4", "0.0.0.0"}, Name: "ttl0", Times: []Time{{}},
		Connection: &Connection{"IN", "IP4", "224.0.0.1", 0, 4},
	})
}

func TestMarshalDefaults(t *testing.T) {
	var s Session
	out, err := s.Marshal()
	require.NoError(t, err)
	require.Equal(t, "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", string(out))

	s = Session{
		Origin:     Origin{Address: "2001:db8::1"},
		Connection: &Connection{AddressType: "IP6"},
		Media:      []*Media{{Type: "video", Protocol: "RTP/AVP", Formats: []string{"96"}, Connections: []Connection{{}}}},
	}
	out, err = s.Marshal()
	require.NoError(t, err)
	require.Equal(t, "v=0\r\no=- 0 0 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 ::\r\nt=0 0\r\n"+
		"m=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\n", string(out))

	// The parser fills the same defaults.
	var back Session
	require.NoError(t, back.Unmarshal(out))
	require.Equal(t, Origin{"-", "0", "0", "IN", "IP6", "2001:db8::1"}, back.Origin)
	require.Equal(t, "-", back.Name)
	require.Equal(t, []Time{{}}, back.Times)
}

func TestMarshalRejects(t *testing.T) {
	media := func(f func(m *Media)) func(s *Session) {
		return func(s *Session) {
			m := &Media{Type: "video", Protocol: "RTP/AVP", Formats: []string{"96"}}
			f(m)
			s.Media = []*Media{m}
		}
	}
	tests := []struct {
		name string
		edit func(s *Session)
	}{
		{"CRLF in name", func(s *Session) { s.Name = "a\r\nm=video 1 RTP/AVP 0" }},
		{"LF in information", func(s *Session) { s.Information = "a\nb" }},
		{"NUL in uri", func(s *Session) { s.URI = "a\x00" }},
		{"CR in time zones", func(s *Session) { s.TimeZones = "1\r" }},
		{"LF in key", func(s *Session) { s.EncryptionKey = "k\n" }},
		{"empty email", func(s *Session) { s.Emails = []string{""} }},
		{"LF in email", func(s *Session) { s.Emails = []string{"a\nb"} }},
		{"empty phone", func(s *Session) { s.Phones = []string{""} }},
		{"negative version", func(s *Session) { s.Version = -1 }},
		{"space in username", func(s *Session) { s.Origin.Username = "Jeffery Zhang" }},
		{"space in session id", func(s *Session) { s.Origin.SessionID = "1 2" }},
		{"tab in address", func(s *Session) { s.Origin.Address = "a\tb" }},
		{"LF in origin", func(s *Session) { s.Origin.NetworkType = "IN\n" }},
		{"space in connection address", func(s *Session) { s.Connection = &Connection{Address: "1.2.3.4 5"} }},
		{"slash in connection address", func(s *Session) { s.Connection = &Connection{Address: "224.0.0.1/5"} }},
		{"TTL too large", func(s *Session) { s.Connection = &Connection{Address: "224.0.0.1", TTL: 256} }},
		{"negative TTL", func(s *Session) { s.Connection = &Connection{Address: "224.0.0.1", TTL: -1} }},
		{"TTL on IPv6", func(s *Session) { s.Connection = &Connection{Address: "ff15::1", TTL: 1} }},
		{"negative address count", func(s *Session) { s.Connection = &Connection{Address: "224.0.0.1", NumberOfAddresses: -1} }},
		{"empty bandwidth type", func(s *Session) { s.Bandwidths = []Bandwidth{{"", 1}} }},
		{"colon in bandwidth type", func(s *Session) { s.Bandwidths = []Bandwidth{{"A:S", 1}} }},
		{"empty repeat", func(s *Session) { s.Times = []Time{{Repeats: []string{""}}} }},
		{"LF in repeat", func(s *Session) { s.Times = []Time{{Repeats: []string{"1\n"}}} }},
		{"empty attribute key", func(s *Session) { s.Attributes = []Attribute{{Value: "x"}} }},
		{"colon in attribute key", func(s *Session) { s.Attributes = []Attribute{{Key: "a:b"}} }},
		{"space around attribute key", func(s *Session) { s.Attributes = []Attribute{{Key: " a"}} }},
		{"LF in attribute value", func(s *Session) { s.Attributes = []Attribute{{Key: "a", Value: "x\r\nm=audio 0 RTP/AVP 0"}} }},
		{"NUL in attribute key", func(s *Session) { s.Attributes = []Attribute{{Key: "a\x00"}} }},
		{"nil media", func(s *Session) { s.Media = []*Media{nil} }},
		{"empty media type", media(func(m *Media) { m.Type = "" })},
		{"space in media type", media(func(m *Media) { m.Type = "vid eo" })},
		{"empty protocol", media(func(m *Media) { m.Protocol = "" })},
		{"no formats", media(func(m *Media) { m.Formats = nil })},
		{"empty format", media(func(m *Media) { m.Formats = []string{""} })},
		{"space in format", media(func(m *Media) { m.Formats = []string{"96 97"} })},
		{"port too large", media(func(m *Media) { m.Port = 65536 })},
		{"negative port", media(func(m *Media) { m.Port = -1 })},
		{"negative port count", media(func(m *Media) { m.NumberOfPorts = -1 })},
		{"LF in media information", media(func(m *Media) { m.Information = "\n" })},
		{"LF in media key", media(func(m *Media) { m.EncryptionKey = "\n" })},
		{"bad media connection", media(func(m *Media) { m.Connections = []Connection{{Address: "a b"}} })},
		{"bad media bandwidth", media(func(m *Media) { m.Bandwidths = []Bandwidth{{"", 0}} })},
		{"bad media attribute", media(func(m *Media) { m.Attributes = []Attribute{{Key: ""}} })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{Name: "x"}
			tt.edit(s)
			_, err := s.Marshal()
			require.ErrorIs(t, err, ErrInvalid)
			require.NotContains(t, err.Error(), "\n")
			prefix := []byte("keep")
			out, err := s.AppendTo(prefix)
			require.ErrorIs(t, err, ErrInvalid)
			require.Equal(t, "keep", string(out))
		})
	}
}

func TestAppendToAppends(t *testing.T) {
	s := &Session{Name: "x"}
	out, err := s.AppendTo([]byte("prefix|"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), "prefix|v=0\r\n"))
}

// Values with trailing whitespace are written but read back trimmed, as
// documented on Marshal.
func TestMarshalTrailingSpaceIsTrimmedOnRead(t *testing.T) {
	s := &Session{Name: "name  ", Attributes: []Attribute{{Key: "tool", Value: "x "}}}
	out, err := s.Marshal()
	require.NoError(t, err)
	require.Contains(t, string(out), "s=name  \r\n")
	back, err := Parse(out)
	require.NoError(t, err)
	require.Equal(t, "name", back.Name)
	require.Equal(t, "x", back.Attributes[0].Value)
}
