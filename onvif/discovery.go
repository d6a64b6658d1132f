package onvif

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
)

// The WS-Discovery multicast group and port (WS-Discovery 2005/04 §2.4,
// SOAP-over-UDP).
var discoveryGroup = &net.UDPAddr{IP: net.IPv4(239, 255, 255, 250), Port: 3702}

// Timing of SOAP-over-UDP and WS-Discovery 2005/04 (Appendix I): a
// multicast message is sent twice, 50 to 250 ms apart
// (MULTICAST_UDP_REPEAT, UDP_MIN_DELAY, UDP_MAX_DELAY), and the answer to
// a multicast Probe waits a random time, so that many devices do not
// answer one probe at once. WS-Discovery bounds that wait by APP_MAX_DELAY
// (500 ms); replyMaxDelay keeps well within it because libonvif
// (onvif-util) stops listening 500 ms after its Probe: an answer at the
// end of the allowed wait would come too late for it.
const (
	repeatMinDelay = 50 * time.Millisecond
	repeatMaxDelay = 250 * time.Millisecond
	replyMaxDelay  = 100 * time.Millisecond
)

// Bounds on answers, against being used to reflect traffic at a spoofed
// source: at most this many ProbeMatches waiting, and a token bucket of
// replyBurst answers refilled at replyRate a second.
const (
	maxPending = 16
	replyBurst = 20
	replyRate  = 10
)

// DiscoveryConfig configures WS-Discovery.
type DiscoveryConfig struct {
	// Port is the port of the HTTP service (required unless XAddrs is
	// set); the device service addresses announced are http://<address>:Port/onvif/device_service
	// for each IPv4 address of each interface.
	Port int
	// XAddrs, when set, are announced instead (a device behind NAT, a
	// host name).
	XAddrs []string
	// Interfaces names the interfaces to listen and announce on. Default:
	// every interface that is up, has an IPv4 address and does multicast
	// (loopback only when there is nothing else).
	Interfaces []string
}

// A Discovery makes a Service discoverable: it sent a Hello when it
// started, answers matching Probes with a ProbeMatch, and sends a Bye on
// Close (Core §7.2, "Modes of operation": discoverable is the default).
type Discovery struct {
	svc      *Service
	conn     net.PacketConn
	pc       *ipv4.PacketConn
	ifs      []hostInterface
	xaddrs   []string // fixed XAddrs, or nil
	port     int
	instance uint32

	// sendMu serializes sending (SetMulticastInterface and WriteTo go
	// together) and guards leaving: once Close has set it, only Bye goes
	// out, so no Hello repetition or ProbeMatch can follow the Bye.
	sendMu  sync.Mutex
	leaving bool

	mu     sync.Mutex
	closed bool
	number uint32
	tokens float64
	refill time.Time
	waits  int // ProbeMatches waiting to be sent

	wg sync.WaitGroup
}

// StartDiscovery joins the WS-Discovery group on the configured
// interfaces, sends Hello, and answers Probes until Close.
func (s *Service) StartDiscovery(dc DiscoveryConfig) (*Discovery, error) {
	if len(dc.XAddrs) == 0 && (dc.Port <= 0 || dc.Port > 65535) {
		return nil, fmt.Errorf("onvif: WS-Discovery: port %d (DiscoveryConfig.Port or XAddrs is required)", dc.Port)
	}
	ifs, err := discoveryInterfaces(dc.Interfaces)
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{Control: reuseAddr}
	conn, err := lc.ListenPacket(context.Background(), "udp4", "0.0.0.0:"+strconv.Itoa(discoveryGroup.Port))
	if err != nil {
		return nil, fmt.Errorf("onvif: WS-Discovery socket: %w", err)
	}
	pc := ipv4.NewPacketConn(conn)
	joined := ifs[:0]
	for _, h := range ifs {
		ifi := &net.Interface{Index: h.Index, Name: h.Name}
		if pc.JoinGroup(ifi, discoveryGroup) == nil {
			joined = append(joined, h)
		}
	}
	if len(joined) == 0 {
		_ = conn.Close()
		return nil, errors.New("onvif: WS-Discovery: could not join 239.255.255.250 on any interface")
	}
	// The interface and destination of each datagram tell which
	// addresses to answer with and whether the Probe was multicast.
	_ = pc.SetControlMessage(ipv4.FlagInterface|ipv4.FlagDst, true)
	// Link-local scope: discovery is for the local network only.
	_ = pc.SetMulticastTTL(1)
	// Clients on this same machine must hear Hello and Bye too.
	_ = pc.SetMulticastLoopback(true)
	d := &Discovery{
		svc: s, conn: conn, pc: pc, ifs: joined, xaddrs: dc.XAddrs, port: dc.Port,
		instance: uint32(time.Now().Unix()), tokens: replyBurst, refill: time.Now(),
	}
	d.multicast(helloMessage)
	d.wg.Add(1)
	go d.serve()
	return d, nil
}

// discoveryInterfaces returns the named interfaces, or the default set.
func discoveryInterfaces(names []string) ([]hostInterface, error) {
	all := hostInterfaces()
	var out []hostInterface
	for _, h := range all {
		if len(names) == 0 && !h.Multicast {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, h.Name) {
			continue
		}
		out = append(out, h)
	}
	if len(out) == 0 {
		return nil, errors.New("onvif: WS-Discovery: no usable interface (up, IPv4, multicast)")
	}
	return out, nil
}

// Close sends Bye (Core §7.3.5: "A device should send a one-way Bye
// message when it prepares to leave a network"), stops answering and
// releases the socket, once the goroutines have ended.
func (d *Discovery) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.sendMu.Lock()
	d.leaving = true
	d.sendMu.Unlock()
	d.sendEach(byeMessage, true)
	time.Sleep(repeatDelay())
	d.sendEach(byeMessage, true)
	err := d.conn.Close()
	d.wg.Wait()
	return err
}

// multicast sends a Hello now and its repetition in the background.
func (d *Discovery) multicast(msg func(*announcement) []byte) {
	d.sendEach(msg, false)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		time.Sleep(repeatDelay())
		d.sendEach(msg, false)
	}()
}

func repeatDelay() time.Duration {
	return repeatMinDelay + rand.N(repeatMaxDelay-repeatMinDelay)
}

// sendEach multicasts the message on each interface, with that
// interface's addresses as XAddrs; after Close has begun, only a bye. A
// repetition carries a new MessageNumber and MessageID: clients dedupe by
// endpoint reference.
func (d *Discovery) sendEach(msg func(*announcement) []byte, bye bool) {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	if d.leaving && !bye {
		return
	}
	for _, h := range d.ifs {
		b := msg(d.announce(h.IPv4))
		if d.pc.SetMulticastInterface(&net.Interface{Index: h.Index, Name: h.Name}) == nil {
			_, _ = d.pc.WriteTo(b, nil, discoveryGroup)
		}
	}
}

// announce returns the announcement with the next message number and the
// XAddrs of addrs (or the configured ones).
func (d *Discovery) announce(addrs []netip.Prefix) *announcement {
	d.mu.Lock()
	d.number++
	n := d.number
	d.mu.Unlock()
	xaddrs := d.xaddrs
	if xaddrs == nil {
		for _, a := range addrs {
			xaddrs = append(xaddrs, "http://"+net.JoinHostPort(a.Addr().String(), strconv.Itoa(d.port))+DevicePath)
		}
	}
	return &announcement{endpoint: d.svc.cfg.EndpointUUID, scopes: d.svc.scopes(), xaddrs: xaddrs, instance: d.instance, number: n}
}

// serve reads datagrams until the socket closes.
func (d *Discovery) serve() {
	defer d.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, cm, src, err := d.pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		udp, ok := src.(*net.UDPAddr)
		if !ok || n > maxDatagram {
			continue
		}
		reply := d.answer(buf[:n], cm)
		if reply == nil {
			continue
		}
		d.schedule(reply, udp, cm != nil && cm.Dst.IsMulticast())
	}
}

// answer returns the ProbeMatches for a matching Probe, or nil. Errors
// are not answered (Core §7.3.6: "If an error exists with the multicast
// packet, the device and client should silently discard and ignore the
// request"), nor are Probes for other types or scopes.
func (d *Discovery) answer(b []byte, cm *ipv4.ControlMessage) []byte {
	p, err := parseProbe(b)
	if err != nil {
		return nil
	}
	if !typesMatch(p.types) || !scopesMatch(p.matchBy, p.scopes, d.svc.scopes()) {
		return nil
	}
	addrs := d.ifs[0].IPv4
	if cm != nil {
		for _, h := range d.ifs {
			if h.Index == cm.IfIndex {
				addrs = h.IPv4
			}
		}
	}
	return probeMatchesMessage(d.announce(addrs), p.messageID)
}

// schedule sends reply to dst, within the bounds on answers: at once for
// a unicast Probe, after a random delay for a multicast one.
func (d *Discovery) schedule(reply []byte, dst *net.UDPAddr, multicast bool) {
	d.mu.Lock()
	now := time.Now()
	d.tokens = min(replyBurst, d.tokens+now.Sub(d.refill).Seconds()*replyRate)
	d.refill = now
	if d.closed || d.waits >= maxPending || d.tokens < 1 {
		d.mu.Unlock()
		return
	}
	d.tokens--
	d.waits++
	d.mu.Unlock()
	send := func() {
		d.mu.Lock()
		d.waits--
		d.mu.Unlock()
		d.sendMu.Lock()
		defer d.sendMu.Unlock()
		if !d.leaving {
			_, _ = d.pc.WriteTo(reply, nil, dst)
		}
	}
	if !multicast {
		send()
		return
	}
	d.wg.Add(1)
	time.AfterFunc(rand.N(replyMaxDelay), func() {
		defer d.wg.Done()
		send()
	})
}
