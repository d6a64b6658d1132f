package sdp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const minimal = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=x\r\nt=0 0\r\n"

func TestUnmarshalTolerates(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, s *Session)
	}{
		{"LF endings, no final newline", "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=x\nt=0 0\nm=video 0 RTP/AVP 96", func(t *testing.T, s *Session) {
			require.Equal(t, "x", s.Name)
			require.Equal(t, []string{"96"}, s.Media[0].Formats)
		}},
		{"bare CR endings", "v=0\ro=- 1 1 IN IP4 192.0.2.1\rs=x\r", func(t *testing.T, s *Session) {
			require.Equal(t, "192.0.2.1", s.Origin.Address)
		}},
		{"blank lines and surrounding spaces", "\r\n  v=0  \r\n\r\n\to=- 1 1 IN IP4 192.0.2.1\r\ns=x \t\r\n\r\n", func(t *testing.T, s *Session) {
			require.Equal(t, "x", s.Name)
		}},
		{"spaces before '='", "v =0\ns  =x\na =recvonly\n", func(t *testing.T, s *Session) {
			require.Equal(t, "x", s.Name)
			require.Equal(t, []Attribute{{Key: "recvonly"}}, s.Attributes)
		}},
		{"trailing NULs and BOM", "\xEF\xBB\xBFv=0\ns=x\n\x00\x00", func(t *testing.T, s *Session) {
			require.Equal(t, "x", s.Name)
		}},
		{"no v= line", "m=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\na=control:trackID=0\n", func(t *testing.T, s *Session) {
			require.Equal(t, 0, s.Version)
			require.Equal(t, "-", s.Name)
			require.Equal(t, Origin{"-", "0", "0", "IN", "IP4", "0.0.0.0"}, s.Origin)
			require.Equal(t, "trackID=0", s.Media[0].Control())
		}},
		{"missing t= and o=", "v=0\ns=x\n", func(t *testing.T, s *Session) {
			require.Equal(t, []Time{{}}, s.Times)
			require.Equal(t, "0.0.0.0", s.Origin.Address)
		}},
		{"empty s=", "v=0\ns=\n", func(t *testing.T, s *Session) {
			require.Equal(t, "-", s.Name)
		}},
		{"o= missing address", "o=- 1700166548 1700166549 IN IP4\n", func(t *testing.T, s *Session) {
			require.Equal(t, Origin{"-", "1700166548", "1700166549", "IN", "IP4", "0.0.0.0"}, s.Origin)
		}},
		{"o= with a spaced username", "o=JefferyZhang Inno Fuzhou 0 0 IN IP4 127.0.0.1\n", func(t *testing.T, s *Session) {
			require.Equal(t, Origin{"JefferyZhang", "0", "0", "IN", "IP4", "127.0.0.1"}, s.Origin)
		}},
		{"o= with an extra field", "o=- 14665860 31787219 1 IN IP4 192.168.1.100\n", func(t *testing.T, s *Session) {
			require.Equal(t, Origin{"-", "31787219", "1", "IN", "IP4", "192.168.1.100"}, s.Origin)
		}},
		{"o= session id over 64 bits", "o=RTSP 19599440071187478912 13656283801756621937 IN IP4 0.0.0.0\n", func(t *testing.T, s *Session) {
			require.Equal(t, "19599440071187478912", s.Origin.SessionID)
		}},
		{"o= without address type or address", "o=- 1 1 IN\n", func(t *testing.T, s *Session) {
			require.Equal(t, "IP4", s.Origin.AddressType)
		}},
		{"c= empty, skipped", "v=0\nc=\n", func(t *testing.T, s *Session) {
			require.Nil(t, s.Connection)
		}},
		{"c=IN only", "c=IN\n", func(t *testing.T, s *Session) {
			require.Equal(t, &Connection{NetworkType: "IN", AddressType: "IP4", Address: "0.0.0.0"}, s.Connection)
		}},
		{"c= without address type", "c=IN 192.168.4.27\nm=audio 0 RTP/AVP 0\nc=IN 2001:db8::1\n", func(t *testing.T, s *Session) {
			require.Equal(t, &Connection{NetworkType: "IN", AddressType: "IP4", Address: "192.168.4.27"}, s.Connection)
			require.Equal(t, []Connection{{NetworkType: "IN", AddressType: "IP6", Address: "2001:db8::1"}}, s.Media[0].Connections)
		}},
		{"c= IPv4 TTL and count", "c=IN IP4 224.2.1.1/127/3\n", func(t *testing.T, s *Session) {
			require.Equal(t, &Connection{"IN", "IP4", "224.2.1.1", 127, 3}, s.Connection)
		}},
		{"c= IPv6 count", "c=IN IP6 ff15::101/3\n", func(t *testing.T, s *Session) {
			require.Equal(t, &Connection{"IN", "IP6", "ff15::101", 0, 3}, s.Connection)
		}},
		{"c= extra fields ignored", "c=IN IP4 192.0.2.1 junk\n", func(t *testing.T, s *Session) {
			require.Equal(t, "192.0.2.1", s.Connection.Address)
		}},
		{"media lines out of order", "v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H264/90000\nb=AS:100\nc=IN IP4 0.0.0.0\ni=cam\nk=clear:x\n", func(t *testing.T, s *Session) {
			m := s.Media[0]
			require.Equal(t, []Bandwidth{{"AS", 100}}, m.Bandwidths)
			require.Len(t, m.Connections, 1)
			require.Equal(t, "cam", m.Information)
			require.Equal(t, "clear:x", m.EncryptionKey)
			require.Nil(t, s.Bandwidths)
		}},
		{"session lines inside media go to the session", "v=0\nm=video 0 RTP/AVP 96\nt=1 2\nr=7d 1h 0 25h\nz=2882844526 -1h\ns=late\ne=a@b\np=+1\nu=http://x\n", func(t *testing.T, s *Session) {
			require.Equal(t, []Time{{1, 2, []string{"7d 1h 0 25h"}}}, s.Times)
			require.Equal(t, "2882844526 -1h", s.TimeZones)
			require.Equal(t, "late", s.Name)
			require.Equal(t, []string{"a@b"}, s.Emails)
			require.Equal(t, []string{"+1"}, s.Phones)
			require.Equal(t, "http://x", s.URI)
		}},
		{"last single-valued line wins", "s=a\ns=b\nv=0\nc=IN IP4 192.0.2.1\nc=IN IP4 192.0.2.2\n", func(t *testing.T, s *Session) {
			require.Equal(t, "b", s.Name)
			require.Equal(t, "192.0.2.2", s.Connection.Address)
		}},
		{"unknown types skipped", "v=0\nx=private\nY=upper\ns=x\n", func(t *testing.T, s *Session) {
			require.Equal(t, "x", s.Name)
		}},
		{"empty and nameless attributes skipped", "v=0\na=\na=:x\na= \n", func(t *testing.T, s *Session) {
			require.Nil(t, s.Attributes)
		}},
		{"flag vs empty value attributes", "v=0\na=recvonly\na=x:\na=y: v \na = z :w\n", func(t *testing.T, s *Session) {
			require.Equal(t, []Attribute{
				{Key: "recvonly"}, {Key: "x", EmptyValue: true}, {Key: "y", Value: " v"}, {Key: "z", Value: "w"},
			}, s.Attributes)
			require.True(t, s.Attributes[0].IsProperty())
			require.False(t, s.Attributes[1].IsProperty())
		}},
		{"empty e= p= r= skipped", "v=0\nr=before t\ne=\np=\nt=0 0\nr=\n", func(t *testing.T, s *Session) {
			require.Nil(t, s.Emails)
			require.Nil(t, s.Phones)
			require.Equal(t, []Time{{}}, s.Times)
		}},
		{"multiple t= with repeats", "t=1 2\nr=1 2 3\nt=3 4\nr=4 5 6\nr=7 8 9\n", func(t *testing.T, s *Session) {
			require.Equal(t, []Time{{1, 2, []string{"1 2 3"}}, {3, 4, []string{"4 5 6", "7 8 9"}}}, s.Times)
		}},
		{"media with port count and many formats", "m=audio 30000/2 RTP/AVP 116 115 0 8\n", func(t *testing.T, s *Session) {
			m := s.Media[0]
			require.Equal(t, 30000, m.Port)
			require.Equal(t, 2, m.NumberOfPorts)
			require.Equal(t, []string{"116", "115", "0", "8"}, m.Formats)
		}},
		{"media type with a slash and odd formats", "m=application/TP-LINK 0 RTP/AVP smart/1/90000\nm=audio 0 RTP/AVP (null)\n", func(t *testing.T, s *Session) {
			require.Equal(t, "application/TP-LINK", s.Media[0].Type)
			require.Equal(t, []string{"(null)"}, s.Media[1].Formats)
			_, err := s.Media[1].PayloadType()
			require.ErrorIs(t, err, ErrSyntax)
		}},
		{"tabs between fields", "m=video\t0\tRTP/AVP\t96  97\nb=AS : 64\n", func(t *testing.T, s *Session) {
			require.Equal(t, []string{"96", "97"}, s.Media[0].Formats)
			require.Equal(t, []Bandwidth{{"AS", 64}}, s.Media[0].Bandwidths)
		}},
		{"non-UTF-8 text kept", "s=caf\xe9\n", func(t *testing.T, s *Session) {
			require.Equal(t, "caf\xe9", s.Name)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Session
			require.NoError(t, s.Unmarshal([]byte(tt.in)))
			tt.check(t, &s)
			requireRoundTrip(t, &s)
		})
	}
}

func TestUnmarshalRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty input", "", ErrSyntax},
		{"blank lines only", "\r\n\r\n  \n", ErrSyntax},
		{"only unknown lines", "x=1\ny=2\n", ErrSyntax},
		{"not an SDP line", minimal + "hello world\r\n", ErrSyntax},
		{"HTML", "<html><body>404</body></html>", ErrSyntax},
		{"two-letter type", minimal + "ab=1\r\n", ErrSyntax},
		{"empty type", minimal + "=1\r\n", ErrSyntax},
		{"NUL inside", "v=0\ns=a\x00b\n", ErrSyntax},
		{"version not a number", "v=zero\n", ErrSyntax},
		{"version negative", "v=-1\n", ErrSyntax},
		{"media port not a number", minimal + "m=video abc RTP/AVP 96\r\n", ErrSyntax},
		{"media port negative", minimal + "m=video -1353744643 RTP/AVP 96\r\n", ErrSyntax},
		{"media port too large", minimal + "m=video 65536 RTP/AVP 96\r\n", ErrSyntax},
		{"media port count not a number", minimal + "m=video 5000/x RTP/AVP 96\r\n", ErrSyntax},
		{"media without formats", minimal + "m=audio 0 RTP/AVP\r\n", ErrSyntax},
		{"media empty", minimal + "m=\r\n", ErrSyntax},
		{"time one field", "t=0\n", ErrSyntax},
		{"time three fields", "t=0 0 0\n", ErrSyntax},
		{"time not a number", "t=now 0\n", ErrSyntax},
		{"bandwidth no colon", "b=AS\n", ErrSyntax},
		{"bandwidth not a number", "b=AS:fast\n", ErrSyntax},
		{"bandwidth empty type", "b=:64\n", ErrSyntax},
		{"bandwidth spaced type", "b=A S:64\n", ErrSyntax},
		{"connection TTL too large", "c=IN IP4 224.2.1.1/256\n", ErrSyntax},
		{"connection TTL not a number", "c=IN IP4 224.2.1.1/x\n", ErrSyntax},
		{"connection count not a number", "c=IN IP4 224.2.1.1/1/x\n", ErrSyntax},
		{"connection IPv6 with two suffixes", "c=IN IP6 ff15::1/1/2\n", ErrSyntax},
		{"connection too many slashes", "c=IN IP4 224.2.1.1/1/2/3\n", ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Session{Name: "untouched"}
			err := s.Unmarshal([]byte(tt.in))
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, "untouched", s.Name, "s changed on error")
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestUnmarshalErrorNamesLine(t *testing.T) {
	_, err := Parse([]byte(minimal + "m=video x RTP/AVP 96\r\n"))
	require.ErrorIs(t, err, ErrSyntax)
	require.Contains(t, err.Error(), "line 5")
	require.Contains(t, err.Error(), `"x"`)
}

func TestUnmarshalLimits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		lim  Limits
	}{
		{"size", minimal + strings.Repeat("a=x\r\n", 20), Limits{MaxSize: 64}},
		{"default size", "v=0\r\n" + strings.Repeat("a", DefaultMaxSize), Limits{}},
		{"lines", minimal + strings.Repeat("a=x\r\n", 10), Limits{MaxLines: 10}},
		{"default lines", strings.Repeat("e=x\n", DefaultMaxLines+1), Limits{}},
		{"media", minimal + strings.Repeat("m=audio 0 RTP/AVP 0\r\n", 3), Limits{MaxMedia: 2}},
		{"default media", strings.Repeat("m=audio 0 RTP/AVP 0\n", DefaultMaxMedia+1), Limits{}},
		{"session attributes", minimal + strings.Repeat("a=x\r\n", 4), Limits{MaxAttributes: 3}},
		{"media attributes", minimal + "m=audio 0 RTP/AVP 0\r\n" + strings.Repeat("a=x\r\n", 4), Limits{MaxAttributes: 3}},
		{"default attributes", "m=audio 0 RTP/AVP 0\n" + strings.Repeat("a=x\n", DefaultMaxAttributes+1), Limits{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Session
			require.ErrorIs(t, s.UnmarshalLimits([]byte(tt.in), tt.lim), ErrTooLarge)
		})
	}
	// At the limit is fine; attributes are counted per section.
	in := minimal + strings.Repeat("a=x\r\n", 3) + "m=audio 0 RTP/AVP 0\r\n" + strings.Repeat("a=x\r\n", 3)
	var s Session
	require.NoError(t, s.UnmarshalLimits([]byte(in), Limits{MaxAttributes: 3, MaxMedia: 1, MaxLines: 11, MaxSize: len(in)}))
	require.Len(t, s.Media[0].Attributes, 3)
}

// The model must not alias the input buffer, and appending to one section's
// slices must not overwrite the next section.
func TestUnmarshalOwnsMemory(t *testing.T) {
	in := []byte(minimal + "a=s1\r\nm=video 0 RTP/AVP 96\r\na=m1\r\nb=AS:1\r\nc=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0\r\na=m2\r\nb=AS:2\r\nc=IN IP4 192.0.2.2\r\n")
	s, err := Parse(in)
	require.NoError(t, err)
	for i := range in {
		in[i] = 'X'
	}
	require.Equal(t, "x", s.Name)
	s.Attributes = append(s.Attributes, Attribute{Key: "appended"})
	v := s.Media[0]
	v.Attributes = append(v.Attributes, Attribute{Key: "appended"})
	v.Bandwidths = append(v.Bandwidths, Bandwidth{"X", 9})
	v.Connections = append(v.Connections, Connection{Address: "198.51.100.1"})
	v.Formats = append(v.Formats, "97")
	a := s.Media[1]
	require.Equal(t, []Attribute{{Key: "m1"}, {Key: "appended"}}, v.Attributes)
	require.Equal(t, []Attribute{{Key: "m2"}}, a.Attributes)
	require.Equal(t, []Bandwidth{{"AS", 2}}, a.Bandwidths)
	require.Equal(t, "192.0.2.2", a.Connections[0].Address)
	require.Equal(t, []string{"0"}, a.Formats)
}

// Errors quote at most a short, printable prefix of a hostile value.
func TestErrorQuotesAreBounded(t *testing.T) {
	port := strings.Repeat("9", 5000) + "\x01\xff"
	_, err := Parse([]byte("m=video " + port + " RTP/AVP 96\n"))
	require.ErrorIs(t, err, ErrSyntax)
	require.Less(t, len(err.Error()), 200)
	_, err = Parse([]byte("m=video 1\x01\xff RTP/AVP 96\n"))
	require.ErrorIs(t, err, ErrSyntax)
	require.Contains(t, err.Error(), `"1??"`)

	_, _, _, _, err = ParseRTPMap("96 " + strings.Repeat("H", 5000))
	require.ErrorIs(t, err, ErrSyntax)
	require.Less(t, len(err.Error()), 200)
}
