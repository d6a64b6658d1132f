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

// multicastFor returns (allocating on first use) the group of mount m for
// IPv4 players, or with v6 for IPv6 ones (Config.MulticastRange6).
func (rt *runtime) multicastFor(m *mount, v6 bool) *multicastGroup {
	g, added := rt.groupFor(m, v6)
	// A mount destroyed meanwhile has had its groups dropped (endMount,
	// after closing it), or has them dropped here: either the close came
	// before this look, or endMount's drop comes after the group was
	// added. Otherwise the map would keep the destroyed mount alive.
	if added && m.isClosed() {
		rt.dropMulticast(m)
	}
	return g
}

// dropMulticast forgets a destroyed mount's groups, whose readers its
// sessions' ends have stopped. The next mount of that name gets new ones.
func (rt *runtime) dropMulticast(m *mount) {
	rt.mu.Lock()
	delete(rt.mcast, m)
	delete(rt.mcast6, m)
	rt.mu.Unlock()
}

// groupFor is multicastFor's lookup, under the runtime's lock; added
// tells a group made now.
func (rt *runtime) groupFor(m *mount, v6 bool) (*multicastGroup, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	groups, rng, idx := rt.mcast, rt.cfg.MulticastRange, &rt.mcastIdx
	if v6 {
		groups, rng, idx = rt.mcast6, rt.cfg.MulticastRange6, &rt.mcastIdx6
	}
	if g := groups[m]; g != nil {
		return g, false
	}
	prefix := netip.MustParsePrefix(rng).Masked()
	size := uint64(1) << (prefix.Addr().BitLen() - prefix.Bits())
	// Skip the network's first address; hand out the rest in turn. The
	// offset goes in the low 32 bits (the prefixes are /96 or longer).
	*idx++
	off := 1 + uint64(*idx-1)%(size-2)
	b := prefix.Addr().AsSlice()
	n := len(b)
	v := uint32(b[n-4])<<24 | uint32(b[n-3])<<16 | uint32(b[n-2])<<8 | uint32(b[n-1])
	v += uint32(off)
	b[n-4], b[n-3], b[n-2], b[n-1] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	addr, _ := netip.AddrFromSlice(b)
	g := &multicastGroup{addr: addr, tracks: make([]readerTrack, len(m.tracks))}
	for i := range g.tracks {
		port := uint16(rt.cfg.MulticastPort + 2*i)
		g.tracks[i] = readerTrack{
			setup:    true,
			rtpAddr:  netip.AddrPortFrom(addr, port),
			rtcpAddr: netip.AddrPortFrom(addr, port+1),
		}
	}
	groups[m] = g
	return g, true
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
