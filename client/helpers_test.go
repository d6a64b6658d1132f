package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/internal/testnet"
	"github.com/rtspkit/rtspkit/server"
)

// testServer is a started server with one H.264 session "test" fed from
// h264_main_720p.h264 at real pace by a goroutine, until the test ends.
type testServer struct {
	srv *server.Server
	url string
	// aus are the access units of the file, in order, each as NAL units.
	aus [][][]byte
	sps []byte
	pps []byte
}

// startServer starts a server on loopback with cfg (ports chosen here) and
// starts feeding it. Cleanup stops both.
func startServer(t *testing.T, cfg server.Config) *testServer {
	t.Helper()
	cfg.Port = -1
	cfg.ListenAddress = "127.0.0.1"
	cfg.AdvertisedHost = "127.0.0.1"
	srv := startWithRetry(t, cfg, func(srv *server.Server) error {
		return srv.CreateSession("test", "h264", false)
	})
	ts := &testServer{srv: srv, aus: loadAUs(t)}
	for _, au := range ts.aus {
		sps, pps := h26x.H264ParameterSets(au)
		if sps != nil && ts.sps == nil {
			ts.sps = sps
		}
		if pps != nil && ts.pps == nil {
			ts.pps = pps
		}
	}
	port := srv.Addr().(*net.TCPAddr).Port
	ts.url = fmt.Sprintf("rtsp://127.0.0.1:%d/test", port)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ts.feed(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = srv.Stop()
		_ = srv.Destroy()
	})
	return ts
}

// feed sends the file's access units at 25 per second with millisecond
// timestamps 40 apart, looping, until ctx ends.
func (ts *testServer) feed(ctx context.Context) {
	tick := time.NewTicker(40 * time.Millisecond)
	defer tick.Stop()
	var buf []byte
	for i := 0; ; i++ {
		au := ts.aus[i%len(ts.aus)]
		buf = h26x.AppendAnnexB(buf[:0], au...)
		if err := ts.srv.SendVideoData("test", buf, uint64(1000+40*i)); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

var (
	ausOnce sync.Once
	ausData [][][]byte
	ausErr  error
)

// loadAUs splits the test stream into access units.
func loadAUs(t testing.TB) [][][]byte {
	t.Helper()
	ausOnce.Do(func() {
		b, err := os.ReadFile("../testdata/h264_main_720p.h264")
		if err != nil {
			ausErr = err
			return
		}
		nals := h26x.SplitNALs(nil, b)
		sp := h26x.AccessUnitSplitter{Detector: &h26x.H264AUDetector{}}
		for _, nal := range nals {
			if au, ok := sp.Push(nil, nal); ok {
				ausData = append(ausData, au)
			}
		}
		if au, ok := sp.Flush(nil); ok {
			ausData = append(ausData, au)
		}
	})
	require.NoError(t, ausErr)
	require.NotEmpty(t, ausData)
	return ausData
}

// withoutParams returns au without its SPS and PPS NAL units.
func withoutParams(au [][]byte) [][]byte {
	var out [][]byte
	for _, n := range au {
		switch h26x.H264Type(n) {
		case h26x.H264NALSPS, h26x.H264NALPPS:
			continue
		}
		out = append(out, n)
	}
	return out
}

func equalNALs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func cloneNALs(nals [][]byte) [][]byte {
	out := make([][]byte, len(nals))
	for i, n := range nals {
		out[i] = append([]byte(nil), n...)
	}
	return out
}

// clientGoroutines returns the stacks of goroutines running code of this
// package (other than tests).
func clientGoroutines() []string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	var out []string
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "rtspkit/client.(*Client)") || strings.Contains(g, "rtspkit/client.(*track)") {
			out = append(out, g)
		}
	}
	return out
}

func netipLoopback() netip.Addr { return netip.MustParseAddr("127.0.0.1") }

func udpPortOf(c *net.UDPConn) int { return c.LocalAddr().(*net.UDPAddr).Port }

func readFileErr(path string) ([]byte, error) { return os.ReadFile(path) }

// startWithRetry starts a server with cfg and its sessions made by setup,
// on a fresh UDP range each try: another program may hold ports of the
// range (the server then fails with ErrPortInUse).
func startWithRetry(t *testing.T, cfg server.Config, setup func(*server.Server) error) *server.Server {
	t.Helper()
	var err error
	for range 5 {
		cfg.UDPPortMin, cfg.UDPPortMax = testnet.UDPRange()
		srv := server.New()
		require.NoError(t, srv.InitConfig(cfg))
		require.NoError(t, setup(srv))
		if err = srv.Start(); err == nil {
			return srv
		}
		_ = srv.Destroy()
		if !errors.Is(err, server.ErrPortInUse) {
			break
		}
	}
	require.NoError(t, err)
	return nil
}
