package server

import (
	"net"
	"sync"
)

// udpSender is how one UDP reader is reached: its destinations per track on
// the server's shared sockets. Unicast readers have the client's ports,
// the mount's multicast reader has the group. It does not write: a UDP
// reader's frames are sent by its fan-out worker (fanout_udp.go), with
// those of the worker's other UDP readers in one batch.
type udpSender struct {
	w *worker // the fan-out worker that sends to this reader
	// destinations per track, resolved once; nil where not set up
	rtpAddr, rtcpAddr []*net.UDPAddr
}

func newUDPSender(fo *fanout, tracks []readerTrack) *udpSender {
	s := &udpSender{w: fo.assignUDP()}
	for _, t := range tracks {
		var a, b *net.UDPAddr
		if t.setup {
			a = net.UDPAddrFromAddrPort(t.rtpAddr)
			b = net.UDPAddrFromAddrPort(t.rtcpAddr)
		}
		s.rtpAddr = append(s.rtpAddr, a)
		s.rtcpAddr = append(s.rtcpAddr, b)
	}
	return s
}

// dest returns where f goes for this reader, nil when nowhere.
func (s *udpSender) dest(f *frame) *net.UDPAddr {
	if f.rtcp {
		return s.rtcpAddr[f.track]
	}
	return s.rtpAddr[f.track]
}

// gsoControls caches the control message per segment size: sizes are few
// (MaxPacketSize and the sizes of small packets), and the cache is read on
// every frame without allocating.
var gsoControls sync.Map // int -> []byte

func gsoControlFor(size int) []byte {
	if b, ok := gsoControls.Load(size); ok {
		return b.([]byte)
	}
	b := gsoControl(size)
	gsoControls.Store(size, b)
	return b
}
