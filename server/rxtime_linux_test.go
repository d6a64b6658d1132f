//go:build linux

package server

import (
	"net"
	"syscall"
	"time"
	"unsafe"
)

// enableRxTimestamps makes the kernel stamp each datagram c receives
// (SO_TIMESTAMPNS). On loopback the stamp is taken as the sender's
// sendmsg queues the datagram: when the server sent it, however late the
// test gets to read it. qemu-user (scripts/emulated-unit.sh) does not
// implement SO_TIMESTAMPNS (ENOPROTOOPT) but does SO_TIMESTAMP, the same
// stamp in microseconds, which is fine enough for pacing in milliseconds.
func enableRxTimestamps(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		if serr == syscall.ENOPROTOOPT {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMP, 1)
		}
	}); err != nil {
		return err
	}
	return serr
}

// readRxTime reads one datagram and the time the kernel stamped on it (the
// time of the read when there is none).
func readRxTime(c *net.UDPConn, buf []byte) (int, time.Time, error) {
	oob := make([]byte, 128)
	n, oobn, _, _, err := c.ReadMsgUDP(buf, oob)
	if err != nil {
		return 0, time.Time{}, err
	}
	msgs, err := syscall.ParseSocketControlMessage(oob[:oobn])
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMPNS && len(m.Data) >= int(unsafe.Sizeof(syscall.Timespec{})) {
				ts := (*syscall.Timespec)(unsafe.Pointer(&m.Data[0]))
				return n, time.Unix(ts.Unix()), nil
			}
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == syscall.SCM_TIMESTAMP && len(m.Data) >= int(unsafe.Sizeof(syscall.Timeval{})) {
				tv := (*syscall.Timeval)(unsafe.Pointer(&m.Data[0]))
				return n, time.Unix(tv.Unix()), nil
			}
		}
	}
	return n, time.Now(), nil
}
