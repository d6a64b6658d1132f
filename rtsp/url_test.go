package rtsp

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func TestResolveControl(t *testing.T) {
	for _, tc := range []struct{ base, control, want string }{
		// Relative controls: exactly one '/' either way.
		{"rtsp://127.0.0.1:8554/test/", "trackID=0", "rtsp://127.0.0.1:8554/test/trackID=0"},
		{"rtsp://127.0.0.1:8554/test", "trackID=0", "rtsp://127.0.0.1:8554/test/trackID=0"},
		{"rtsp://127.0.0.1:8554/test/", "/trackID=0", "rtsp://127.0.0.1:8554/test/trackID=0"},
		{"rtsp://foo.com/test.wav/", "streamid=0", "rtsp://foo.com/test.wav/streamid=0"}, // RFC 2326 §14.3
		{"rtsp://h:554", "track1", "rtsp://h:554/track1"},
		{"rtsp://h/live/cam1", "stream=0", "rtsp://h/live/cam1/stream=0"}, // GStreamer style
		// Query of the base: the control goes after it (ffmpeg, live555, gortsplib).
		{"rtsp://h/live?token=abc", "trackID=1", "rtsp://h/live?token=abc/trackID=1"},
		{"rtsp://h/live/?token=abc", "trackID=1", "rtsp://h/live/?token=abc/trackID=1"},
		{"rtsp://h/Streaming/Channels/101?transportmode=unicast&profile=Profile_1", "trackID=1",
			"rtsp://h/Streaming/Channels/101?transportmode=unicast&profile=Profile_1/trackID=1"},
		// '?'-controls are appended without a separator.
		{"rtsp://h/live", "?ctype=video", "rtsp://h/live?ctype=video"},
		// "*" and "" mean the base; the fragment is dropped.
		{"rtsp://h/live/", "*", "rtsp://h/live/"},
		{"rtsp://h/live#frag", "", "rtsp://h/live"},
		// Absolute controls are used as they are (RFC 2326 §14.1, §14.2).
		{"rtsp://foo/twister", "rtsp://foo/twister/audio", "rtsp://foo/twister/audio"},
		{"rtsp://www.example.com/", "rtsp://audio.example.com/twister/audio.en", "rtsp://audio.example.com/twister/audio.en"},
		{"rtsp://h/x", "RTSP://other:1/y", "rtsp://other:1/y"},
		// Credentials of the base stay; the client strips them on the wire.
		{"rtsp://u:p@h/x/", "trackID=2", "rtsp://u:p@h/x/trackID=2"},
	} {
		got, err := ResolveControl(mustURL(t, tc.base), tc.control)
		require.NoError(t, err, "%s + %s", tc.base, tc.control)
		require.Equal(t, tc.want, got.String(), "%s + %s", tc.base, tc.control)
	}
	_, err := ResolveControl(nil, "x")
	require.Error(t, err)
	_, err = ResolveControl(mustURL(t, "rtsp://h/x"), "track\x00")
	require.ErrorIs(t, err, ErrMalformed)
	_, err = ResolveControl(mustURL(t, "rtsp://h/x"), "rtsp://[bad/")
	require.ErrorIs(t, err, ErrMalformed)
	_, err = ResolveControl(mustURL(t, "rtsp://h/x"), "a%zz")
	require.ErrorIs(t, err, ErrMalformed)
}

func TestIsAbsoluteURL(t *testing.T) {
	for s, want := range map[string]bool{
		"rtsp://h/x": true, "rtsps://h": true, "a+b.c-d:x": true,
		"trackID=0": false, "track:1": true, "/a:b": false, "trackID=1:2": false,
		":x": false, "1a:b": false, "": false, "?a:b": false,
	} {
		require.Equal(t, want, isAbsoluteURL(s), s)
	}
}

func TestMatchMount(t *testing.T) {
	for _, tc := range []struct {
		url, mount, control string
		err                 error
	}{
		// Aggregate forms.
		{"rtsp://127.0.0.1:8554/test", "test", "", nil},
		{"rtsp://127.0.0.1:8554/test/", "test", "", nil},
		{"rtsp://127.0.0.1:554/test", "/test/", "", nil}, // ffmpeg adds :554
		{"rtsp://10.0.0.9/test?user=a", "test", "", nil}, // query on the aggregate
		{"rtsp://h/live/cam1", "live/cam1", "", nil},     // nested mount
		{"rtsp://h/te%73t", "test", "", nil},             // percent-encoded
		{"/test", "test", "", nil},                       // bare path request
		{"rtsp://h/", "", "", nil},                       // root mount
		{"rtsp://h", "/", "", nil},
		// Track forms.
		{"rtsp://127.0.0.1:8554/test/trackID=0", "test", "trackID=0", nil}, // ffmpeg, live555
		{"rtsp://h/test/track1", "test", "track1", nil},
		{"rtsp://h/test/stream=1", "test", "stream=1", nil},             // GStreamer
		{"rtsp://h/test/trackID=1/", "test", "trackID=1", nil},          // trailing slash
		{"rtsp://h/test//trackID=1", "test", "trackID=1", nil},          // doubled slash
		{"rtsp://h/test?token=abc/trackID=1", "test", "trackID=1", nil}, // control after the query
		{"rtsp://h/test/?token=abc/trackID=1", "test", "trackID=1", nil},
		{"rtsp://h/test/trackID=0?token=abc", "test", "trackID=0", nil}, // absolute control with query
		{"rtsp://h/live/cam1/trackID=0", "live/cam1", "trackID=0", nil},
		{"rtsp://h/test/a/b", "test", "a/b", nil},
		{"rtsp://h/trackID=0", "", "trackID=0", nil},
		// Not this mount.
		{"rtsp://h/other", "test", "", ErrNotMount},
		{"rtsp://h/testing", "test", "", ErrNotMount},
		{"rtsp://h/Test", "test", "", ErrNotMount},
		{"rtsp://h/", "test", "", ErrNotMount},
		{"*", "test", "", ErrNotMount},
		// Hostile paths.
		{"rtsp://h/test/../etc/passwd", "test", "", ErrBadPath},
		{"rtsp://h/test/%2e%2e/x", "test", "", ErrBadPath},
		{"rtsp://h/../test", "test", "", ErrBadPath},
		{"rtsp://h/test/..", "test", "", ErrBadPath},
		{"rtsp://h/test%00/x", "test", "", ErrBadPath},
		{"rtsp://h/test/track%00", "test", "", ErrBadPath},
		{"rtsp://h/test?q/%00", "test", "", ErrBadPath},
		{"rtsp://h/test?q/..", "test", "", ErrBadPath},
		{"rtsp://h/test?q/%zz", "test", "", ErrBadPath},
	} {
		var u *url.URL
		if tc.url == "*" {
			u = &url.URL{Path: "*"}
		} else {
			u = mustURL(t, tc.url)
		}
		got, err := MatchMount(u, tc.mount)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.url)
			continue
		}
		require.NoError(t, err, tc.url)
		require.Equal(t, tc.control, got, tc.url)
	}
	_, err := MatchMount(nil, "x")
	require.ErrorIs(t, err, ErrNotMount)
	// "..." and ".x" are ordinary names.
	got, err := MatchMount(mustURL(t, "rtsp://h/test/.../.x"), "test")
	require.NoError(t, err)
	require.Equal(t, ".../.x", got)
}

// What a player resolves is what the server recognises.
func TestResolveThenMatch(t *testing.T) {
	for _, base := range []string{
		"rtsp://h:8554/live/", "rtsp://h:8554/live", "rtsp://h:8554/live?token=x", "rtsp://h:8554/live/?token=x",
	} {
		for _, control := range []string{"trackID=0", "trackID=1", "/track2"} {
			u, err := ResolveControl(mustURL(t, base), control)
			require.NoError(t, err)
			got, err := MatchMount(u, "live")
			require.NoError(t, err, u.String())
			require.Equal(t, trimSlash(control), got, u.String())
		}
		u, err := ResolveControl(mustURL(t, base), "*")
		require.NoError(t, err)
		got, err := MatchMount(u, "live")
		require.NoError(t, err)
		require.Equal(t, "", got)
	}
}

func trimSlash(s string) string {
	for len(s) > 0 && s[0] == '/' {
		s = s[1:]
	}
	return s
}

func TestParseContentBase(t *testing.T) {
	u, err := ParseContentBase(" rtsp://foo.com/test.wav/ ")
	require.NoError(t, err)
	require.Equal(t, "rtsp://foo.com/test.wav/", u.String())
	for _, in := range []string{"", "/relative", "trackID=0", "rtsp://", "rtsp://h/a b", "rtsp://[x"} {
		_, err := ParseContentBase(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}
