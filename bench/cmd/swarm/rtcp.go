package main

import (
	"net"
	"time"

	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// reportLoop sends an RTCP receiver report (RR and SDES CNAME, RFC 3550
// §6.4.2) half a second after it starts playing and then every period
// until stop closes, as players do (ffmpeg and GStreamer about every 5 s,
// the first soon after the first packets): over TCP on the interleaved RTCP channel,
// over UDP from the reader's RTCP port to the server's. The servers' cost
// of receiving them, and the memory a connection carrying them takes, are
// then part of what is measured.
func (r *reader) reportLoop(period time.Duration, stop <-chan struct{}) {
	if period <= 0 {
		return
	}
	t := time.NewTimer(500 * time.Millisecond)
	defer t.Stop()
	self := 0x5a000000 | uint32(r.id)
	var buf []byte
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			t.Reset(period)
		}
		rr := &rtcp.ReceiverReport{SSRC: self}
		if src := r.srcSSRC.Load(); src != 0 {
			rr.Reports = []rtcp.ReceptionReport{{
				SSRC:               src,
				CumulativeLost:     int32(min(r.lost.Load(), 0x7fffff)),
				ExtendedHighestSeq: r.highSeq.Load(),
			}}
		}
		b, err := rtcp.AppendCompound(buf[:0], rr, rtcp.NewCNAME(self, "swarm"))
		if err != nil {
			return
		}
		buf = b
		if r.rtcpDst != nil {
			_, err = r.rtcp.WriteToUDP(b, r.rtcpDst)
		} else {
			err = r.sess.writeFrame(r.rtcpCh, b)
		}
		if err != nil {
			return
		}
	}
}

// writeFrame writes one interleaved frame on the RTSP connection.
func (s *session) writeFrame(ch uint8, payload []byte) error {
	b := rtsp.AppendInterleavedHeader(make([]byte, 0, 4+len(payload)), ch, len(payload))
	b = append(b, payload...)
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_, err := s.conn.Write(b)
	return err
}

// serverRTCP is the server's RTCP address from a SETUP reply's
// server_port, nil without one.
func serverRTCP(tr rtsp.Transport) *net.UDPAddr {
	if tr.ServerPort == nil {
		return nil
	}
	port := int(tr.ServerPort.Last)
	if port == int(tr.ServerPort.First) {
		port++
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
}
