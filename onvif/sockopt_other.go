//go:build !unix

package onvif

import "syscall"

// reuseAddr does nothing where SO_REUSEADDR is not set the Unix way: the
// WS-Discovery socket is then the only one on port 3702.
func reuseAddr(network, address string, c syscall.RawConn) error { return nil }
