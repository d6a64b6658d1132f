package server

import (
	"net"
	"sync"

	"golang.org/x/net/ipv4"
)

// udpSender writes frames as UDP datagrams from the server's shared RTP and
// RTCP sockets: a whole frame in one sendmmsg (ipv4.PacketConn.WriteBatch),
// each datagram gathered from the packet's head and body without copying,
// and, where the kernel has UDP GSO, each run of equal-size packets in one
// message (gso_linux.go). Multicast readers use it too, with the group as
// destination.
type udpSender struct {
	udp  *udpPair
	msgs []ipv4.Message
	bufs [][]byte
	// destinations per track, resolved once
	rtpAddr, rtcpAddr []*net.UDPAddr
}

func newUDPSender(u *udpPair, tracks []readerTrack) *udpSender {
	s := &udpSender{udp: u}
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

func (s *udpSender) write(r *reader, f *frame) error {
	if f.rtcp {
		addr := s.rtcpAddr[f.track]
		if addr == nil {
			return nil
		}
		_, err := s.udp.rtcpConn.WriteToUDP(f.data, addr)
		if err != nil && isClosed(err) {
			return err
		}
		return nil
	}
	addr := s.rtpAddr[f.track]
	if addr == nil {
		return nil
	}
	return s.send(s.build(f, addr, s.udp.gso.Load()))
}

// build lays out the frame's packets as messages: one per packet, or with
// GSO one per run of equal-size packets (the last of a run may be smaller,
// as the kernel allows).
func (s *udpSender) build(f *frame, addr *net.UDPAddr, gso bool) []ipv4.Message {
	fb := &f.batch
	n := fb.Len()
	msgs := s.msgs[:0]
	bufs := s.bufs[:0]
	if cap(bufs) < 2*n {
		bufs = make([][]byte, 0, 2*n)
	}
	for i := 0; i < n; {
		size := fb.Size(i)
		start := len(bufs)
		j, total := i, 0
		for j < n {
			sz := fb.Size(j)
			if sz > size || (j > i && (!gso || j-i >= maxGSOSegments || total+sz > maxGSOBytes)) {
				break
			}
			bufs = append(bufs, fb.Head(j), fb.Body(j))
			total += sz
			j++
			if sz < size {
				break // a short packet ends a run
			}
		}
		m := ipv4.Message{Buffers: bufs[start:len(bufs):len(bufs)], Addr: addr}
		if j-i > 1 {
			m.OOB = gsoControlFor(size)
		}
		msgs = append(msgs, m)
		i = j
	}
	s.msgs, s.bufs = msgs, bufs
	return msgs
}

// maxGSOBytes keeps a GSO message within one IP datagram's payload.
const maxGSOBytes = 65000

func (s *udpSender) send(msgs []ipv4.Message) error {
	pc := s.udp.rtp
	for len(msgs) > 0 {
		k, err := pc.WriteBatch(msgs, 0)
		switch {
		case err == nil:
		case isClosed(err):
			return err
		case len(msgs[0].OOB) > 0 && gsoRefused(err):
			// The kernel or the route cannot segment: never try
			// again, and send this run datagram by datagram.
			s.udp.gso.Store(false)
			msgs = append(splitRun(msgs[0]), msgs[1:]...)
			continue
		default:
			// ICMP port unreachable reported back, a full buffer:
			// the datagram is lost, as UDP allows.
			k = 1
		}
		msgs = msgs[k:]
	}
	return nil
}

// splitRun turns one GSO message into one message per packet.
func splitRun(m ipv4.Message) []ipv4.Message {
	out := make([]ipv4.Message, 0, len(m.Buffers)/2)
	for i := 0; i+1 < len(m.Buffers); i += 2 {
		out = append(out, ipv4.Message{Buffers: m.Buffers[i : i+2 : i+2], Addr: m.Addr})
	}
	return out
}

func (s *udpSender) close() {}

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
