package server

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A MulticastInterface that does not exist is an error at Start, not a
// silent fallback to the system's choice (issue 12).
func TestStartRefusesUnknownMulticastInterface(t *testing.T) {
	t.Parallel()
	s := New()
	require.NoError(t, s.InitConfig(Config{Port: -1, ListenAddress: "127.0.0.1", MulticastInterface: "nosuchif0"}))
	require.NoError(t, s.CreateSession("test", VideoH264, false))
	err := s.Start()
	require.Error(t, err)
	require.True(t, errors.Is(err, ErrBadConfig), "%v", err)
	require.Contains(t, err.Error(), "nosuchif0")
	require.NoError(t, s.Destroy())
}

// Each stream has a CNAME of its own, shared by its audio and video (RFC
// 3550 §6.5.1), computed without a network round trip (issue 12).
func TestCNAMEPerStream(t *testing.T) {
	t.Parallel()
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	a := newMount("a", VideoH264, AudioPCMU, &cfg)
	b := newMount("b", VideoH264, AudioPCMU, &cfg)
	require.NotEqual(t, a.cname, b.cname)
	require.True(t, strings.HasPrefix(a.cname, "rtspkit-"), a.cname)
	require.Contains(t, a.cname, "@")
	for _, m := range []*mount{a, b} {
		m.tracks[0].packets.Store(1)
		m.tracks[1].packets.Store(1)
		for _, tr := range m.tracks {
			f := m.reportFrame(tr, m.clock.epoch, false)
			require.NotNil(t, f)
			require.Contains(t, string(f.data), m.cname, "track %d's SDES carries the stream's CNAME", tr.index)
			f.release()
		}
	}
}

// Init(port) means exactly InitConfig(Config{Port: port}): 0 is the
// default port, -1 a free one (issue 12: Init(0) used to pick a free port
// while Config{Port: 0} meant 8554).
func TestInitMeansInitConfig(t *testing.T) {
	t.Parallel()
	for _, port := range []int{0, -1, 8554, 9000} {
		a, b := New(), New()
		require.NoError(t, a.Init(port))
		require.NoError(t, b.InitConfig(Config{Port: port}))
		require.Equal(t, b.cfg.Port, a.cfg.Port, "port %d", port)
		require.NoError(t, a.Destroy())
		require.NoError(t, b.Destroy())
	}
	s := New()
	require.NoError(t, s.Init(0))
	require.Equal(t, 8554, s.cfg.Port)
	require.NoError(t, s.Destroy())
}
