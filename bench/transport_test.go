package bench

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"

	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
)

// The transport benchmarks measure what the kernel charges a server for
// writing the same frames to one reader on loopback in different ways, to
// tell which changes to the server's send path are worth making. One
// operation writes the whole 1-second 4 Mbit/s input (25 frames, 390
// packets) to a socket that a goroutine of the same process drains. Besides
// ns/op they report cpu-ns/op, the process's user+system CPU time
// (getrusage), which includes the receiving side; that part is the same for
// every variant of one transport, so differences are the sender's.
//
//	go test -run '^$' -bench 'TCPFrameWrite|UDPFrameWrite' .

// transportFrames packetizes the H.264 input once into one batch per access
// unit.
func transportFrames(tb testing.TB) ([]*rtp.Batch, int) {
	st, err := media.Load("../testdata/"+"h264_high_720p_4mbps_bframes.h264", false)
	require.NoError(tb, err)
	var p h26x.H264Packetizer
	s := rtp.Stream{PayloadType: 96, SSRC: 1}
	var out []*rtp.Batch
	total := 0
	for i, au := range st.AUs {
		b := new(rtp.Batch)
		require.NoError(tb, p.Packetize(b, &s, uint32(i)*3600, au.NALs, true))
		out = append(out, b)
		total += b.TotalSize()
	}
	return out, total
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs op in the benchmark loop and reports cpu-ns/op.
func measure(b *testing.B, bytes int, op func()) {
	op() // warm up
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	c0 := cpuNow()
	n := 0
	for b.Loop() {
		op()
		n++
	}
	b.ReportMetric(float64(cpuNow()-c0)/float64(n), "cpu-ns/op")
}

func BenchmarkTCPFrameWrite(b *testing.B) {
	frames, total := transportFrames(b)
	type variant struct {
		name  string
		write func(c *net.TCPConn) error
	}
	// writev3: '$' header, RTP head and body as three iovecs per packet
	// (the server's tcpSender today).
	var hdrs []byte
	var bufs [][]byte
	writev3 := func(c *net.TCPConn) error {
		for _, f := range frames {
			hdrs, bufs = hdrs[:0], bufs[:0]
			for i := 0; i < f.Len(); i++ {
				hdrs = binary.BigEndian.AppendUint16(append(hdrs, '$', 0), uint16(f.Size(i)))
			}
			for i := 0; i < f.Len(); i++ {
				bufs = append(bufs, hdrs[4*i:4*i+4], f.Head(i), f.Body(i))
			}
			nb := net.Buffers(bufs)
			if _, err := nb.WriteTo(c); err != nil {
				return err
			}
		}
		return nil
	}
	// writev2: the '$' header stored in front of the RTP head (as if the
	// batch reserved 4 bytes before each head), two iovecs per packet.
	heads := make([][][]byte, len(frames))
	for j, f := range frames {
		for i := 0; i < f.Len(); i++ {
			h := binary.BigEndian.AppendUint16([]byte{'$', 0}, uint16(f.Size(i)))
			heads[j] = append(heads[j], append(h, f.Head(i)...))
		}
	}
	writev2 := func(c *net.TCPConn) error {
		for j, f := range frames {
			bufs = bufs[:0]
			for i := 0; i < f.Len(); i++ {
				bufs = append(bufs, heads[j][i], f.Body(i))
			}
			nb := net.Buffers(bufs)
			if _, err := nb.WriteTo(c); err != nil {
				return err
			}
		}
		return nil
	}
	// contiguous: the frame's whole interleaved wire image built once (a
	// copy of the frame per frame, shared by every TCP reader), one write
	// per frame.
	images := make([][]byte, len(frames))
	for j, f := range frames {
		for i := 0; i < f.Len(); i++ {
			images[j] = binary.BigEndian.AppendUint16(append(images[j], '$', 0), uint16(f.Size(i)))
			images[j] = f.AppendPacket(images[j], i)
		}
	}
	contiguous := func(c *net.TCPConn) error {
		for _, img := range images {
			if _, err := c.Write(img); err != nil {
				return err
			}
		}
		return nil
	}
	// perPacket: one write per packet, marshalled first (gortsplib).
	var scratch []byte
	perPacket := func(c *net.TCPConn) error {
		for _, f := range frames {
			for i := 0; i < f.Len(); i++ {
				scratch = binary.BigEndian.AppendUint16(append(scratch[:0], '$', 0), uint16(f.Size(i)))
				scratch = f.AppendPacket(scratch, i)
				if _, err := c.Write(scratch); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, v := range []variant{{"writev3", writev3}, {"writev2", writev2}, {"contiguous", contiguous}, {"perPacket", perPacket}} {
		b.Run(v.name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(b, err)
			defer ln.Close()
			done := make(chan int64)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					done <- 0
					return
				}
				n, _ := io.CopyBuffer(io.Discard, c, make([]byte, 256<<10))
				done <- n
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(b, err)
			tc := c.(*net.TCPConn)
			measure(b, total, func() {
				if err := v.write(tc); err != nil {
					b.Fatal(err)
				}
			})
			c.Close()
			<-done
		})
	}
}

// UDP_SEGMENT (linux/udp.h): the segment size of a UDP GSO send, as a
// SOL_UDP control message.
const (
	solUDP     = 17
	udpSegment = 103
)

func gsoCmsg(size int) []byte {
	// struct cmsghdr (16 bytes on 64-bit) + uint16, padded to CMSG_SPACE(2).
	b := make([]byte, 24)
	binary.NativeEndian.PutUint64(b, 18) // CMSG_LEN(2)
	binary.NativeEndian.PutUint32(b[8:], solUDP)
	binary.NativeEndian.PutUint32(b[12:], udpSegment)
	binary.NativeEndian.PutUint16(b[16:], uint16(size))
	return b
}

func BenchmarkUDPFrameWrite(b *testing.B) {
	frames, total := transportFrames(b)
	npkts := 0
	for _, f := range frames {
		npkts += f.Len()
	}
	type variant struct {
		name  string
		write func(c *net.UDPConn, pc *ipv4.PacketConn) error
	}
	// The sender is unconnected and names the destination per datagram,
	// as a server's shared RTP socket does.
	var dst *net.UDPAddr
	// sendto: one marshal and one sendto per packet (gortsplib).
	var scratch []byte
	sendto := func(c *net.UDPConn, _ *ipv4.PacketConn) error {
		for _, f := range frames {
			for i := 0; i < f.Len(); i++ {
				scratch = f.AppendPacket(scratch[:0], i)
				if _, err := c.WriteToUDP(scratch, dst); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// sendmmsg: one datagram per packet gathered from head and body, the
	// whole frame in one sendmmsg (the server's udpSender today).
	var msgs []ipv4.Message
	var bufs [][]byte
	sendmmsg := func(_ *net.UDPConn, pc *ipv4.PacketConn) error {
		for _, f := range frames {
			msgs, bufs = msgs[:0], bufs[:0]
			for i := 0; i < f.Len(); i++ {
				bufs = append(bufs, f.Head(i), f.Body(i))
			}
			for i := 0; i < f.Len(); i++ {
				msgs = append(msgs, ipv4.Message{Buffers: bufs[2*i : 2*i+2], Addr: dst})
			}
			if err := writeAll(pc, msgs); err != nil {
				return err
			}
		}
		return nil
	}
	// gso: runs of packets of one size (the FU-A fragments of a NAL unit
	// are all MaxPacketSize but the last) sent as one UDP GSO message each,
	// at most 64 segments and 65000 bytes; the kernel cuts them into the
	// same datagrams. All of a frame's messages in one sendmmsg.
	gso := func(_ *net.UDPConn, pc *ipv4.PacketConn) error {
		for _, f := range frames {
			msgs, bufs = gsoMessages(f, dst, msgs[:0], bufs[:0])
			if err := writeAll(pc, msgs); err != nil {
				return err
			}
		}
		return nil
	}
	for _, v := range []variant{{"sendto", sendto}, {"sendmmsg", sendmmsg}, {"gso", gso},
		{"sendmmsg+DF", sendmmsg}, {"gso+DF", gso}} {
		b.Run(v.name, func(b *testing.B) {
			rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			require.NoError(b, err)
			_ = rc.SetReadBuffer(4 << 20)
			var got atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				rpc := ipv4.NewPacketConn(rc)
				ms := make([]ipv4.Message, 64)
				for i := range ms {
					ms[i].Buffers = [][]byte{make([]byte, 2048)}
				}
				for {
					n, err := rpc.ReadBatch(ms, 0)
					if err != nil {
						return
					}
					got.Add(int64(n))
				}
			}()
			dst = rc.LocalAddr().(*net.UDPAddr)
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			require.NoError(b, err)
			_ = c.SetWriteBuffer(4 << 20)
			if strings.HasSuffix(v.name, "+DF") {
				// Don't Fragment: the kernel then writes IP ID 0 instead
				// of drawing one from its shared generator (see
				// ip_select_ident_segs).
				require.NoError(b, setDF(c))
			}
			pc := ipv4.NewPacketConn(c)
			sent := 0
			measure(b, total, func() {
				if err := v.write(c, pc); err != nil {
					b.Fatal(err)
				}
				sent += npkts
				// Pace to the receiver so that nothing is dropped: a
				// dropped datagram costs the receiver nothing.
				for int(got.Load()) < sent-npkts {
					time.Sleep(50 * time.Microsecond)
				}
			})
			deadline := time.Now().Add(2 * time.Second)
			for int(got.Load()) < sent && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(100*float64(sent-int(got.Load()))/float64(sent), "loss%")
			c.Close()
			rc.Close()
			<-done
		})
	}
}

var gsoCmsgs = map[int][]byte{}

// gsoMessages appends to msgs the UDP GSO messages that carry the packets of
// f: runs of packets of one size (the FU-A fragments of a NAL unit are all
// the largest packet size but the last) become one message each, at most
// 64 segments and 65000 bytes, with a UDP_SEGMENT control message of that
// size; the kernel cuts each back into the same datagrams. A run of one
// packet is sent as a plain datagram.
func gsoMessages(f *rtp.Batch, dst net.Addr, msgs []ipv4.Message, bufs [][]byte) ([]ipv4.Message, [][]byte) {
	for i := 0; i < f.Len(); {
		size := f.Size(i)
		start := len(bufs)
		j, bytes := i, 0
		for j < f.Len() && j-i < 64 && bytes+f.Size(j) <= 65000 && f.Size(j) <= size {
			bufs = append(bufs, f.Head(j), f.Body(j))
			bytes += f.Size(j)
			j++
			if f.Size(j-1) < size {
				break // a shorter segment can only be the last
			}
		}
		m := ipv4.Message{Buffers: bufs[start:len(bufs):len(bufs)], Addr: dst}
		if j-i > 1 {
			if gsoCmsgs[size] == nil {
				gsoCmsgs[size] = gsoCmsg(size)
			}
			m.OOB = gsoCmsgs[size]
		}
		msgs = append(msgs, m)
		i = j
	}
	return msgs, bufs
}

// TestUDPGSODatagrams checks that the GSO variant of BenchmarkUDPFrameWrite
// delivers exactly the datagrams of one-packet-per-datagram sending.
func TestUDPGSODatagrams(t *testing.T) {
	frames, _ := transportFrames(t)
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer rc.Close()
	_ = rc.SetReadBuffer(4 << 20)
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer c.Close()
	pc := ipv4.NewPacketConn(c)
	buf := make([]byte, 2048)
	var msgs []ipv4.Message
	var bufs [][]byte
	for _, f := range frames[:3] { // the IDR, a large P frame, a small one
		msgs, bufs = gsoMessages(f, rc.LocalAddr(), msgs[:0], bufs[:0])
		require.Less(t, len(msgs), f.Len(), "GSO should merge packets")
		require.NoError(t, writeAll(pc, msgs))
		for i := 0; i < f.Len(); i++ {
			require.NoError(t, rc.SetReadDeadline(time.Now().Add(2*time.Second)))
			n, err := rc.Read(buf)
			require.NoError(t, err)
			require.Equal(t, f.AppendPacket(nil, i), buf[:n], "packet %d", i)
		}
	}
}

func setDF(c *net.UDPConn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO)
	}); err != nil {
		return err
	}
	return serr
}

func writeAll(pc *ipv4.PacketConn, msgs []ipv4.Message) error {
	for len(msgs) > 0 {
		n, err := pc.WriteBatch(msgs, 0)
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.EAGAIN) {
				time.Sleep(100 * time.Microsecond)
				continue
			}
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}
