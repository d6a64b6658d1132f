package server

import (
	"net/netip"
)

// multicastGroup is one mount's multicast delivery: a group address from
// Config.MulticastRange, the RTP port Config.MulticastPort (+2 per further
// track) and one reader that all multicast sessions of the mount share, so
// each packet is sent once whatever the number of multicast players.
type multicastGroup struct {
	addr   netip.Addr
	tracks []readerTrack
	r      *reader
	refs   int
}

// multicastFor returns (allocating on first use) the group of mount m.
func (rt *runtime) multicastFor(m *mount) *multicastGroup {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if g := rt.mcast[m]; g != nil {
		return g
	}
	prefix := netip.MustParsePrefix(rt.cfg.MulticastRange).Masked()
	size := 1 << (32 - prefix.Bits())
	// Skip the network's first address; hand out the rest in turn.
	rt.mcastIdx++
	off := 1 + (rt.mcastIdx-1)%(size-2)
	a4 := prefix.Addr().As4()
	v := uint32(a4[0])<<24 | uint32(a4[1])<<16 | uint32(a4[2])<<8 | uint32(a4[3])
	v += uint32(off)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	g := &multicastGroup{addr: addr, tracks: make([]readerTrack, len(m.tracks))}
	for i := range g.tracks {
		port := uint16(rt.cfg.MulticastPort + 2*i)
		g.tracks[i] = readerTrack{
			setup:    true,
			rtpAddr:  netip.AddrPortFrom(addr, port),
			rtcpAddr: netip.AddrPortFrom(addr, port+1),
		}
	}
	rt.mcast[m] = g
	return g
}

// joinMulticast starts (on the first player) the group's reader.
func (rt *runtime) joinMulticast(m *mount, g *multicastGroup) []startPoint {
	rt.mu.Lock()
	g.refs++
	first := g.r == nil
	if first {
		g.r = newUDPReader(m, newUDPSender(rt.fan, g.tracks), rt.cfg.ReaderQueue)
		copy(g.r.tracks, g.tracks)
	}
	r := g.r
	rt.mu.Unlock()
	if first {
		sp := m.addReader(r, true)
		r.start(rt.goTracked)
		return sp
	}
	return m.startPoints()
}

// leaveMulticast stops the group's reader when its last player leaves.
func (rt *runtime) leaveMulticast(m *mount, g *multicastGroup) {
	rt.mu.Lock()
	g.refs--
	var r *reader
	if g.refs <= 0 {
		r = g.r
		g.r = nil
		g.refs = 0
	}
	rt.mu.Unlock()
	if r != nil {
		m.removeReader(r)
		r.closeWithin(stopWait)
	}
}
