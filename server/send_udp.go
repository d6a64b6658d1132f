package server

import (
	"net"

	"golang.org/x/net/ipv4"
)

// udpSender writes frames as UDP datagrams from the server's shared RTP and
// RTCP sockets: a whole frame in one sendmmsg (ipv4.PacketConn.WriteBatch),
// each datagram gathered from the packet's head and body without copying.
// Multicast readers use it too, with the group as destination.
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
	pc, addr := s.udp.rtp, s.rtpAddr[f.track]
	if f.rtcp {
		pc, addr = s.udp.rtcp, s.rtcpAddr[f.track]
	}
	if addr == nil {
		return nil
	}
	if f.rtcp {
		_, err := s.udp.rtcpConn.WriteToUDP(f.data, addr)
		if err != nil && isClosed(err) {
			return err
		}
		return nil
	}
	n := f.batch.Len()
	if cap(s.msgs) < n {
		s.msgs = make([]ipv4.Message, n)
		s.bufs = make([][]byte, 2*n)
	}
	msgs := s.msgs[:n]
	for i := range msgs {
		b := s.bufs[2*i : 2*i+2 : 2*i+2]
		b[0] = f.batch.Head(i)
		b[1] = f.batch.Body(i)
		msgs[i] = ipv4.Message{Buffers: b, Addr: addr}
	}
	for len(msgs) > 0 {
		k, err := pc.WriteBatch(msgs, 0)
		if err != nil {
			// A datagram the kernel refuses (ICMP port unreachable
			// reported back, buffer full) is lost like any UDP packet;
			// only a closed socket ends the reader.
			if isClosed(err) {
				return err
			}
			k = 1
		}
		msgs = msgs[k:]
	}
	return nil
}

func (s *udpSender) close() {}
