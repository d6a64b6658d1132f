package server

import (
	"encoding/binary"
	"net"
)

// tcpSender writes frames as RTSP interleaved binary data (RFC 2326 §10.12)
// on the client's RTSP connection: a whole frame in one writev, each packet
// behind its 4-byte '$' header.
type tcpSender struct {
	c    *conn
	hdrs []byte
	bufs [][]byte
	nb   net.Buffers // consumed by each write; bufs keeps the backing array
}

func (s *tcpSender) write(r *reader, f *frame) error {
	t := &r.tracks[f.track]
	ch := t.rtpChannel
	if f.rtcp {
		ch = t.rtcpChannel
	}
	if f.rtcp {
		s.hdrs = append(s.hdrs[:0], '$', ch, byte(len(f.data)>>8), byte(len(f.data)))
		s.bufs = append(s.bufs[:0], s.hdrs, f.data)
		s.nb = s.bufs
		return s.c.writeData(&s.nb)
	}
	if ch == f.wireChannel() && len(f.wire) > 0 {
		return s.c.writeWire(f.wire)
	}
	n := f.batch.Len()
	if cap(s.hdrs) < 4*n {
		s.hdrs = make([]byte, 4*n)
	}
	s.hdrs = s.hdrs[:4*n]
	s.bufs = s.bufs[:0]
	for i := 0; i < n; i++ {
		h := s.hdrs[4*i : 4*i+4 : 4*i+4]
		h[0] = '$'
		h[1] = ch
		binary.BigEndian.PutUint16(h[2:], uint16(f.batch.Size(i)))
		s.bufs = append(s.bufs, h, f.batch.Head(i))
		if body := f.batch.Body(i); len(body) > 0 {
			s.bufs = append(s.bufs, body)
		}
	}
	s.nb = s.bufs
	return s.c.writeData(&s.nb)
}

func (s *tcpSender) close() {}
