//go:build !linux

package client

import (
	"net"
	"net/netip"
	"time"
)

const rxOOB = 0

// enableRxTime does nothing where SO_TIMESTAMPNS is not available.
func enableRxTime(*net.UDPConn) {}

// readRx reads one datagram; its arrival is the time of the read.
func readRx(conn *net.UDPConn, buf, _ []byte) (int, netip.AddrPort, time.Time, error) {
	n, from, err := conn.ReadFromUDPAddrPort(buf)
	return n, from, time.Now(), err
}
