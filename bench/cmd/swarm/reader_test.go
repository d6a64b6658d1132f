package main

import (
	"encoding/binary"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSkipResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		err  bool
	}{
		{"complete", "RTSP/1.0 200 OK\r\nCSeq: 4\r\n\r\n$\x00", 28, false},
		{"with body", "RTSP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc$", 41, false},
		{"body not yet here", "RTSP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nab", 0, false},
		{"head not yet here", "RTSP/1.0 200 OK\r\nCSeq", 0, false},
		{"garbage", "HTTP/1.1 200 OK\r\n\r\n", 0, true},
		{"bad length", "RTSP/1.0 200 OK\r\ncontent-length: x\r\n\r\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := skipResponse([]byte(tc.in))
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.n, n)
		})
	}
}

func rtpPacket(seq uint16, ts uint32, marker bool) []byte {
	p := make([]byte, 20)
	p[0] = 0x80
	p[1] = 96
	if marker {
		p[1] |= 0x80
	}
	binary.BigEndian.PutUint16(p[2:], seq)
	binary.BigEndian.PutUint32(p[4:], ts)
	return p
}

func TestOnRTPCountsGapsAndMarkers(t *testing.T) {
	var rec atomic.Bool
	rec.Store(true)
	r := &reader{record: &rec}
	for _, p := range []struct {
		seq    uint16
		marker bool
	}{{65534, false}, {65535, true}, {2, false}, {2, false}, {3, true}, {1, false}} {
		r.onRTP(rtpPacket(p.seq, uint32(p.seq), p.marker), 42)
	}
	require.Equal(t, uint64(2), r.lost.Load(), "0 and 1 missing across the wrap")
	require.Equal(t, uint64(5), r.packets.Load(), "the duplicate is not counted; the late packet is")
	require.Equal(t, uint64(2), r.markers.Load())
	require.Equal(t, []arrival{{65535, 42}, {3, 42}}, r.arrivals)
	r.onRTP([]byte{0x80, 96}, 1) // too short: ignored
	require.Equal(t, uint64(5), r.packets.Load())
}

func TestCmsgTimestamp(t *testing.T) {
	oob := make([]byte, 32)
	binary.NativeEndian.PutUint64(oob, 32)
	binary.NativeEndian.PutUint32(oob[8:], 1)   // SOL_SOCKET
	binary.NativeEndian.PutUint32(oob[12:], 35) // SCM_TIMESTAMPNS
	binary.NativeEndian.PutUint64(oob[16:], 12)
	binary.NativeEndian.PutUint64(oob[24:], 345)
	ts, ok := cmsgTimestamp(oob)
	require.True(t, ok)
	require.Equal(t, int64(12_000_000_345), ts)
	_, ok = cmsgTimestamp(oob[:20])
	require.False(t, ok, "truncated")
	_, ok = cmsgTimestamp(nil)
	require.False(t, ok)
}
