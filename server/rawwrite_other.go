//go:build !unix

package server

import "net"

// rawWriter does not exist here: TCP readers are written by their writer
// goroutines.
type rawWriter struct{}

func newRawWriter(net.Conn) *rawWriter { return nil }

func (*rawWriter) write([]byte) (int, error) { return 0, errUseFallback }
