package server

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// UDP delivery: a worker sends a frame to all its UDP readers (unicast
// players and multicast groups, from the server's shared sockets) with one
// sendmmsg, each datagram gathered from the frame's packets without copying
// and, where the kernel has UDP GSO, each run of equal-size packets in one
// message per reader (gso_linux.go). A UDP socket does not block on a slow
// receiver (the datagram is lost instead), so no reader holds up another.

// udpScratch is a worker's buffers for UDP, reused for every job.
type udpScratch struct {
	laidOut bool
	runs    []ipv4.Message // the frame's messages without destination
	msgs    []ipv4.Message
	bufs    [][]byte
	pbufs   [][]byte // buffers of single datagrams (addPackets)
	bw      batchWriter
	v4, v6  []ipv4.Message // send's split by address family
}

// begin starts a job for f.
func (s *udpScratch) begin(w *worker, _ *frame) {
	s.laidOut = false
	s.msgs = s.msgs[:0]
	if w.fo.pacing() {
		w.now = time.Now()
	}
}

// add adds UDP reader r's messages for f, or as many as its pace allows
// now (pace_udp.go).
func (s *udpScratch) add(w *worker, r *reader, f *frame, video bool) {
	addr := r.udp.dest(f)
	if addr == nil {
		return
	}
	if w.fo.pacing() && w.paceAdd(r, f, video) {
		return
	}
	if f.rtcp {
		if !s.laidOut {
			s.bufs = append(s.bufs[:0], f.data)
			s.laidOut = true
		}
		s.msgs = append(s.msgs, ipv4.Message{Buffers: s.bufs[:1:1], Addr: addr})
		return
	}
	if !s.laidOut {
		s.layout(f, w.fo.u.gso.Load())
		s.laidOut = true
	}
	for _, m := range s.runs {
		m.Addr = addr
		s.msgs = append(s.msgs, m)
	}
	r.stats.packets.Add(uint64(f.batch.Len()))
	r.stats.bytes.Add(uint64(f.bytes))
}

// flush sends the job's messages.
func (s *udpScratch) flush(w *worker, f *frame) {
	if len(s.msgs) == 0 {
		return
	}
	s.send(w.fo.u, f.rtcp, s.msgs)
	clear(s.msgs) // keep no frame's buffers alive
	clear(s.pbufs)
	s.pbufs = s.pbufs[:0]
}

// layout lays out the frame's packets as messages without a destination:
// one per packet, or with GSO one per run of equal-size packets. Every
// reader's messages share these buffers.
func (s *udpScratch) layout(f *frame, gso bool) {
	n := f.batch.Len()
	if cap(s.bufs) < 2*n {
		s.bufs = make([][]byte, 0, 2*n)
	}
	s.runs, s.bufs = appendRuns(s.runs[:0], s.bufs[:0], &f.batch, 0, n, gso, nil)
}

// appendRuns appends the messages for packets [from, to) of fb, sent to
// addr: one per packet, or with GSO one per run of equal-size packets (the
// last of a run may be smaller, as the kernel allows), gathering the
// packets' buffers into bufs without copying them.
func appendRuns(msgs []ipv4.Message, bufs [][]byte, fb *rtp.Batch, from, to int, gso bool, addr net.Addr) ([]ipv4.Message, [][]byte) {
	for i := from; i < to; {
		size := fb.Size(i)
		start := len(bufs)
		j, total := i, 0
		for j < to {
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
	return msgs, bufs
}

// maxGSOBytes keeps a GSO message within one IP datagram's payload.
const maxGSOBytes = 65000

// send sends msgs from the RTP (or RTCP) socket of each destination's
// address family: IPv4 ones by raw sendmmsg (write), IPv6 ones through
// x/net's batch writer on the IPv6 sockets.
func (s *udpScratch) send(u *udpPair, rtcp bool, msgs []ipv4.Message) {
	rc, pc := u.rtpRaw, u.rtp
	if rtcp {
		rc, pc = u.rtcpRaw, u.rtcp
	}
	if u.v6 == nil || !anyIPv6(msgs) {
		s.write(u, rc, pc, nil, msgs)
		return
	}
	s.v4, s.v6 = s.v4[:0], s.v6[:0]
	for _, m := range msgs {
		if isIPv6(m.Addr) {
			s.v6 = append(s.v6, m)
		} else {
			s.v4 = append(s.v4, m)
		}
	}
	pc6 := u.v6.rtp
	if rtcp {
		pc6 = u.v6.rtcp
	}
	s.write(u, rc, pc, nil, s.v4)
	s.write(u, nil, nil, pc6, s.v6)
	clear(s.v4)
	clear(s.v6)
}

func anyIPv6(msgs []ipv4.Message) bool {
	for _, m := range msgs {
		if isIPv6(m.Addr) {
			return true
		}
	}
	return false
}

func isIPv6(a net.Addr) bool {
	ua, ok := a.(*net.UDPAddr)
	return ok && ua.IP.To4() == nil
}

// write sends msgs, as many per system call as the kernel takes. A
// datagram the kernel refuses (a full buffer, an unreachable destination)
// is lost, as UDP allows; a refused GSO message is sent again datagram by
// datagram, and GSO is not tried again.
// With pc6 (IPv6 destinations) it goes through pc6 alone.
func (s *udpScratch) write(u *udpPair, rc syscall.RawConn, pc *ipv4.PacketConn, pc6 *ipv6.PacketConn, msgs []ipv4.Message) {
	for len(msgs) > 0 {
		var k int
		var err error
		if pc6 != nil {
			k, err = pc6.WriteBatch(msgs, 0)
		} else if k, err = s.bw.write(rc, msgs); err == errUseFallback {
			k, err = pc.WriteBatch(msgs, 0)
		}
		switch {
		case err == nil:
		case isClosed(err):
			return
		case len(msgs[0].OOB) > 0 && gsoRefused(err):
			u.gso.Store(false)
			msgs = append(splitRun(msgs[0]), msgs[1:]...)
			continue
		default:
			k = 1
		}
		msgs = msgs[k:]
	}
}

// splitRun turns one GSO message into one message per packet.
func splitRun(m ipv4.Message) []ipv4.Message {
	out := make([]ipv4.Message, 0, len(m.Buffers)/2)
	for i := 0; i+1 < len(m.Buffers); i += 2 {
		out = append(out, ipv4.Message{Buffers: m.Buffers[i : i+2 : i+2], Addr: m.Addr})
	}
	return out
}

// udpSender is how one UDP reader is reached: its destinations per track on
// the server's shared sockets. Unicast readers have the client's ports,
// the mount's multicast reader has the group. It does not write: a UDP
// reader's frames are sent by its fan-out worker (see above), with
// those of the worker's other UDP readers in one batch.
type udpSender struct {
	w *worker // the fan-out worker that sends to this reader
	// destinations per track, resolved once; nil where not set up. A
	// destination may change once while playing (a client behind NAT
	// whose real ports the server learns: nat.go), hence the atomics.
	rtpAddr, rtcpAddr []atomic.Pointer[net.UDPAddr]
}

func newUDPSender(fo *fanout, tracks []readerTrack) *udpSender {
	s := &udpSender{w: fo.assignUDP(), rtpAddr: make([]atomic.Pointer[net.UDPAddr], len(tracks)),
		rtcpAddr: make([]atomic.Pointer[net.UDPAddr], len(tracks))}
	for i, t := range tracks {
		if t.setup {
			s.rtpAddr[i].Store(net.UDPAddrFromAddrPort(t.rtpAddr))
			s.rtcpAddr[i].Store(net.UDPAddrFromAddrPort(t.rtcpAddr))
		}
	}
	return s
}

// dest returns where f goes for this reader, nil when nowhere.
func (s *udpSender) dest(f *frame) *net.UDPAddr {
	if f.rtcp {
		return s.rtcpAddr[f.track].Load()
	}
	return s.rtpAddr[f.track].Load()
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
