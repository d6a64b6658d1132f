// Package testnet holds what the tests of several packages need from the
// network (UDP port ranges, TLS certificates): it is imported by tests
// only.
package testnet

import (
	"net"
	"sync"
)

// RangeSize is the number of ports UDPRange hands out.
const RangeSize = 40

// UDPRange returns a range of RangeSize UDP ports (even first) for one
// test server or multicast group, so that parallel tests do not compete
// for the same pair. The range starts at a port the kernel has just found
// free in its ephemeral range, where the fixed ranges of other programs
// (the server's default 8000-8999, the benchmark swarm's 26000 and up) and
// of other test binaries running at the same time are unlikely, and never
// overlaps a range handed out before in this process. A server binds the
// first free pair of its range, so a port taken meanwhile by some
// ephemeral socket costs it one pair, not the test.
func UDPRange() (lo, hi int) {
	rangesMu.Lock()
	defer rangesMu.Unlock()
	for {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			panic(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port &^ 1
		c.Close()
		if p+RangeSize > 65535 {
			continue
		}
		clash := false
		for _, r := range ranges {
			if p < r+RangeSize && r < p+RangeSize {
				clash = true
			}
		}
		if clash {
			continue
		}
		ranges = append(ranges, p)
		return p, p + RangeSize - 1
	}
}

var (
	rangesMu sync.Mutex
	ranges   []int
)
