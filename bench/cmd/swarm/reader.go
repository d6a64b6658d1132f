package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// reader is one player of the swarm. Its counters are written by its own
// goroutine only and read (atomically) by the reporter.
type reader struct {
	id    int
	sess  *session
	udp   *net.UDPConn // RTP socket (UDP transport)
	rtcp  *net.UDPConn // RTCP socket (UDP transport), never read
	rtpCh uint8        // interleaved RTP channel (TCP transport)
	// where receiver reports go: the interleaved RTCP channel (TCP), or
	// the server's RTCP port (UDP, rtcpDst not nil)
	rtcpCh  uint8
	rtcpDst *net.UDPAddr
	// the sender's SSRC and the highest sequence number seen, for the
	// receiver reports (written by the reading goroutine)
	srcSSRC atomic.Uint32
	highSeq atomic.Uint32
	// kernelTS: take arrival times from the kernel (SO_TIMESTAMPNS: when
	// the packet reached the socket) rather than from the read's return.
	kernelTS bool

	bytes   atomic.Uint64 // RTP packet bytes (header and payload)
	packets atomic.Uint64
	lost    atomic.Uint64 // sequence-number gaps
	markers atomic.Uint64
	failed  atomic.Bool // the connection ended before the swarm did

	haveSeq bool
	lastSeq uint16

	// arrivals of marker packets during the window, for the latency
	// report: RTP timestamp and unix nanoseconds (kernel receive time, or
	// the return of the read).
	record   *atomic.Bool
	arrMu    sync.Mutex
	arrivals []arrival
}

type arrival struct {
	ts uint32
	at int64
}

// onRTP accounts for one RTP packet read at now.
func (r *reader) onRTP(p []byte, now int64) {
	if len(p) < 12 || p[0]>>6 != 2 {
		return
	}
	seq := binary.BigEndian.Uint16(p[2:])
	if r.haveSeq {
		d := seq - r.lastSeq
		switch {
		case d == 0:
			return // duplicate
		case d < 0x8000:
			if d > 1 {
				r.lost.Add(uint64(d - 1))
			}
			r.lastSeq = seq
		default:
			// late (reordered) packet: it was counted as lost; loopback
			// does not reorder, so this is not compensated.
		}
	} else {
		r.haveSeq, r.lastSeq = true, seq
	}
	r.bytes.Add(uint64(len(p)))
	r.packets.Add(1)
	r.highSeq.Store(uint32(r.lastSeq))
	if r.srcSSRC.Load() == 0 {
		r.srcSSRC.Store(binary.BigEndian.Uint32(p[8:]))
	}
	if p[1]&0x80 != 0 {
		r.markers.Add(1)
		if r.record.Load() {
			r.arrMu.Lock()
			r.arrivals = append(r.arrivals, arrival{binary.BigEndian.Uint32(p[4:]), now})
			r.arrMu.Unlock()
		}
	}
}

// runTCP reads interleaved frames in large reads without copying them and
// skips the RTSP responses to the keepalives.
func (r *reader) runTCP(stop <-chan struct{}) {
	rd, err := newTSReader(r.sess.conn, r.kernelTS)
	if err != nil {
		r.fail(err)
		return
	}
	buf := make([]byte, 64<<10)
	// Bytes the handshake's bufio.Reader already holds come first.
	end := 0
	if n := r.sess.br.Buffered(); n > 0 {
		b, _ := r.sess.br.Peek(n)
		end = copy(buf, b)
	}
	start := 0
	now := time.Now().UnixNano()
	for {
		// Parse what is buffered.
		for end-start >= 4 {
			b := buf[start:end]
			if b[0] != '$' {
				n, err := skipResponse(b)
				if err != nil {
					r.fail(err)
					return
				}
				if n == 0 {
					break
				}
				start += n
				continue
			}
			n := int(binary.BigEndian.Uint16(b[2:]))
			if len(b) < 4+n {
				break
			}
			if b[1] == r.rtpCh {
				r.onRTP(b[4:4+n], now)
			}
			start += 4 + n
		}
		if start == end {
			start, end = 0, 0
		} else if len(buf)-end < 4<<10 {
			end = copy(buf, buf[start:end])
			start = 0
			if end == len(buf) {
				r.fail(errors.New("interleaved frame larger than the read buffer"))
				return
			}
		}
		var n int
		n, now, err = rd.read(buf[end:])
		end += n
		if err != nil {
			select {
			case <-stop:
			default:
				r.fail(err)
			}
			return
		}
	}
}

var errBadResponse = errors.New("unexpected bytes on the RTSP connection")

// skipResponse returns the length of the RTSP message at the start of b,
// or 0 when it is not complete yet.
func skipResponse(b []byte) (int, error) {
	if !bytes.HasPrefix(b, []byte("RTSP/")) && len(b) >= 5 {
		return 0, errBadResponse
	}
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		if len(b) > 16<<10 {
			return 0, errBadResponse
		}
		return 0, nil
	}
	head := b[:i]
	n := i + 4
	if j := bytes.Index(bytes.ToLower(head), []byte("\ncontent-length:")); j >= 0 {
		v := head[j+len("\ncontent-length:"):]
		if k := bytes.IndexByte(v, '\r'); k >= 0 {
			v = v[:k]
		}
		cl, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || cl < 0 || cl > 1<<20 {
			return 0, errBadResponse
		}
		if len(b) < n+cl {
			return 0, nil
		}
		n += cl
	}
	return n, nil
}

// runUDP reads RTP datagrams in batches (recvmmsg).
func (r *reader) runUDP(stop <-chan struct{}) {
	pc := ipv4.NewPacketConn(r.udp)
	if r.kernelTS {
		if err := enableTimestamps(r.udp); err != nil {
			r.fail(err)
			return
		}
	}
	const batch = 32
	msgs := make([]ipv4.Message, batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{make([]byte, 2048)}
		msgs[i].OOB = make([]byte, 64)
	}
	for {
		n, err := pc.ReadBatch(msgs, 0)
		now := time.Now().UnixNano()
		if err != nil {
			select {
			case <-stop:
			default:
				r.fail(err)
			}
			return
		}
		for i := 0; i < n; i++ {
			at := now
			if ts, ok := cmsgTimestamp(msgs[i].OOB[:msgs[i].NN]); ok {
				at = ts
			}
			r.onRTP(msgs[i].Buffers[0][:msgs[i].N], at)
		}
	}
}

// drainRTSP reads and drops the keepalive responses of a UDP reader, and
// notices when the server closes the connection.
func (r *reader) drainRTSP(stop <-chan struct{}) {
	buf := make([]byte, 4096)
	for {
		if _, err := r.sess.br.Read(buf); err != nil {
			select {
			case <-stop:
			default:
				r.fail(err)
			}
			return
		}
	}
}

func (r *reader) fail(err error) {
	if !r.failed.Swap(true) {
		logf("reader %d: %v", r.id, err)
	}
}

func (r *reader) close() {
	r.sess.conn.Close()
	if r.udp != nil {
		r.udp.Close()
		r.rtcp.Close()
	}
}

// listenPair binds an even/odd UDP port pair on 127.0.0.1 at or above
// *next, advancing it.
func listenPair(next *int, limit int) (*net.UDPConn, *net.UDPConn, error) {
	for ; *next+1 <= limit; *next += 2 {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *next})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: *next + 1})
		if err != nil {
			a.Close()
			continue
		}
		*next += 2
		return a, b, nil
	}
	return nil, nil, fmt.Errorf("no free UDP port pair below %d", limit)
}
