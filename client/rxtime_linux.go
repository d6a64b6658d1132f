//go:build linux

package client

import (
	"net"
	"net/netip"
	"syscall"
	"time"
	"unsafe"
)

// rxOOB is the room for one SCM_TIMESTAMPNS control message.
const rxOOB = 64

// enableRxTime asks the kernel to stamp each datagram conn receives with
// the time it reached the socket (SO_TIMESTAMPNS). A packet's arrival is
// then when it came, not when the reading goroutine got round to it: the
// jitter of RFC 3550 §6.4.1 and OnPacket's arrival do not depend on how
// busy the player is.
func enableRxTime(conn *net.UDPConn) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	})
}

// readRx reads one datagram and the time the kernel stamped on it (now
// when there is none).
func readRx(conn *net.UDPConn, buf, oob []byte) (int, netip.AddrPort, time.Time, error) {
	n, oobn, _, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
	now := time.Now()
	if err != nil || oobn == 0 {
		return n, from, now, err
	}
	msgs, perr := syscall.ParseSocketControlMessage(oob[:oobn])
	if perr != nil {
		return n, from, now, nil
	}
	for _, m := range msgs {
		if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
			ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
			if at := time.Unix(ts.Unix()); at.Before(now) {
				return n, from, at, nil
			}
		}
	}
	return n, from, now, nil
}
