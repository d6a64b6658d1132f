package main

import (
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

func TestStatusLine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	reader := func(session string, bytes, dropped uint64) server.ReaderStats {
		return server.ReaderStats{Session: session, Transport: "tcp", Remote: "127.0.0.1", Bytes: bytes, FramesDropped: dropped}
	}
	s := status{units: unitsLabel(server.VideoH264, server.AudioAAC), last: t0}
	for _, tc := range []struct {
		name string
		st   server.SessionStats
		want string
	}{
		{"nobody yet", server.SessionStats{UnitsIn: 152},
			"rtspd: 0 players, 0.00 Mbit/s out, 0 frames dropped for slow players, 152 NAL units and AAC frames from the input"},
		{"one joins: all its bytes are this interval's", server.SessionStats{UnitsIn: 300,
			Readers: []server.ReaderStats{reader("a", 625_000, 0)}},
			"rtspd: 1 player, 1.00 Mbit/s out, 0 frames dropped for slow players, 300 NAL units and AAC frames from the input"},
		{"another joins, the first goes on", server.SessionStats{UnitsIn: 450, MediaDropped: 3,
			Readers: []server.ReaderStats{reader("a", 1_250_000, 2), reader("b", 1_250_000, 1)}},
			"rtspd: 2 players, 3.00 Mbit/s out, 3 frames dropped for slow players, 450 NAL units and AAC frames from the input (3 refused as malformed)"},
		{"one leaves: no negative rate", server.SessionStats{UnitsIn: 600,
			Readers: []server.ReaderStats{reader("b", 1_250_000, 1)}},
			"rtspd: 1 player, 0.00 Mbit/s out, 1 frame dropped for slow players, 600 NAL units and AAC frames from the input"},
	} {
		t0 = t0.Add(5 * time.Second)
		require.Equal(t, tc.want, s.line(tc.st, t0), tc.name)
	}
	require.Equal(t, "JPEG pictures and 20 ms G.711 chunks", unitsLabel(server.VideoMJPEG, server.AudioPCMU))
	require.Equal(t, "NAL units", unitsLabel(server.VideoH265, server.AudioNone))
}
