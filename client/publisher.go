package client

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
)

// A Publisher pushes a live stream to a server (a media server such as
// mediamtx or ZLMediaKit, or an rtspkit server with PublishPaths):
// ANNOUNCE with the SDP of its formats, SETUP with mode=record over TCP
// interleaved or UDP (Options.Transport), RECORD, then RTP and an RTCP
// sender report per track every few seconds, and keep-alives matched to
// the server's session timeout.
//
// WriteFrame never blocks and never fails because of the network: frames
// go through a bounded queue to a goroutine of the Publisher's. When the
// server is unreachable, refuses, or goes away, that goroutine connects
// again with capped exponential backoff (PublisherMinBackoff doubling up
// to PublisherMaxBackoff), frames are dropped meanwhile (counted in
// Stats), and video resumes at the next keyframe: memory stays bounded by
// the queue, whatever the outage. A server that starts after the
// Publisher is reached on its first successful attempt.
type Publisher struct {
	u       string
	formats []format.Format
	opt     Options

	q        chan pubFrame
	done     chan struct{}
	finished chan struct{}
	once     sync.Once
	// qNeedKey[i]: the queue dropped a frame of video track i, so the
	// writer drops that track's frames up to its next keyframe. Only
	// WriteFrame's callers touch it, under qmu.
	qmu      sync.Mutex
	qNeedKey []bool

	connected atomic.Bool
	retries   atomic.Uint64
	frames    atomic.Uint64
	bytes     atomic.Uint64
	drops     atomic.Uint64
	lastErr   atomic.Pointer[string] // why the last attempt or connection failed
}

// PublisherStats are a Publisher's counters.
type PublisherStats struct {
	// Connected reports that the Publisher is recording to the server now.
	Connected bool
	// Retries counts the failed connection attempts and the connections
	// lost.
	Retries uint64
	// Frames and Bytes count the frames sent and their RTP bytes.
	Frames, Bytes uint64
	// Drops counts the frames dropped: queue full, not connected, or
	// video waiting for its next keyframe.
	Drops uint64
	// LastError is why the last attempt or connection failed ("" if none).
	LastError string
}

// Publisher backoff and queue bounds.
const (
	PublisherMinBackoff = 100 * time.Millisecond
	PublisherMaxBackoff = 10 * time.Second
	// PublisherQueue is how many frames may wait to be sent.
	PublisherQueue = 256
	// publisherReportInterval is the sender report period (RFC 3550 §6.2).
	publisherReportInterval = 5 * time.Second
)

type pubFrame struct {
	track int
	pts   time.Duration
	key   bool
	f     format.Frame
}

// NewPublisher starts publishing formats (one track each, in order) to
// rawURL. It checks its arguments and returns at once: connecting happens
// in the background, again and again until Close.
func NewPublisher(rawURL string, formats []format.Format, opt Options) (*Publisher, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !(strings.EqualFold(u.Scheme, "rtsp") || strings.EqualFold(u.Scheme, "rtsps")) || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q (want rtsp://host[:port]/path or rtsps://)", ErrBadURL, rawURL)
	}
	if len(formats) == 0 {
		return nil, fmt.Errorf("%w: no format to publish", ErrBadTrack)
	}
	if opt.Transport == TransportMulticast {
		return nil, fmt.Errorf("%w: publishing goes over TCP or UDP, not multicast", ErrBadTrack)
	}
	for i, f := range formats {
		if _, err := f.NewPacketizer(0); err != nil {
			return nil, fmt.Errorf("%w: track %d: %v", ErrBadTrack, i, err)
		}
	}
	p := &Publisher{u: rawURL, formats: formats, opt: opt.withDefaults(),
		q: make(chan pubFrame, PublisherQueue), done: make(chan struct{}), finished: make(chan struct{}),
		qNeedKey: make([]bool, len(formats))}
	go p.run()
	return p, nil
}

// WriteFrame queues one frame of track: for H.264/H.265 the NAL units of
// one access unit (without start codes), for JPEG one picture, for G.711
// samples, for AAC access units (see format.Frame). pts is its
// presentation time on the caller's clock; the RTP timestamp follows from
// it with the track's clock rate. The frame is copied: the caller may
// reuse its memory at once. It returns an error only for a bad call
// (closed Publisher, no such track).
func (p *Publisher) WriteFrame(track int, pts time.Duration, f format.Frame) error {
	select {
	case <-p.done:
		return ErrClosed
	default:
	}
	if track < 0 || track >= len(p.formats) {
		return fmt.Errorf("%w: %d of %d", ErrBadTrack, track, len(p.formats))
	}
	c := p.formats[track].Codec
	video := c.Media() == "video"
	key := f.Keyframe
	switch c {
	case format.H264:
		key = key || h26x.H264IsKeyframe(f.NALUs)
	case format.H265:
		key = key || h26x.H265IsKeyframe(f.NALUs)
	case format.JPEG:
		key = true
	}
	p.qmu.Lock()
	defer p.qmu.Unlock()
	if video && p.qNeedKey[track] && !key {
		p.drops.Add(1)
		return nil
	}
	item := pubFrame{track: track, pts: pts, key: key, f: copyFrame(f)}
	select {
	case p.q <- item:
		if key {
			p.qNeedKey[track] = false
		}
	default:
		p.drops.Add(1)
		if video {
			p.qNeedKey[track] = true
		}
	}
	return nil
}

// copyFrame copies what a packetizer reads of f into memory of its own.
func copyFrame(f format.Frame) format.Frame {
	n := len(f.Data)
	for _, b := range f.NALUs {
		n += len(b)
	}
	for _, b := range f.AUs {
		n += len(b)
	}
	buf := make([]byte, 0, n)
	g := format.Frame{Codec: f.Codec, Timestamp: f.Timestamp, Marker: f.Marker, Keyframe: f.Keyframe}
	cut := func(b []byte) []byte {
		buf = append(buf, b...)
		return buf[len(buf)-len(b):]
	}
	if f.Data != nil {
		g.Data = cut(f.Data)
	}
	for _, b := range f.NALUs {
		g.NALUs = append(g.NALUs, cut(b))
	}
	for _, b := range f.AUs {
		g.AUs = append(g.AUs, cut(b))
	}
	return g
}

// Stats returns the Publisher's counters.
func (p *Publisher) Stats() PublisherStats {
	st := PublisherStats{Connected: p.connected.Load(), Retries: p.retries.Load(),
		Frames: p.frames.Load(), Bytes: p.bytes.Load(), Drops: p.drops.Load()}
	if e := p.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}

// Close stops publishing: a TEARDOWN goes to the server when connected,
// and Close returns once the Publisher's goroutine and connection are
// gone. Closing twice is fine.
func (p *Publisher) Close() error {
	p.once.Do(func() { close(p.done) })
	<-p.finished
	return nil
}

func (p *Publisher) setErr(err error) {
	msg := err.Error()
	p.lastErr.Store(&msg)
}

// run connects, records until the connection fails, and connects again,
// until Close.
func (p *Publisher) run() {
	defer close(p.finished)
	backoff := PublisherMinBackoff
	for {
		c, err := p.connect()
		if err == nil {
			backoff = PublisherMinBackoff
			p.connected.Store(true)
			err = p.record(c)
			p.connected.Store(false)
			c.Close()
		}
		select {
		case <-p.done:
			return
		default:
		}
		p.retries.Add(1)
		p.setErr(err)
		if !p.wait(backoff) {
			return
		}
		backoff = min(2*backoff, PublisherMaxBackoff)
	}
}

// wait lets d pass, dropping what is queued meanwhile; false when Close
// came first.
func (p *Publisher) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return false
		case <-t.C:
			return true
		case <-p.q:
			p.drops.Add(1)
		}
	}
}

// connect dials, announces, sets every track up and records.
func (p *Publisher) connect() (*Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.opt.Timeout)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return DialRecord(ctx, p.u, p.formats, p.opt)
}

// pubTrackState is one track's sending state on one connection.
type pubTrackState struct {
	pk       format.Packetizer
	s        rtp.Stream
	base     uint32 // RTP timestamp of pts 0
	rate     uint32
	needKey  bool
	sent     bool
	lastTS   uint32
	lastWall time.Time
	packets  uint32
	octets   uint32
}

// record sends queued frames on c until it fails or Close.
func (p *Publisher) record(c *Client) error {
	tracks := make([]pubTrackState, len(p.formats))
	for i, f := range p.formats {
		pk, _ := f.NewPacketizer(0) // checked by NewPublisher
		rate := f.ClockRate
		if rate == 0 {
			rate = 90000
		}
		tracks[i] = pubTrackState{pk: pk, rate: rate, base: randomUint32(),
			s:       rtp.Stream{PayloadType: f.PayloadType, SSRC: randomUint32(), Seq: uint16(randomUint32())},
			needKey: f.Codec.Media() == "video"}
	}
	tick := time.NewTicker(publisherReportInterval)
	defer tick.Stop()
	var b rtp.Batch
	for {
		select {
		case <-p.done:
			_, _ = c.Teardown() // bounded by Options.Timeout
			return nil
		case <-c.Done():
			if err := c.Err(); err != nil {
				return err
			}
			return errors.New("client: the server closed the connection")
		case now := <-tick.C:
			for i := range tracks {
				if sr := tracks[i].report(now); sr != nil {
					if err := c.WriteRTCP(i, sr); err != nil {
						return err
					}
				}
			}
		case it := <-p.q:
			t := &tracks[it.track]
			if t.needKey && !it.key {
				p.drops.Add(1)
				continue
			}
			t.needKey = false
			ts := t.base + rtp.Ticks(it.pts, t.rate)
			b.Reset()
			if err := t.pk.Packetize(&b, &t.s, ts, &it.f); err != nil {
				p.drops.Add(1)
				continue
			}
			if err := c.WriteRTPPackets(it.track, &b); err != nil {
				return err
			}
			p.bytes.Add(uint64(b.TotalSize()))
			for k := 0; k < b.Len(); k++ {
				t.packets++
				t.octets += uint32(len(b.Body(k)))
			}
			p.frames.Add(1)
			first := !t.sent
			t.sent, t.lastTS, t.lastWall = true, ts, time.Now()
			if first {
				// A report at once: receivers map the stream to wall
				// time (lip sync) from the first packets on.
				if sr := t.report(t.lastWall); sr != nil {
					if err := c.WriteRTCP(it.track, sr); err != nil {
						return err
					}
				}
			}
		}
	}
}

// report is a sender report with SDES for the track, mapping now to the
// RTP time of the latest frame plus the time since it was sent; nil
// before the first frame.
func (t *pubTrackState) report(now time.Time) []byte {
	if !t.sent {
		return nil
	}
	sr := &rtcp.SenderReport{SSRC: t.s.SSRC, NTPTime: rtcp.NTPTime(now),
		RTPTime:     t.lastTS + rtp.Ticks(now.Sub(t.lastWall), t.rate),
		PacketCount: t.packets, OctetCount: t.octets}
	b, err := rtcp.AppendCompound(nil, sr, rtcp.NewCNAME(t.s.SSRC, "rtspkit-publisher"))
	if err != nil {
		return nil
	}
	return b
}
