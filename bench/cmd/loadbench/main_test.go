package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRows(t *testing.T) {
	rows, err := parseRows("tcp:100, udp:3,relay-udp:7,push:2")
	require.NoError(t, err)
	require.Equal(t, []row{{"", "tcp", 100}, {"", "udp", 3}, {"relay", "udp", 7}, {"push", "tcp", 2}}, rows)
	for _, bad := range []string{"tcp", "sctp:1", "udp:0", "tcp:x", "relay:3", "push-tcp:1"} {
		_, err := parseRows(bad)
		require.Error(t, err, bad)
	}
}

func TestCPUTicksOfSelf(t *testing.T) {
	a, err := cpuTicks(os.Getpid())
	require.NoError(t, err)
	for i := 0; i < 30_000_000; i++ { // burn some CPU
		_ = fmt.Sprint
	}
	b, err := cpuTicks(os.Getpid())
	require.NoError(t, err)
	require.GreaterOrEqual(t, b, a)
	_, err = cpuTicks(-1)
	require.Error(t, err)
}

func TestComputeLatency(t *testing.T) {
	dir := t.TempDir()
	const base = int64(1_000_000_000_000)
	const period = int64(40_000_000)
	var send strings.Builder
	for k := int64(0); k < 10; k++ {
		start := base + k*period
		fmt.Fprintf(&send, "%d %d\n", start, start+100_000) // returns after 0.1 ms
	}
	const offset = 777 // the server's RTP timestamp of access unit 0
	var arr strings.Builder
	for k := int64(0); k < 10; k++ {
		ts := offset + 3600*k
		at := base + k*period + 1_100_000 // 1 ms after the return
		if k == 5 {
			at += 50_000_000 // 50 ms late: after the next send started
		}
		fmt.Fprintf(&arr, "0 %d %d\n", ts, at)
	}
	fmt.Fprintf(&arr, "1 %d %d\n", offset+3600*2+5, base) // matches no access unit
	sp, ap := filepath.Join(dir, "send"), filepath.Join(dir, "arr")
	require.NoError(t, os.WriteFile(sp, []byte(send.String()), 0o644))
	require.NoError(t, os.WriteFile(ap, []byte(arr.String()), 0o644))
	l, err := computeLatency(sp, ap, func(k int) bool { return k == 5 })
	require.NoError(t, err)
	require.Equal(t, 10, l.n)
	require.Equal(t, 1, l.mismatch)
	require.InDelta(t, 1.0, l.p50, 1e-9)
	require.InDelta(t, 51.0, l.max, 1e-9, "the late frame counts with its whole latency")
	require.InDelta(t, 51.0, l.keyP99, 1e-9, "the keyframes' p99 is the late frame's")
	require.InDelta(t, 1.0, l.otherP99, 1e-9)
}
