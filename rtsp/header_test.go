package rtsp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalHeaderKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"cseq", "CSeq"},
		{"CSEQ", "CSeq"},
		{"CSeq", "CSeq"},
		{"www-authenticate", "WWW-Authenticate"},
		{"Www-Authenticate", "WWW-Authenticate"},
		{"rtp-info", "RTP-Info"},
		{"RTP-INFO", "RTP-Info"},
		{"content-base", "Content-Base"},
		{"Content-length", "Content-Length"},
		{"content-TYPE", "Content-Type"},
		{"session", "Session"},
		{"transport", "Transport"},
		{"public", "Public"},
		{"range", "Range"},
		{"authorization", "Authorization"},
		{"user-agent", "User-Agent"},
		{"server", "Server"},
		{"date", "Date"},
		{"accept", "Accept"},
		{"require", "Require"},
		{"proxy-require", "Proxy-Require"},
		{"unsupported", "Unsupported"},
		{"speed", "Speed"},
		{"scale", "Scale"},
		{"location", "Location"},
		{"cache-control", "Cache-Control"},
		{"connection", "Connection"},
		{"content-location", "Content-Location"},
		{"mtag", "MTag"},
		// Unknown names: textproto form.
		{"x-custom-thing", "X-Custom-Thing"},
		{"X-CUSTOM", "X-Custom"},
		{"Already-Canonical", "Already-Canonical"},
		{"funky-parameter", "Funky-Parameter"},
		// Not a token: unchanged.
		{"bad key", "bad key"},
		{"", ""},
		{"a:b", "a:b"},
	} {
		require.Equal(t, tc.want, CanonicalHeaderKey(tc.in), "key %q", tc.in)
	}
}

func TestCanonicalHeaderKeyNoAlloc(t *testing.T) {
	for _, k := range []string{"CSeq", "cseq", "Transport", "X-Already-Canonical"} {
		n := testing.AllocsPerRun(100, func() { _ = CanonicalHeaderKey(k) })
		require.Zero(t, n, k)
	}
}

func TestHeaderMethods(t *testing.T) {
	h := Header{}
	h.Set("cseq", "1")
	require.Equal(t, "1", h.Get("CSEQ"))
	require.Equal(t, []string{"1"}, h["CSeq"])
	h.Add("Via", "a")
	h.Add("via", "b")
	require.Equal(t, []string{"a", "b"}, h.Values("VIA"))
	require.Equal(t, "a", h.Get("Via"))
	h.Set("Via", "c")
	require.Equal(t, []string{"c"}, h.Values("via"))
	h.Del("VIA")
	require.Empty(t, h.Values("Via"))
	require.Equal(t, "", h.Get("Missing"))

	c := h.Clone()
	c.Set("CSeq", "2")
	require.Equal(t, "1", h.Get("CSeq"))
	require.Nil(t, Header(nil).Clone())
}

func TestHeaderWriteOrder(t *testing.T) {
	h := Header{
		"Session":   {"12345678"},
		"Transport": {"RTP/AVP;unicast"},
		"CSeq":      {"7"},
		"Accept":    {"application/sdp"},
		"Via":       {"a", "b"},
		"bad key":   {"dropped"},
		// Content-Length in the map is ignored: the body decides.
		"Content-Length": {"999"},
		"X-Inject":       {"v\r\nEvil: 1"},
	}
	got := string(appendHeader(nil, h, 3))
	require.Equal(t, "CSeq: 7\r\n"+
		"Accept: application/sdp\r\n"+
		"Content-Length: 3\r\n"+
		"Session: 12345678\r\n"+
		"Transport: RTP/AVP;unicast\r\n"+
		"Via: a\r\nVia: b\r\n"+
		"X-Inject: v  Evil: 1\r\n", got)
	// Byte-stable: map order never shows.
	for range 20 {
		require.Equal(t, got, string(appendHeader(nil, h, 3)))
	}
	require.NotContains(t, string(appendHeader(nil, h, 0)), "Content-Length")
}

func TestHeaderWriteManyKeys(t *testing.T) {
	h := Header{}
	for i := range 100 {
		h.Set(string(rune('A'+i%26))+string(rune('a'+i/26)), "v")
	}
	out := appendHeader(nil, h, 0)
	require.Equal(t, 100, bytes.Count(out, []byte("\r\n")))
}
