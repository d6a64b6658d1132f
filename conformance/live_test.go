//go:build linux

package conformance

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// sampleAUs returns the access units of the 720p H.264 sample, as Annex-B
// (what WriteVideo takes).
func sampleAUs(t *testing.T) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "h264_main_720p.h264"))
	require.NoError(t, err)
	var aus [][]byte
	for _, au := range splitAccessUnits(splitAnnexB(data), false) {
		aus = append(aus, h26x.AppendAnnexB(nil, au...))
	}
	require.NotEmpty(t, aus)
	return aus
}

// feedLive writes aus to st, looping, 25 pictures a second on an absolute
// schedule (a late write does not shift the ones after it), with
// millisecond timestamps, until the test ends or a write fails.
func feedLive(t *testing.T, st *server.Stream, aus [][]byte) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		for i := 0; ; i++ {
			if err := st.WriteVideo(aus[i%len(aus)], uint64(i*40)); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Until(start.Add(time.Duration(i+1) * 40 * time.Millisecond))):
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

// cellPorts returns a block of UDP ports of its own for one test: the
// server's range and the players' (portsPerCell each).
func cellPorts() (serverLo, clientLo int) {
	k := int(nextPortBlock.Add(1)) % 250
	return udpPortBase + k*portsPerCell, clientPortBase + k*portsPerCell
}

// liveServer starts a server with cfg (its UDP range from cellPorts unless
// set) and one H.264 session "test" fed live from the sample; it returns
// the session and the players' first port. Everything ends with the test.
func liveServer(t *testing.T, cfg server.Config) (*server.Stream, int) {
	t.Helper()
	udpLo, cp := cellPorts()
	if cfg.UDPPortMin == 0 {
		cfg.UDPPortMin, cfg.UDPPortMax = udpLo, udpLo+portsPerCell-1
	}
	if cfg.Port == 0 {
		cfg.Port = -1
	}
	srv, err := server.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Destroy() })
	st, err := srv.NewStream("test", server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	feedLive(t, st, sampleAUs(t))
	return st, cp
}
