package main

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// Kernel receive timestamps (socket(7) SO_TIMESTAMPNS): the time a packet
// reached the socket, in CLOCK_REALTIME nanoseconds, the clock time.Now
// reads in the server process too. For TCP, recvmsg reports the timestamp
// of the last segment it copied (tcp_recv_timestamp); for UDP each datagram
// has its own.

func enableTimestamps(c syscall.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// cmsgTimestamp finds SCM_TIMESTAMPNS in control data without allocating.
func cmsgTimestamp(oob []byte) (int64, bool) {
	const hdr = 16 // struct cmsghdr on 64-bit Linux: len uint64, level int32, type int32
	for len(oob) >= hdr {
		l := int(binary.NativeEndian.Uint64(oob))
		level := int32(binary.NativeEndian.Uint32(oob[8:]))
		typ := int32(binary.NativeEndian.Uint32(oob[12:]))
		if l < hdr || l > len(oob) {
			return 0, false
		}
		if level == syscall.SOL_SOCKET && typ == syscall.SCM_TIMESTAMPNS && l >= hdr+16 {
			sec := int64(binary.NativeEndian.Uint64(oob[hdr:]))
			nsec := int64(binary.NativeEndian.Uint64(oob[hdr+8:]))
			return sec*1e9 + nsec, true
		}
		l = (l + 7) &^ 7 // CMSG_ALIGN
		if l > len(oob) {
			break
		}
		oob = oob[l:]
	}
	return 0, false
}

// tsReader reads a TCP connection with recvmsg and returns the kernel
// timestamp of each read (or the time of the read's return without one).
type tsReader struct {
	c      net.Conn
	rc     syscall.RawConn
	kernel bool
	oob    []byte
}

func newTSReader(c net.Conn, kernel bool) (*tsReader, error) {
	t := &tsReader{c: c, kernel: kernel, oob: make([]byte, 64)}
	if !kernel {
		return t, nil
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.New("not a syscall.Conn")
	}
	if err := enableTimestamps(sc); err != nil {
		return nil, err
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	t.rc = rc
	return t, nil
}

func (t *tsReader) read(b []byte) (int, int64, error) {
	if !t.kernel {
		n, err := t.c.Read(b)
		return n, time.Now().UnixNano(), err
	}
	var n, oobn int
	var rerr error
	err := t.rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = syscall.Recvmsg(int(fd), b, t.oob, 0)
		return rerr != syscall.EAGAIN
	})
	now := time.Now().UnixNano()
	if err == nil {
		err = rerr
	}
	if err != nil {
		return 0, now, err
	}
	if n == 0 && len(b) > 0 {
		return 0, now, io.EOF
	}
	if ts, ok := cmsgTimestamp(t.oob[:oobn]); ok {
		return n, ts, nil
	}
	return n, now, nil
}
