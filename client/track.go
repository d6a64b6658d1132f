package client

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
)

// track is the receiving state of one set-up media.
type track struct {
	c     *Client
	index int
	info  Track // from the description
	kind  Transport

	// Transport, fixed by Setup.
	rtpChannel, rtcpChannel uint8
	rtpConn, rtcpConn       *net.UDPConn
	rtcpDest                netip.AddrPort // where receiver reports go (UDP); zero: nowhere
	sources                 []netip.Addr   // addresses UDP packets may come from
	// serverPorts are the RTP and RTCP ports of the server's SETUP reply
	// (0: not given); portSeen[i] is set once a datagram came from one,
	// owned by the socket's reader goroutine (see fromServer).
	serverPorts  [2]uint16
	portSeen     [2]bool
	wantSSRC     uint32 // multicast: only this SSRC (when haveWantSSRC)
	haveWantSSRC bool

	// Owned by the goroutine that receives RTP (UDP socket reader or the
	// RTSP read loop).
	pkt     rtp.Packet
	reorder *rtp.ReorderBuffer
	depack  format.Depacketizer // nil: no depacketizer for the codec
	emit    func(Frame)         // hands a frame to OnFrame; made once, so pushing allocates nothing
	highest int64               // highest extended sequence number seen
	unwrap  rtp.SeqUnwrapper
	seen    seqWindow // which of the last numbers arrived, for Duplicates

	// Counts of the reordering buffers of previous sources (it is reset
	// on an SSRC change); written by the receiving goroutine under mu.
	lostBase, lateBase uint64

	mu     sync.Mutex // guards what follows
	stats  TrackStats
	rstats *rtcp.ReceiverStats
	locked bool // stats.SSRC is the source
	rr     []byte
	// resume: a Play after Pause went out, and sequencing restarts at
	// its first packet, at or after resumeFrom (RTP-Info's seq) when
	// resumeFromSet: the server may skip numbers across the pause (it
	// resumes at a keyframe), which is no loss, and packets from before
	// the pause are too late.
	resume        bool
	resumeFrom    uint16
	resumeFromSet bool
}

func newTrack(c *Client, index int, info Track, kind Transport) *track {
	t := &track{c: c, index: index, info: info, kind: kind}
	window := c.opt.ReorderWindow
	delay := c.opt.ReorderDelay
	if kind == TransportTCP {
		// TCP delivers in order: a window of 1 still drops duplicates
		// and counts losses (a server that skips numbers).
		window, delay = 1, 0
	}
	t.reorder = rtp.NewReorderBuffer(window, delay)
	t.rstats = rtcp.NewReceiverStats(info.ClockRate)
	t.depack, _ = info.NewDepacketizer()
	t.emit = func(f Frame) {
		// Counted before the call, so that Stats never shows fewer frames
		// than a callback has seen.
		t.mu.Lock()
		t.stats.Frames++
		if f.Damaged {
			t.stats.FramesDamaged++
		}
		t.mu.Unlock()
		if h := c.handlers.Load(); h != nil && h.onFrame != nil {
			h.onFrame(t.index, f)
		}
	}
	return t
}

// closeSockets closes the UDP sockets, which ends their goroutines.
func (t *track) closeSockets() {
	if t.rtpConn != nil {
		t.rtpConn.Close()
	}
	if t.rtcpConn != nil {
		t.rtcpConn.Close()
	}
}

// fromServer reports whether a UDP datagram's source may be the server:
// one of its addresses and, once a datagram has come from the port its
// SETUP reply gave, that port only. Servers behind NAT or with several
// sockets send from other ports than they say, so any port is accepted
// until the announced one shows up; after that, a datagram from another
// port of the host is another stream (another server on the host still
// sending to a port this client was given after it), not this one. i is 0
// for RTP, 1 for RTCP; called by that socket's reader goroutine only.
func (t *track) fromServer(from netip.AddrPort, i int) bool {
	a := from.Addr().Unmap()
	known := false
	for _, s := range t.sources {
		if s == a {
			known = true
			break
		}
	}
	if !known {
		return false
	}
	want := t.serverPorts[i]
	if want == 0 || from.Port() == want {
		t.portSeen[i] = t.portSeen[i] || want != 0
		return true
	}
	return !t.portSeen[i]
}

// onRTP handles one RTP packet as it arrives: parse, check the source,
// count, then reorder and deliver what can be delivered.
func (t *track) onRTP(buf []byte, arrival time.Time) {
	p := &t.pkt
	if err := p.Unmarshal(buf); err != nil {
		t.countInvalid()
		return
	}
	t.mu.Lock()
	if t.haveWantSSRC && p.SSRC != t.wantSSRC {
		t.stats.Invalid++
		t.mu.Unlock()
		return
	}
	if t.resume {
		if t.resumeFromSet && int16(p.SequenceNumber-t.resumeFrom) < 0 {
			// Sent before the pause, arriving after the new PLAY.
			t.lateBase++
			t.stats.Late++
			t.mu.Unlock()
			return
		}
		t.resume, t.resumeFromSet = false, false
		if t.locked && p.SSRC == t.stats.SSRC {
			t.restart()
			t.highest = t.unwrap.Unwrap(p.SequenceNumber) - 1
		}
	}
	if !t.locked || p.SSRC != t.stats.SSRC {
		if t.locked {
			// RFC 3550 §8.2: a new SSRC is a new source (the server
			// restarted its stream); start afresh.
			t.stats.SSRCChanges++
			t.restart()
			t.rstats = rtcp.NewReceiverStats(t.info.ClockRate)
		}
		t.locked = true
		t.stats.SSRC = p.SSRC
		t.highest = t.unwrap.Unwrap(p.SequenceNumber) - 1
	}
	t.stats.Packets++
	t.stats.Bytes += uint64(len(buf))
	t.rstats.Update(p.SequenceNumber, p.Timestamp, arrival)
	ext := t.unwrap.Unwrap(p.SequenceNumber)
	if t.seen.has(ext, t.highest) {
		t.stats.Duplicates++
		t.mu.Unlock()
		return
	}
	outOfOrder := ext < t.highest
	t.seen.add(ext, t.highest)
	t.highest = max(t.highest, ext)
	t.mu.Unlock()

	err := t.reorder.Push(p, arrival)
	if err == nil && outOfOrder {
		t.mu.Lock()
		t.stats.Reordered++
		t.mu.Unlock()
	}
	t.drain(arrival)
}

// restart forgets the sequence received so far (what the reordering
// buffer holds, a unit half rebuilt), keeping its counts: the next packet
// begins a new one. Called by the receiving goroutine with mu held.
func (t *track) restart() {
	rs := t.reorder.Stats()
	t.lostBase += rs.Lost
	t.lateBase += rs.Late
	t.reorder.Reset()
	if t.depack != nil {
		t.depack.Reset()
	}
	t.unwrap = rtp.SeqUnwrapper{}
	t.seen = seqWindow{}
}

// drain delivers the packets the reordering buffer releases at now.
func (t *track) drain(now time.Time) {
	for {
		p, _, ok := t.reorder.Pop(now)
		if !ok {
			break
		}
		t.deliver(p, now)
	}
	rs := t.reorder.Stats()
	t.mu.Lock()
	t.stats.Lost = t.lostBase + rs.Lost
	t.stats.Late = t.lateBase + rs.Late
	t.mu.Unlock()
}

// deliver hands one in-order packet to the callbacks.
func (t *track) deliver(p *rtp.Packet, arrival time.Time) {
	t.mu.Lock()
	t.stats.Delivered++
	t.stats.LastSequenceNumber = p.SequenceNumber
	t.stats.LastTimestamp = p.Timestamp
	t.stats.LastArrival = arrival
	t.mu.Unlock()
	h := t.c.handlers.Load()
	if h == nil {
		return
	}
	if h.onPacket != nil {
		h.onPacket(t.index, p, arrival)
	}
	if h.onFrame != nil && t.depack != nil && p.PayloadType == t.info.PayloadType {
		err := t.depack.Depacketize(p, t.emit)
		if err != nil {
			t.mu.Lock()
			t.stats.DepacketizeErrors++
			t.mu.Unlock()
		}
	}
}

// onRTCP handles one RTCP compound packet from the server.
func (t *track) onRTCP(buf []byte, arrival time.Time) {
	pkts, err := rtcp.Unmarshal(buf)
	if err != nil {
		t.mu.Lock()
		t.stats.RTCPInvalid++
		t.mu.Unlock()
		return
	}
	t.mu.Lock()
	t.stats.RTCPPackets++
	for _, pk := range pkts {
		switch pk := pk.(type) {
		case *rtcp.SenderReport:
			if t.locked && pk.SSRC != t.stats.SSRC {
				continue
			}
			if t.haveWantSSRC && pk.SSRC != t.wantSSRC {
				continue
			}
			t.rstats.OnSenderReport(pk.NTPTime, arrival)
			t.stats.SenderReports++
			t.stats.LastSenderReport = SenderReportInfo{
				NTPTime:     rtcp.TimeFromNTP(pk.NTPTime),
				RTPTime:     pk.RTPTime,
				PacketCount: pk.PacketCount,
				OctetCount:  pk.OctetCount,
				Arrival:     arrival,
			}
		case *rtcp.Goodbye:
			for _, s := range pk.Sources {
				if !t.locked || s == t.stats.SSRC {
					t.stats.Goodbye = true
				}
			}
		}
	}
	t.mu.Unlock()
	if h := t.c.handlers.Load(); h != nil && h.onRTCP != nil {
		h.onRTCP(t.index, pkts)
	}
}

func (t *track) countInvalid() {
	t.mu.Lock()
	t.stats.Invalid++
	t.mu.Unlock()
}

// receiverReport builds the RR compound for this track: an RR with one
// reception report block once a packet has arrived, and an SDES CNAME (RFC
// 3550 §6.1: every compound carries one), with a BYE when leaving.
func (t *track) receiverReport(now time.Time, bye bool) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rr := &rtcp.ReceiverReport{SSRC: t.c.ssrc}
	if t.locked {
		rr.Reports = []rtcp.ReceptionReport{t.rstats.Report(t.stats.SSRC, now)}
	}
	pkts := []rtcp.Packet{rr, rtcp.NewCNAME(t.c.ssrc, t.c.cname)}
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{t.c.ssrc}})
	}
	var err error
	t.rr, err = rtcp.AppendCompound(t.rr[:0], pkts...)
	if err != nil {
		return nil, err
	}
	t.stats.ReceiverReports++
	return append([]byte(nil), t.rr...), nil
}

// sendRTCP sends b to the server on the track's RTCP path.
func (t *track) sendRTCP(b []byte) error {
	switch t.kind {
	case TransportTCP:
		return t.c.writeInterleaved(t.rtcpChannel, b)
	default:
		if t.rtcpConn == nil || !t.rtcpDest.IsValid() {
			return nil
		}
		_, err := t.rtcpConn.WriteToUDPAddrPort(b, t.rtcpDest)
		return err
	}
}

// snapshot returns a copy of the statistics.
func (t *track) snapshot() TrackStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	if t.info.ClockRate > 0 {
		s.Jitter = rtp.Duration(int64(t.rstats.Jitter()), t.info.ClockRate)
	}
	return s
}

// seqWindow remembers which of the last seqWindowSize extended sequence
// numbers arrived, so that a duplicate is told from a late packet even
// after its first copy was delivered.
type seqWindow [seqWindowSize / 64]uint64

const seqWindowSize = 1024

// has reports whether ext, at most seqWindowSize below highest, arrived.
func (w *seqWindow) has(ext, highest int64) bool {
	if ext > highest || ext <= highest-seqWindowSize {
		return false
	}
	i := uint64(ext) % seqWindowSize
	return w[i/64]&(1<<(i%64)) != 0
}

// add records ext; highest is the highest number recorded before.
func (w *seqWindow) add(ext, highest int64) {
	if ext > highest {
		// Forget the numbers the window slides past.
		if ext-highest >= seqWindowSize {
			*w = seqWindow{}
		} else {
			for n := highest + 1; n < ext; n++ {
				i := uint64(n) % seqWindowSize
				w[i/64] &^= 1 << (i % 64)
			}
		}
	} else if ext <= highest-seqWindowSize {
		return
	}
	i := uint64(ext) % seqWindowSize
	w[i/64] |= 1 << (i % 64)
}
