package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpPair is the server's RTP and RTCP sockets for unicast and multicast
// UDP: RTP on an even port, RTCP on the next (RFC 3550 §11). Every UDP reader
// shares them; the client ports tell readers apart.
type udpPair struct {
	rtpConn, rtcpConn *net.UDPConn
	rtp, rtcp         *ipv4.PacketConn
	rtpRaw, rtcpRaw   syscall.RawConn
	rtpPort           int
	gso               atomic.Bool // UDP GSO works (until the kernel says no)
	// v6 is the same pair of ports on IPv6, for players that come over
	// IPv6; nil when the listen address is IPv4 or IPv6 is unavailable
	// (such players then get 461 for UDP and use TCP).
	v6 *udpPair6
}

// udpPair6 is the IPv6 sockets of a udpPair. Separate sockets (IPv6-only:
// Go sets IPV6_V6ONLY for "udp6") rather than dual-stack ones keep the
// IPv4 hot path, raw sendmmsg with IPv4 addresses, as it is.
type udpPair6 struct {
	rtpConn, rtcpConn *net.UDPConn
	rtp, rtcp         *ipv6.PacketConn
}

// listenUDP6 binds the IPv6 side of u on u's ports, unless host is an
// IPv4 address. It returns nil when it cannot.
func listenUDP6(host string, port int) *udpPair6 {
	h := ""
	if host != "" {
		ip, err := netip.ParseAddr(host)
		if err != nil || ip.Is4() || ip.Is4In6() {
			return nil
		}
		h = host
	}
	a, err := net.ListenUDP("udp6", udpAddr(h, port))
	if err != nil {
		return nil
	}
	b, err := net.ListenUDP("udp6", udpAddr(h, port+1))
	if err != nil {
		a.Close()
		return nil
	}
	for _, c := range []*net.UDPConn{a, b} {
		_ = c.SetWriteBuffer(4 << 20)
		_ = c.SetReadBuffer(1 << 20)
	}
	return &udpPair6{rtpConn: a, rtcpConn: b, rtp: ipv6.NewPacketConn(a), rtcp: ipv6.NewPacketConn(b)}
}

// writeRTCP sends one RTCP packet to a, on the socket of a's family.
func (u *udpPair) writeRTCP(b []byte, a netip.AddrPort) {
	if a.Addr().Is4() || a.Addr().Is4In6() {
		_, _ = u.rtcpConn.WriteToUDPAddrPort(b, netip.AddrPortFrom(a.Addr().Unmap(), a.Port()))
	} else if u.v6 != nil {
		_, _ = u.v6.rtcpConn.WriteToUDPAddrPort(b, a)
	}
}

// listenUDPPair binds the first free even/odd port pair in [min, max].
func listenUDPPair(host string, min, max int) (*udpPair, error) {
	if min%2 != 0 {
		min++
	}
	var lastErr error
	for p := min; p+1 <= max; p += 2 {
		a, err := net.ListenUDP("udp4", udpAddr(host, p))
		if err != nil {
			lastErr = err
			continue
		}
		b, err := net.ListenUDP("udp4", udpAddr(host, p+1))
		if err != nil {
			a.Close()
			lastErr = err
			continue
		}
		for _, c := range []*net.UDPConn{a, b} {
			_ = c.SetWriteBuffer(4 << 20)
			_ = c.SetReadBuffer(1 << 20)
		}
		u := &udpPair{rtpConn: a, rtcpConn: b, rtp: ipv4.NewPacketConn(a), rtcp: ipv4.NewPacketConn(b), rtpPort: p}
		u.rtpRaw, _ = a.SyscallConn()
		u.rtcpRaw, _ = b.SyscallConn()
		u.gso.Store(gsoAvailable && !disableGSO)
		return u, nil
	}
	return nil, fmt.Errorf("%w: no free UDP port pair in %d-%d: %v", ErrPortInUse, min, max, lastErr)
}

// disableGSO turns UDP GSO off (tests compare both paths).
var disableGSO = false

func udpAddr(host string, port int) *net.UDPAddr {
	a := &net.UDPAddr{Port: port}
	if host != "" {
		if ip, err := netip.ParseAddr(host); err == nil {
			a.IP = ip.AsSlice()
		}
	}
	return a
}

// setMulticast configures multicast sending: TTL, loopback (so players on
// this machine receive the group) and, when ifName is set, the interface.
func (u *udpPair) setMulticast(ttl int, ifName string) error {
	return setMulticastOn([]*ipv4.PacketConn{u.rtp, u.rtcp}, func(pc *ipv4.PacketConn) error { return pc.SetMulticastTTL(ttl) }, ifName)
}

// setMulticast configures the IPv6 sockets' multicast sending as
// udpPair.setMulticast does, with the hop limit for the TTL.
func (u *udpPair6) setMulticast(hops int, ifName string) error {
	return setMulticastOn([]*ipv6.PacketConn{u.rtp, u.rtcp}, func(pc *ipv6.PacketConn) error { return pc.SetMulticastHopLimit(hops) }, ifName)
}

// multicastConn is what ipv4.PacketConn and ipv6.PacketConn share for
// sending multicast.
type multicastConn interface {
	SetMulticastLoopback(on bool) error
	SetMulticastInterface(ifi *net.Interface) error
}

// setMulticastOn sets each of conns' TTL or hop limit (hops), loopback
// (so players on this host receive the group too) and, when ifName is
// given, the interface multicast leaves by.
func setMulticastOn[C multicastConn](conns []C, hops func(C) error, ifName string) error {
	var ifi *net.Interface
	if ifName != "" {
		var err error
		if ifi, err = net.InterfaceByName(ifName); err != nil {
			return err
		}
	}
	for _, pc := range conns {
		if err := hops(pc); err != nil {
			return err
		}
		_ = pc.SetMulticastLoopback(true)
		if ifi != nil {
			if err := pc.SetMulticastInterface(ifi); err != nil {
				return err
			}
		}
	}
	return nil
}

func (u *udpPair) close() {
	u.rtpConn.Close()
	u.rtcpConn.Close()
	if u.v6 != nil {
		u.v6.rtpConn.Close()
		u.v6.rtcpConn.Close()
	}
}

// readLoop reads datagrams from c until it is closed, handing each to fn
// with the sender's address. buf is reused: fn must not keep it.
func readLoop(c *net.UDPConn, fn func(from netip.AddrPort, b []byte)) {
	buf := make([]byte, 2048)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if isClosed(err) {
				return
			}
			continue
		}
		fn(from, buf[:n])
	}
}

func isClosed(err error) bool {
	return errors.Is(err, net.ErrClosed)
}

func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE)
}
