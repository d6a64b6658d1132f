package server

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/internal/testnet"
)

// newTestServer returns an initialised server on free ports; UDP ports come
// from a range unique to the test so parallel tests do not collide. Unless
// the test brings its own Logger, the server's log is kept and printed if
// the test fails (readers dropped, sessions timed out: the evidence).
func newTestServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		lg := &testLog{}
		cfg.Logger = slog.New(slog.NewTextHandler(lg, &slog.HandlerOptions{Level: slog.LevelDebug}))
		// Registered before Destroy's cleanup, so it runs after it.
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("server log:\n%s", lg.String())
			}
		})
	}
	if cfg.Port == 0 {
		cfg.Port = -1
	}
	if cfg.UDPPortMin == 0 {
		cfg.UDPPortMin, cfg.UDPPortMax = testnet.UDPRange()
	}
	if cfg.AdvertisedHost == "" {
		cfg.AdvertisedHost = "127.0.0.1"
	}
	if cfg.SessionTimeout == 0 {
		// The tests' raw players send no keep-alive, and a test may run
		// longer than the default minute when the package's parallel
		// tests queue for the machine's two cores: the reaper must not
		// end a player the test is watching. Tests of the timeout set
		// their own.
		cfg.SessionTimeout = 10 * time.Minute
	}
	s := New()
	require.NoError(t, s.InitConfig(cfg))
	t.Cleanup(func() { _ = s.Destroy() })
	return s
}

type seq struct {
	mu sync.Mutex
	n  int
}

func (s *seq) next() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return s.n
}

var testPortSeq seq

func TestMisuseReturnsSentinelErrors(t *testing.T) {
	s := New()
	// Everything before Init.
	require.ErrorIs(t, s.CreateSession("test", VideoH264, false), ErrNotInitialized)
	require.ErrorIs(t, s.DestroySession("test"), ErrNotInitialized)
	_, err := s.URL("test")
	require.ErrorIs(t, err, ErrNotInitialized)
	require.ErrorIs(t, s.Start(), ErrNotInitialized)
	require.ErrorIs(t, s.Stop(), ErrNotInitialized)
	require.ErrorIs(t, s.SendVideoData("test", []byte{0, 0, 1, 0x65}, 1000), ErrNotInitialized)
	require.ErrorIs(t, s.SendAudioData("test", []byte{0xff}, 1000), ErrNotInitialized)
	require.ErrorIs(t, s.Deinit(), ErrNotInitialized)

	require.NoError(t, s.InitConfig(Config{Port: -1, UDPPortMin: 21000, UDPPortMax: 21039, AdvertisedHost: "127.0.0.1"}))
	require.ErrorIs(t, s.Init(8554), ErrAlreadyInitialized)

	// Names.
	for _, bad := range []string{"", "a/b", "a b", "tab\t", "..", "x?y", "x#y", strings.Repeat("n", 200), "nul\x00"} {
		require.ErrorIs(t, s.CreateSession(bad, VideoH264, false), ErrBadSessionName, "%q", bad)
	}
	require.ErrorIs(t, s.CreateSession("v", "vp8", false), ErrUnknownVideoType)
	require.ErrorIs(t, s.CreateSessionWithAudio("v", VideoH264, "opus"), ErrUnknownAudioType)

	// Strings and constants both work, and a duplicate is refused.
	require.NoError(t, s.CreateSession("test", "h264", false))
	require.NoError(t, s.CreateSession("hevc", MediaH265, true))
	require.NoError(t, s.CreateSession("jpeg", "MJPEG", false))
	require.ErrorIs(t, s.CreateSession("test", VideoH265, false), ErrSessionExists)

	// Unknown sessions.
	require.ErrorIs(t, s.DestroySession("nope"), ErrUnknownSession)
	_, err = s.URL("nope")
	require.ErrorIs(t, err, ErrUnknownSession)
	require.ErrorIs(t, s.SendVideoData("nope", []byte{0, 0, 1, 0x65}, 1), ErrUnknownSession)

	// Audio to a session without audio; garbage video.
	require.ErrorIs(t, s.SendAudioData("test", []byte{1, 2, 3}, 1), ErrNoAudio)
	require.ErrorIs(t, s.SendVideoData("test", []byte("not annex b"), 1), ErrBadMedia)

	// Sending before Start is fine.
	require.NoError(t, s.SendVideoData("test", []byte{0, 0, 0, 1, 0x09, 0xf0}, 1))

	require.NoError(t, s.Start())
	require.ErrorIs(t, s.Start(), ErrAlreadyStarted)
	require.NoError(t, s.Stop())
	require.ErrorIs(t, s.Stop(), ErrNotStarted)
	require.ErrorIs(t, s.SendVideoData("test", []byte{0, 0, 0, 1, 0x09, 0xf0}, 1), ErrStopped)
	// Stop then Start works, and sending works again.
	require.NoError(t, s.Start())
	require.NoError(t, s.SendVideoData("test", []byte{0, 0, 0, 1, 0x09, 0xf0}, 2))

	require.NoError(t, s.DestroySession("hevc"))
	require.NoError(t, s.Deinit())
	require.ErrorIs(t, s.Deinit(), ErrNotInitialized)
	require.NoError(t, s.Destroy())
	require.ErrorIs(t, s.Destroy(), ErrDestroyed)
	require.ErrorIs(t, s.Init(8554), ErrDestroyed)
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	s := newTestServer(t, Config{Port: ln.Addr().(*net.TCPAddr).Port, ListenAddress: "127.0.0.1"})
	require.NoError(t, s.CreateSession("test", VideoH264, false))
	err = s.Start()
	require.ErrorIs(t, err, ErrPortInUse)
	require.True(t, errors.Is(err, ErrPortInUse))
}

func TestURL(t *testing.T) {
	s := newTestServer(t, Config{Port: 8554, AdvertisedHost: "cam.local"})
	require.NoError(t, s.CreateSession("live", VideoH264, false))
	u, err := s.URL("live")
	require.NoError(t, err)
	require.Equal(t, "rtsp://cam.local:8554/live", u)

	// Without an advertised host the URL never says 0.0.0.0.
	s2 := New()
	require.NoError(t, s2.Init(8554))
	defer s2.Destroy()
	require.NoError(t, s2.CreateSession("live", VideoH264, false))
	u, err = s2.GetRTSPURL("live")
	require.NoError(t, err)
	require.NotContains(t, u, "0.0.0.0")
	require.True(t, strings.HasPrefix(u, "rtsp://") && strings.HasSuffix(u, ":8554/live"), u)

	// A server that listens on one address puts that one in its URLs (a
	// URL with the primary address would not reach it); listening on
	// every address is no address.
	for listen, want := range map[string]string{
		"127.0.0.2":        "rtsp://127.0.0.2:8554/live",
		"::1":              "rtsp://[::1]:8554/live",
		"::ffff:127.0.0.3": "rtsp://127.0.0.3:8554/live",
		"0.0.0.0":          u,
		"::":               u,
	} {
		s3 := New()
		require.NoError(t, s3.InitConfig(Config{Port: 8554, ListenAddress: listen}))
		require.NoError(t, s3.CreateSession("live", VideoH264, false))
		got, err := s3.URL("live")
		require.NoError(t, err)
		require.Equal(t, want, got, "ListenAddress %s", listen)
		require.NoError(t, s3.Destroy())
	}
}

func TestTwoServersAreIndependent(t *testing.T) {
	a := newTestServer(t, Config{})
	b := newTestServer(t, Config{})
	require.NoError(t, a.CreateSession("test", VideoH264, false))
	require.NoError(t, b.CreateSession("test", VideoH264, false))
	require.NoError(t, a.DestroySession("test"))
	_, err := b.URL("test")
	require.NoError(t, err)
}

func TestParseTypes(t *testing.T) {
	for in, want := range map[string]VideoType{"h264": VideoH264, "AVC": VideoH264, "0": VideoH264, "h265": VideoH265, "hevc": VideoH265, "1": VideoH265, "mjpeg": VideoMJPEG, "2": VideoMJPEG} {
		got, err := ParseVideoType(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseVideoType("3")
	require.ErrorIs(t, err, ErrUnknownVideoType)
	for in, want := range map[string]AudioType{"": AudioNone, "ulaw": AudioPCMU, "PCMU": AudioPCMU, "alaw": AudioPCMA, "aac": AudioAAC} {
		got, err := ParseAudioType(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, c := range []Config{
		{Port: 70000},
		{UDPPortMin: 9000, UDPPortMax: 9000},
		{MulticastRange: "10.0.0.0/8"},
		{MulticastRange: "239.1.1.1/32"},
		{MaxPacketSize: 20},
		{TimestampUnit: 7},
	} {
		require.ErrorIs(t, New().InitConfig(c), ErrBadConfig, "%+v", c)
	}
}

// StreamNames lists board sessions and publishers' sessions, sorted, and
// forgets a destroyed one.
func TestStreamNames(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{})
	require.Empty(t, s.StreamNames())
	require.NoError(t, s.CreateSession("b", VideoH264, false))
	_, err := s.NewStream("a", VideoNone, AudioPCMU)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, s.StreamNames())
	require.NoError(t, s.DestroySession("a"))
	require.Equal(t, []string{"b"}, s.StreamNames())
}
