package client

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// Setup asks the server to set up track i of the description (an index
// into Description.Tracks) over the transport of Options, and prepares to
// receive it:
//
//   - UDP: two consecutive local ports, the first even, on the address the
//     RTSP connection uses; receiver reports go to the server's
//     server_port+1 (the second port of server_port).
//   - TCP: interleaved channels 2i and 2i+1 (the server may choose others;
//     its answer is followed).
//   - Multicast: the group and ports of the server's answer, joined on
//     Options.MulticastInterface.
//
// Every track of one Client uses the same transport, and the session the
// first SETUP creates.
func (c *Client) Setup(i int) error {
	c.mu.Lock()
	desc := c.desc
	if desc == nil {
		c.mu.Unlock()
		return ErrNoDescription
	}
	if i < 0 || i >= len(desc.Tracks) {
		c.mu.Unlock()
		return fmt.Errorf("%w: %d of %d", ErrBadTrack, i, len(desc.Tracks))
	}
	if c.tracks[i] != nil {
		c.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrAlreadySetup, i)
	}
	kind := c.opt.Transport
	recording := c.recording
	var ch uint8
	if kind == TransportTCP {
		var ok bool
		if ch, ok = c.freeChannelPair(i); !ok {
			c.mu.Unlock()
			return fmt.Errorf("%w: no free interleaved channels", ErrBadTrack)
		}
	}
	c.mu.Unlock()

	info := desc.Tracks[i]
	if info.Control == nil {
		return fmt.Errorf("%w: track %d has no usable control URL", ErrBadTrack, i)
	}
	t := newTrack(c, i, info, kind)
	ask := rtsp.Transport{Protocol: "RTP", Profile: "AVP", Delivery: rtsp.DeliveryUnicast}
	switch kind {
	case TransportUDP:
		var err error
		t.rtpConn, t.rtcpConn, err = listenUDPPair(c.localIP, c.opt.UDPReadBuffer)
		if err != nil {
			return err
		}
		rtpPort := uint16(t.rtpConn.LocalAddr().(*net.UDPAddr).Port)
		ask.ClientPort = &rtsp.PortRange{First: rtpPort, Last: rtpPort + 1}
	case TransportTCP:
		ask.Lower = "TCP"
		ask.Interleaved = &rtsp.PortRange{First: uint16(ch), Last: uint16(ch) + 1}
		t.rtpChannel, t.rtcpChannel = ch, ch+1
	case TransportMulticast:
		ask.Delivery = rtsp.DeliveryMulticast
	default:
		return fmt.Errorf("client: unknown transport %v", kind)
	}

	if recording {
		if kind == TransportMulticast {
			return fmt.Errorf("%w: publishing goes over TCP or UDP, not multicast", ErrBadTrack)
		}
		// Lower case, as ffmpeg, gortsplib and live555 write it: ffmpeg's
		// server (-rtsp_flags listen) compares it case-sensitively with
		// "record" and refuses RFC 2326's upper-case method name.
		ask.Mode = "record"
	}
	req := &rtsp.Request{Method: rtsp.Setup, URL: info.Control, Header: rtsp.Header{}}
	req.Header.Set("Transport", ask.String())
	resp, err := c.request(req)
	if err != nil {
		t.closeSockets()
		return err
	}
	if err := c.configure(t, resp); err != nil {
		t.closeSockets()
		return err
	}

	c.mu.Lock()
	if c.closed() || c.tracks[i] != nil {
		c.mu.Unlock()
		t.closeSockets()
		if c.closed() {
			return ErrClosed
		}
		return fmt.Errorf("%w: %d", ErrAlreadySetup, i)
	}
	if kind == TransportTCP {
		if c.channels[t.rtpChannel] != nil || c.channels[t.rtcpChannel] != nil {
			c.mu.Unlock()
			return fmt.Errorf("%w: server chose interleaved channels %d-%d, already in use", ErrBadResponse, t.rtpChannel, t.rtcpChannel)
		}
		c.channels[t.rtpChannel] = t
		c.channels[t.rtcpChannel] = t
	}
	c.tracks[i] = t
	if t.rtpConn != nil {
		c.wg.Add(2)
		go func() { defer c.wg.Done(); t.readUDP(t.rtpConn, true) }()
		go func() { defer c.wg.Done(); t.readUDP(t.rtcpConn, false) }()
	}
	c.mu.Unlock()
	return nil
}

// configure reads the SETUP response into the session and track t.
func (c *Client) configure(t *track, resp *rtsp.Response) error {
	sv := resp.Header.Get("Session")
	if sv == "" && c.Session() == "" {
		return fmt.Errorf("%w: SETUP response without Session", ErrBadResponse)
	}
	var sess rtsp.Session
	if sv != "" {
		var err error
		if sess, err = rtsp.ParseSession(sv); err != nil {
			return fmt.Errorf("%w: Session %q: %v", ErrBadResponse, sv, err)
		}
	}
	tv := resp.Header.Values("Transport")
	if len(tv) == 0 {
		return fmt.Errorf("%w: SETUP response without Transport", ErrBadResponse)
	}
	specs, err := rtsp.ParseTransports(strings.Join(tv, ","))
	if err != nil {
		return fmt.Errorf("%w: Transport: %v", ErrBadResponse, err)
	}
	tr := specs[0]
	if tr.IsTCP() != (t.kind == TransportTCP) {
		return fmt.Errorf("%w: asked for %v, server answered %q", ErrBadResponse, t.kind, tr.String())
	}

	t.sources = []netip.Addr{c.remoteIP}
	if tr.Source != "" {
		if a, err := netip.ParseAddr(tr.Source); err == nil && a.Unmap() != c.remoteIP {
			t.sources = append(t.sources, a.Unmap())
		}
	}
	switch t.kind {
	case TransportUDP:
		if tr.Delivery == rtsp.DeliveryMulticast {
			return fmt.Errorf("%w: asked for unicast, server answered %q", ErrBadResponse, tr.String())
		}
		// Receiver reports go to the server's RTCP port, on the address
		// of the RTSP connection only: a server cannot point them
		// elsewhere.
		if sp := tr.ServerPort; sp != nil && sp.First != 0 {
			rtcp := sp.Last
			if rtcp == sp.First {
				rtcp = sp.First + 1
			}
			if rtcp != 0 {
				t.rtcpDest = netip.AddrPortFrom(c.remoteIP, rtcp)
			}
			t.serverPorts = [2]uint16{sp.First, rtcp}
		}
	case TransportTCP:
		if tr.Interleaved != nil {
			first, last := tr.Interleaved.First, tr.Interleaved.Last
			if last == first {
				last = first + 1
			}
			if first > 255 || last > 255 {
				return fmt.Errorf("%w: interleaved=%s", ErrBadResponse, tr.Interleaved)
			}
			t.rtpChannel, t.rtcpChannel = uint8(first), uint8(last)
		}
		// Otherwise the server did not say: it uses the channels asked
		// for, which Setup put in t.
	case TransportMulticast:
		if tr.Delivery != rtsp.DeliveryMulticast || tr.Destination == "" {
			return fmt.Errorf("%w: multicast answer without a group: %q", ErrBadResponse, tr.String())
		}
		group, err := netip.ParseAddr(tr.Destination)
		if err != nil || !group.IsMulticast() {
			return fmt.Errorf("%w: destination %q is not a multicast address", ErrBadResponse, tr.Destination)
		}
		ports := tr.Port
		if ports == nil {
			ports = tr.ClientPort
		}
		if ports == nil || ports.First == 0 {
			return fmt.Errorf("%w: multicast answer without ports: %q", ErrBadResponse, tr.String())
		}
		rtcpPort := ports.Last
		if rtcpPort == ports.First {
			rtcpPort = ports.First + 1
		}
		t.rtpConn, t.rtcpConn, err = listenMulticast(group, ports.First, rtcpPort, c.opt.MulticastInterface, c.opt.UDPReadBuffer)
		if err != nil {
			return err
		}
		t.rtcpDest = netip.AddrPortFrom(group, rtcpPort)
		if tr.SSRC != nil {
			t.wantSSRC, t.haveWantSSRC = *tr.SSRC, true
		}
	}

	c.mu.Lock()
	if c.session == "" && sess.ID != "" {
		c.session = sess.ID
		c.sessionTimeout = DefaultSessionTimeout
		if sess.Timeout > 0 {
			c.sessionTimeout = time.Duration(sess.Timeout) * time.Second
		}
	}
	c.mu.Unlock()
	return nil
}

// freeChannelPair returns the interleaved channels to ask for track i:
// 2i and 2i+1 when free, else the lowest free even pair. Called with c.mu
// held.
func (c *Client) freeChannelPair(i int) (uint8, bool) {
	if 2*i+1 <= 255 && c.channels[2*i] == nil && c.channels[2*i+1] == nil {
		return uint8(2 * i), true
	}
	for ch := 0; ch+1 <= 255; ch += 2 {
		if c.channels[ch] == nil && c.channels[ch+1] == nil {
			return uint8(ch), true
		}
	}
	return 0, false
}
