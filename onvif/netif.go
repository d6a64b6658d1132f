package onvif

import (
	"net"
	"net/netip"
)

// hostInterface is a network interface as GetNetworkInterfaces and
// WS-Discovery's XAddrs see it.
type hostInterface struct {
	Name         string
	Index        int
	HardwareAddr string
	MTU          int
	Multicast    bool
	Loopback     bool
	IPv4         []netip.Prefix
}

// hostInterfaces returns the interfaces that are up and have an IPv4
// address, loopback last; loopback only when it is all there is (a
// network namespace of its own, a machine without network), since a
// client elsewhere cannot reach the device on 127.0.0.1.
func hostInterfaces() []hostInterface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out, loop []hostInterface
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 {
			continue
		}
		h := hostInterface{
			Name: ifi.Name, Index: ifi.Index, HardwareAddr: ifi.HardwareAddr.String(), MTU: ifi.MTU,
			Multicast: ifi.Flags&net.FlagMulticast != 0, Loopback: ifi.Flags&net.FlagLoopback != 0,
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok || !ip.Unmap().Is4() {
				continue
			}
			ones, _ := ipn.Mask.Size()
			h.IPv4 = append(h.IPv4, netip.PrefixFrom(ip.Unmap(), ones))
		}
		if len(h.IPv4) == 0 {
			continue
		}
		if h.Loopback {
			loop = append(loop, h)
		} else {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return loop
	}
	return out
}
