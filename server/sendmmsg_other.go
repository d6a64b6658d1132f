//go:build !linux

package server

import (
	"syscall"

	"golang.org/x/net/ipv4"
)

// batchWriter has no system call of its own here: ipv4.PacketConn.WriteBatch
// sends (one message per call where the platform has no sendmmsg).
type batchWriter struct{}

func (*batchWriter) write(syscall.RawConn, []ipv4.Message) (int, error) {
	return 0, errUseFallback
}
