package server

import (
	"os"
	"strconv"
	"strings"
)

// kernelUDPDrops counts the datagrams this machine's kernel has dropped on
// receipt: UDP receive-buffer and other input errors (/proc/net/snmp) and
// packets the per-CPU backlog had no room for (/proc/net/softnet_stat).
// On loopback a busy machine drops datagrams of a burst this way, as UDP
// allows; a test that sees a gap in a UDP reader's sequence numbers asks
// this whether the kernel lost it or the server never sent it.
func kernelUDPDrops() (uint64, bool) {
	snmp, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, false
	}
	var n uint64
	var names []string
	for _, l := range strings.Split(string(snmp), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if (name == "InErrors" || name == "RcvbufErrors") && i < len(f) {
				v, _ := strconv.ParseUint(f[i], 10, 64)
				n += v
			}
		}
	}
	if soft, err := os.ReadFile("/proc/net/softnet_stat"); err == nil {
		for _, l := range strings.Split(string(soft), "\n") {
			if f := strings.Fields(l); len(f) > 1 {
				v, _ := strconv.ParseUint(f[1], 16, 64)
				n += v
			}
		}
	}
	return n, names != nil
}
