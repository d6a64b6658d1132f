package server

import (
	"encoding/binary"
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP generic segmentation offload (Linux 4.18+, UDP_SEGMENT): one sendmsg
// carries a run of equal-size datagrams, which the kernel cuts at the given
// size. A frame's FU-A fragments all have the same size, so a whole NAL unit
// goes to a reader in one message instead of one per packet; the reader
// still receives ordinary datagrams.

// gsoAvailable says the platform can try GSO at all.
const gsoAvailable = true

// maxGSOSegments is the kernel's UDP_MAX_SEGMENTS.
const maxGSOSegments = 64

// gsoControl returns the control message asking for segments of size bytes.
func gsoControl(size int) []byte {
	b := make([]byte, unix.CmsgSpace(2))
	// The header's layout differs between 32- and 64-bit kernels: fill it
	// through the platform's own struct.
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level = unix.SOL_UDP
	h.Type = unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	binary.NativeEndian.PutUint16(b[unix.CmsgLen(0):], uint16(size))
	return b
}

// gsoRefused reports an error meaning the kernel or the route cannot do
// GSO (old kernel, a device without checksum offload): fall back for good.
func gsoRefused(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.ENOPROTOOPT) || errors.Is(err, syscall.EOPNOTSUPP)
}
