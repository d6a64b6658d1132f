package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// A frame a fan-out worker began on a full TCP socket is finished before
// anything else goes out on that connection, by whichever goroutine writes
// there next (here, the connection's own, answering a request), and the
// write lock is released by the goroutine that took it. A real loopback
// connection whose player does not read yet: the worker's non-blocking
// write of a frame larger than the socket can hold goes out in part, a
// second frame is refused while the rest is pending, and a response
// written next arrives after the whole frame, byte for byte.
func TestTCPBegunFrameIsFinishedBeforeAnythingElse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	player, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer player.Close()
	require.NoError(t, player.(*net.TCPConn).SetReadBuffer(32<<10))
	nc, err := ln.Accept()
	require.NoError(t, err)
	require.NoError(t, nc.(*net.TCPConn).SetWriteBuffer(32<<10))
	rt := &runtime{cfg: &Config{WriteTimeout: hangTimeout}}
	c := newConn(rt, nc)
	defer c.close()

	var pool framePool
	frameOf := func(fill byte) *frame {
		f := pool.get(0)
		f.data = append(f.data, bytes.Repeat([]byte{fill}, 256<<10)...)
		s := rtp.Stream{PayloadType: 96, SSRC: 1}
		for off := 0; off < len(f.data); off += 1400 {
			f.batch.Begin(&s, 0)
			f.batch.SetBody(f.data[off:min(off+1400, len(f.data))])
		}
		f.seal()
		return f
	}
	f := frameOf(0xA5)
	defer f.release()
	n, err := c.tryWriteWire(f)
	require.ErrorIs(t, err, errUseFallback, "256 KiB cannot fit in the socket's buffers")
	require.Positive(t, n, "the frame was begun")
	require.Less(t, n, len(f.wire))
	require.EqualValues(t, 1, rt.begun.Load())

	g := frameOf(0x5A)
	defer g.release()
	n2, err := c.tryWriteWire(g)
	require.ErrorIs(t, err, errUseFallback)
	require.Zero(t, n2, "nothing may be written while a begun frame's rest is pending")

	// The connection's goroutine answers a request: it writes the rest
	// first (it blocks until the player reads).
	resp := rtsp.NewResponse(nil, rtsp.StatusOK)
	resp.Header.Set("CSeq", "7")
	wrote := make(chan error, 1)
	go func() { wrote <- c.writeResponse(resp) }()

	// The player reads the frame, then the response.
	require.NoError(t, player.SetReadDeadline(time.Now().Add(hangTimeout)))
	got := make([]byte, len(f.wire))
	_, err = io.ReadFull(player, got)
	require.NoError(t, err)
	require.True(t, bytes.Equal(f.wire, got), "the begun frame arrives whole, before anything else")
	rd := rtsp.NewReader(bufio.NewReader(player), rtsp.Limits{})
	m, err := rd.Read()
	require.NoError(t, err)
	require.Equal(t, rtsp.KindResponse, m.Kind)
	require.Equal(t, "7", m.Response.Header.Get("CSeq"))
	require.NoError(t, <-wrote)

	// Nothing is pending any more: the reader's writer, which also asks
	// for the rest, writes nothing; the lock is free.
	require.NoError(t, c.finishRest())
	require.True(t, c.wmu.TryLock(), "the write lock is free")
	require.Nil(t, c.rest)
	c.wmu.Unlock()
}

// A DESCRIBE that waits for the stream's first keyframe (its parameter
// sets) ends its wait when the player hangs up, rather than holding the
// connection for the whole of DescribeWait.
func TestDescribeWaitEndsWhenThePlayerHangsUp(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{DescribeWait: 10 * hangTimeout}, VideoH264, AudioNone)
	conns := func() int {
		s.run.mu.Lock()
		defer s.run.mu.Unlock()
		return len(s.run.conns)
	}
	nc := dialTCP(t, s)
	_, err := fmt.Fprintf(nc, "DESCRIBE rtsp://%s/test RTSP/1.0\r\nCSeq: 1\r\n\r\n", serverAddr(s))
	require.NoError(t, err)
	// Nothing was sent to the stream, so it cannot be described: the
	// server waits, whether it reads the request before or after the
	// hang-up (the request stays readable in the socket).
	deadline := time.Now().Add(hangTimeout)
	for conns() != 1 {
		require.True(t, time.Now().Before(deadline))
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, nc.Close())
	for conns() != 0 {
		require.True(t, time.Now().Before(deadline), "the connection is still held by its DESCRIBE wait")
		time.Sleep(5 * time.Millisecond)
	}
}
