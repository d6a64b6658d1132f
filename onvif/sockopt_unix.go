//go:build unix

package onvif

import "syscall"

// reuseAddr sets SO_REUSEADDR on the WS-Discovery socket, so that other
// WS-Discovery programs on the machine (a client listening for Hello, a
// second device) can bind port 3702 too: multicast datagrams reach every
// socket bound to the group's port.
func reuseAddr(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
