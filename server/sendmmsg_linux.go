//go:build linux

package server

import (
	"net"
	goruntime "runtime"
	"syscall"
	"unsafe"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr of <sys/socket.h>: a message and the number of
// bytes the kernel sent of it (Go pads it as C does on 32 and 64 bits).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// batchWriter sends messages with sendmmsg(2) directly on the socket's
// descriptor. ipv4.PacketConn.WriteBatch does the same system call, but
// under the Go runtime's write lock of the socket, so fan-out goroutines
// sending on the shared socket would take turns; the kernel itself sends
// concurrent datagrams on one UDP socket in parallel. The descriptor is
// non-blocking: when the socket buffer is full the caller gets
// errWouldBlock and falls back to WriteBatch, which waits for room.
type batchWriter struct {
	hdrs  []mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrInet4
	// the call's state, for a function for RawConn.Control made once (a
	// closure per call would allocate)
	fn    func(fd uintptr)
	n     int
	sent  uintptr
	errno syscall.Errno
}

func (w *batchWriter) control(fd uintptr) {
	w.sent, _, w.errno = unix.Syscall6(unix.SYS_SENDMMSG, fd,
		uintptr(unsafe.Pointer(&w.hdrs[0])), uintptr(w.n), unix.MSG_DONTWAIT, 0, 0)
}

// maxBatch is the kernel's UIO_MAXIOV, the most messages one sendmmsg takes.
const maxBatch = 1024

// write sends a prefix of msgs (every Addr a *net.UDPAddr with an IPv4
// address) and returns its length.
func (w *batchWriter) write(rc syscall.RawConn, msgs []ipv4.Message) (int, error) {
	n := min(len(msgs), maxBatch)
	niov := 0
	for _, m := range msgs[:n] {
		niov += len(m.Buffers)
	}
	if cap(w.hdrs) < n {
		w.hdrs = make([]mmsghdr, n)
		w.names = make([]unix.RawSockaddrInet4, n)
	}
	if cap(w.iovs) < niov {
		w.iovs = make([]unix.Iovec, niov)
	}
	hdrs, names, iovs := w.hdrs[:n], w.names[:n], w.iovs[:niov]
	k := 0
	for i, m := range msgs[:n] {
		ua, ok := m.Addr.(*net.UDPAddr)
		if !ok {
			return 0, errUseFallback
		}
		ip := ua.IP.To4()
		if ip == nil {
			return 0, errUseFallback
		}
		sa := &names[i]
		sa.Family = unix.AF_INET
		port := (*[2]byte)(unsafe.Pointer(&sa.Port))
		port[0], port[1] = byte(ua.Port>>8), byte(ua.Port)
		copy(sa.Addr[:], ip)

		h := &hdrs[i]
		*h = mmsghdr{}
		h.hdr.Name = (*byte)(unsafe.Pointer(sa))
		h.hdr.Namelen = unix.SizeofSockaddrInet4
		first := k
		for _, b := range m.Buffers {
			if len(b) == 0 {
				continue
			}
			iovs[k] = unix.Iovec{Base: &b[0]}
			iovs[k].SetLen(len(b))
			k++
		}
		if k > first {
			h.hdr.Iov = &iovs[first]
			h.hdr.SetIovlen(k - first)
		}
		if len(m.OOB) > 0 {
			h.hdr.Control = &m.OOB[0]
			h.hdr.SetControllen(len(m.OOB))
		}
	}
	if w.fn == nil {
		w.fn = w.control
	}
	w.n = n
	err := rc.Control(w.fn)
	sent, errno := w.sent, w.errno
	goruntime.KeepAlive(msgs)
	goruntime.KeepAlive(hdrs)
	goruntime.KeepAlive(names)
	goruntime.KeepAlive(iovs)
	switch {
	case err != nil:
		return 0, err
	case errno == unix.EAGAIN:
		return 0, errUseFallback
	case errno != 0:
		return 0, errno
	}
	return int(sent), nil
}
