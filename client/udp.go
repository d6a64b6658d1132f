package client

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// listenUDPPair opens two UDP sockets on consecutive ports of ip, the first
// even (RFC 3550 §11: RTP on an even port, RTCP on the next one).
func listenUDPPair(ip netip.Addr, readBuffer int) (rtpConn, rtcpConn *net.UDPConn, err error) {
	network := "udp4"
	if ip.Is6() {
		network = "udp6"
	}
	var bind net.IP
	if ip.IsValid() {
		bind = ip.AsSlice()
	}
	var lastErr error
	for range 64 {
		a, err := net.ListenUDP(network, &net.UDPAddr{IP: bind})
		if err != nil {
			return nil, nil, fmt.Errorf("client: listen UDP: %w", err)
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port >= 65535 {
			a.Close()
			continue
		}
		b, err := net.ListenUDP(network, &net.UDPAddr{IP: bind, Port: port + 1})
		if err != nil {
			a.Close()
			lastErr = err
			continue
		}
		if readBuffer > 0 {
			_ = a.SetReadBuffer(readBuffer)
		}
		return a, b, nil
	}
	return nil, nil, fmt.Errorf("client: no free pair of UDP ports: %v", lastErr)
}

// readUDP reads datagrams from conn until it is closed, handing those from
// the server to fn. With rtp set it also releases, when their time comes,
// the packets the reordering buffer holds back.
func (t *track) readUDP(conn *net.UDPConn, rtp bool) {
	buf := make([]byte, maxDatagram)
	oob := make([]byte, rxOOB)
	enableRxTime(conn)
	for {
		if rtp {
			if dl, ok := t.reorder.Deadline(); ok {
				_ = conn.SetReadDeadline(dl)
			} else {
				_ = conn.SetReadDeadline(time.Time{})
			}
		}
		n, from, now, err := readRx(conn, buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || t.c.closed() {
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.drain(now)
				continue
			}
			// Transient errors (an ICMP error reported on the socket):
			// go on, but do not spin.
			time.Sleep(time.Millisecond)
			continue
		}
		port := 1
		if rtp {
			port = 0
		}
		if !t.fromServer(from, port) {
			t.countInvalid()
			continue
		}
		if rtp {
			t.onRTP(buf[:n], now)
		} else {
			t.onRTCP(buf[:n], now)
		}
	}
}

// listenMulticast joins group on the interface named ifName ("" for the
// system's choice) and returns sockets for RTP on port and RTCP on the
// next port (or rtcpPort when not zero).
func listenMulticast(group netip.Addr, port, rtcpPort uint16, ifName string, readBuffer int) (rtpConn, rtcpConn *net.UDPConn, err error) {
	var ifi *net.Interface
	if ifName != "" {
		ifi, err = net.InterfaceByName(ifName)
		if err != nil {
			return nil, nil, fmt.Errorf("client: multicast interface: %w", err)
		}
	}
	network := "udp4"
	if group.Is6() {
		network = "udp6"
	}
	if rtcpPort == 0 {
		rtcpPort = port + 1
	}
	// ListenMulticastUDP binds the port on the wildcard address with
	// SO_REUSEADDR and joins the group on ifi; other groups joined on the
	// same port by other sockets of this host can reach the socket too, so
	// the track also filters by source address and SSRC.
	a, err := net.ListenMulticastUDP(network, ifi, &net.UDPAddr{IP: group.AsSlice(), Port: int(port)})
	if err != nil {
		return nil, nil, fmt.Errorf("client: join %s port %d: %w", group, port, err)
	}
	b, err := net.ListenMulticastUDP(network, ifi, &net.UDPAddr{IP: group.AsSlice(), Port: int(rtcpPort)})
	if err != nil {
		a.Close()
		return nil, nil, fmt.Errorf("client: join %s port %d: %w", group, rtcpPort, err)
	}
	if readBuffer > 0 {
		_ = a.SetReadBuffer(readBuffer)
	}
	return a, b, nil
}
