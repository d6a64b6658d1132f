//go:build !linux

package server

import (
	"net"
	"time"
)

// enableRxTimestamps does nothing where SO_TIMESTAMPNS is not available.
func enableRxTimestamps(*net.UDPConn) error { return nil }

// readRxTime reads one datagram; without kernel stamps, the time is that of
// the read, which is never earlier than the send.
func readRxTime(c *net.UDPConn, buf []byte) (int, time.Time, error) {
	n, _, err := c.ReadFromUDP(buf)
	return n, time.Now(), err
}
