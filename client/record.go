package client

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// Publishing (RFC 2326 §10.3 ANNOUNCE, §10.11 RECORD): the client tells the
// server the presentation it will send, sets each track up with
// mode=record, records, then writes RTP and RTCP itself (WriteRTP,
// WriteRTCP). Publisher, in publisher.go, does all of it for a caller that
// has frames.

// Announce tells the server the presentation this client will publish:
// one media description per format, with the controls trackID=0, 1... It
// becomes the client's description: Setup then takes an index into
// formats and asks for mode=record, and Record starts the recording.
func (c *Client) Announce(formats []format.Format) (*Description, error) {
	if len(formats) == 0 {
		return nil, fmt.Errorf("%w: nothing to announce", ErrBadTrack)
	}
	addrType := "IP4"
	if c.localIP.Is6() {
		addrType = "IP6"
	}
	s := &sdp.Session{
		Origin: sdp.Origin{Username: "-", SessionID: strconv.FormatUint(uint64(c.ssrc), 10), SessionVersion: "1",
			NetworkType: "IN", AddressType: addrType, Address: c.localIP.String()},
		Name:       "rtspkit",
		Connection: &sdp.Connection{NetworkType: "IN", AddressType: addrType, Address: c.remoteIP.String()},
		Times:      []sdp.Time{{}},
		Attributes: []sdp.Attribute{{Key: "tool", Value: "rtspkit"}},
	}
	for i, f := range formats {
		md := f.Media("trackID=" + strconv.Itoa(i))
		if md.Type == "" {
			md.Type = "application"
		}
		s.Media = append(s.Media, md)
	}
	body, err := s.Marshal()
	if err != nil {
		return nil, err
	}
	req := &rtsp.Request{Method: rtsp.Announce, URL: c.URL(), Header: rtsp.Header{}, Body: body}
	req.Header.Set("Content-Type", "application/sdp")
	if _, err := c.request(req); err != nil {
		return nil, err
	}
	// Controls are relative to the presentation URL as a directory.
	base := *c.URL()
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
	}
	d := newDescription(s, &base)
	d.Raw = body
	d.ControlURL = c.URL()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tracks {
		if t != nil {
			return nil, fmt.Errorf("%w: Announce after Setup", ErrAlreadySetup)
		}
	}
	c.desc = d
	c.tracks = make([]*track, len(d.Tracks))
	c.recording = true
	return d, nil
}

// Record asks the server to start recording (RFC 2326 §10.11) once the
// tracks are set up. Keep-alives start then; the caller sends the media
// (WriteRTP) and its sender reports (WriteRTCP).
func (c *Client) Record() (*rtsp.Response, error) {
	if !c.anySetup() {
		return nil, ErrNotSetup
	}
	req := &rtsp.Request{Method: rtsp.Record, URL: c.aggregateURL(), Header: rtsp.Header{}}
	req.Header.Set("Range", "npt=0.000-")
	resp, err := c.request(req)
	if err != nil {
		return resp, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loopsStarted && !c.closed() {
		c.loopsStarted = true
		c.startLoops()
	}
	return resp, nil
}

// WriteRTP sends one marshalled RTP packet of track i: interleaved on the
// track's channel, or over UDP to the server's RTP port.
func (c *Client) WriteRTP(i int, pkt []byte) error {
	t, err := c.setUpTrack(i)
	if err != nil {
		return err
	}
	if t.kind == TransportTCP {
		return c.writeInterleaved(t.rtpChannel, pkt)
	}
	if t.rtpConn == nil || t.serverPorts[0] == 0 {
		return fmt.Errorf("%w: the server gave no RTP port for track %d", ErrBadResponse, i)
	}
	_, err = t.rtpConn.WriteToUDPAddrPort(pkt, netip.AddrPortFrom(c.remoteIP, t.serverPorts[0]))
	return err
}

// Packets is a run of RTP packets, such as one frame's: rtp.Batch (what a
// format.Packetizer writes) and server.OutFrame (what an outbound reader of
// a server session gets) are Packets.
type Packets interface {
	// Len is the number of packets.
	Len() int
	// AppendPacket appends the wire bytes of packet i to dst.
	AppendPacket(dst []byte, i int) []byte
}

// WriteRTPPackets sends the packets of track i, in order, as WriteRTP
// would one by one; over TCP interleaved they leave in one write, so that
// a frame costs one system call instead of one per packet (a 100 KB
// keyframe is some 75 packets). A packet too large for an interleaved
// frame fails the call before anything is written.
func (c *Client) WriteRTPPackets(i int, p Packets) error {
	t, err := c.setUpTrack(i)
	if err != nil {
		return err
	}
	if t.kind != TransportTCP {
		if t.rtpConn == nil || t.serverPorts[0] == 0 {
			return fmt.Errorf("%w: the server gave no RTP port for track %d", ErrBadResponse, i)
		}
		to := netip.AddrPortFrom(c.remoteIP, t.serverPorts[0])
		c.wmu.Lock()
		defer c.wmu.Unlock()
		for k := 0; k < p.Len(); k++ {
			c.pbuf = p.AppendPacket(c.pbuf[:0], k)
			if _, err := t.rtpConn.WriteToUDPAddrPort(c.pbuf, to); err != nil {
				return err
			}
		}
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := c.pbuf[:0]
	for k := 0; k < p.Len(); k++ {
		h := len(b)
		b = append(b, rtsp.InterleavedMarker, t.rtpChannel, 0, 0)
		b = p.AppendPacket(b, k)
		n := len(b) - h - rtsp.InterleavedHeaderSize
		if n > rtsp.MaxInterleavedPayload {
			c.pbuf = b[:0]
			return fmt.Errorf("%w: packet %d of track %d is %d bytes", rtsp.ErrFrameTooLarge, k, i, n)
		}
		b[h+2], b[h+3] = byte(n>>8), byte(n)
	}
	// Keep the buffer for the next frame unless one huge frame grew it
	// far past what a stream usually needs.
	if cap(b) <= maxKeptPacketsBuffer {
		c.pbuf = b[:0]
	} else {
		c.pbuf = nil
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.opt.Timeout))
	if _, err := c.nc.Write(b); err != nil {
		c.nc.Close()
		return err
	}
	return nil
}

// maxKeptPacketsBuffer bounds the buffer WriteRTPPackets keeps between
// calls: a 720p or 1080p keyframe fits.
const maxKeptPacketsBuffer = 1 << 20

// WriteRTCP sends one RTCP compound packet of track i, on its RTCP channel
// or to the server's RTCP port.
func (c *Client) WriteRTCP(i int, b []byte) error {
	t, err := c.setUpTrack(i)
	if err != nil {
		return err
	}
	return t.sendRTCP(b)
}

func (c *Client) setUpTrack(i int) (*track, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.tracks) || c.tracks[i] == nil {
		return nil, fmt.Errorf("%w: track %d is not set up", ErrNotSetup, i)
	}
	return c.tracks[i], nil
}

// DialRecord connects to rawURL and makes it record formats: Dial,
// Announce, Setup of every track (mode=record), Record. The connection is
// ready for WriteRTP and WriteRTCP; on failure nothing stays open. It is
// what Publisher does on each (re)connection, and what a push target does.
func DialRecord(ctx context.Context, rawURL string, formats []format.Format, opt Options) (*Client, error) {
	c, err := Dial(ctx, rawURL, opt)
	if err != nil {
		return nil, err
	}
	if _, err := c.Announce(formats); err != nil {
		c.Close()
		return nil, err
	}
	for i := range formats {
		if err := c.Setup(i); err != nil {
			c.Close()
			return nil, err
		}
	}
	if _, err := c.Record(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
