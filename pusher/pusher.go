// Package pusher is the K230 board's RTSP pusher (RtspPusher_create, Init,
// Open, PushVideoHeader, PushVideoData, Close, DeInit, destroy) over
// client.Publisher: it sends a camera's H.264 stream to a media server
// (mediamtx, ZLMediaKit, SRS, or an rtspkit server with PublishPaths) with
// ANNOUNCE and RECORD, so that the server fans it out to many viewers.
//
// The names and the flow are the board's, so board code ports line by
// line; what the board's pusher did wrong is fixed:
//
//   - pushing never blocks the camera and never fails because of the
//     network: a server that is down, refuses, restarts or starts later is
//     reconnected to with capped exponential backoff, frames are dropped
//     meanwhile (counted in Stats) and video resumes at a keyframe, with
//     memory bounded by the publisher's queue;
//   - every misuse (Push before Open, Init twice, a bad URL or transport)
//     is an error to test with errors.Is, never a crash;
//   - the header (SPS and PPS) goes into the SDP's sprop-parameter-sets
//     when it comes before the first frame, and is put in front of every
//     keyframe that arrives without it, so late joiners can decode.
//
// Timestamps are in milliseconds, as on the board.
package pusher

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/h26x"
)

// Errors of the pusher's calls; test with errors.Is.
var (
	ErrNotInitialized = errors.New("pusher: not initialised (call Init first)")
	ErrAlreadyInit    = errors.New("pusher: already initialised")
	ErrNotOpen        = errors.New("pusher: not open (call Open first)")
	ErrAlreadyOpen    = errors.New("pusher: already open")
	ErrDestroyed      = errors.New("pusher: destroyed")
	ErrBadArgument    = errors.New("pusher: bad argument")
	ErrBadMedia       = errors.New("pusher: not H.264 Annex-B data")
)

// Pusher pushes one H.264 stream to one URL. Its methods are safe for
// concurrent use.
type Pusher struct {
	mu        sync.Mutex
	inited    bool
	destroyed bool
	url       string
	transport client.Transport
	width     int
	height    int
	fps       int
	sps, pps  []byte
	open      bool
	pub       *client.Publisher
	nals      [][]byte
}

// New creates a pusher (the board's RtspPusher_create).
func New() *Pusher { return &Pusher{} }

// Init sets the stream and its destination (RtspPusher_Init): the video
// size and frame rate (informative: the SPS is what players use), the
// rtsp:// URL to publish to, and the transport, "tcp" (the default when
// empty) or "udp".
func (p *Pusher) Init(width, height int, url string, fps int, transport string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.destroyed {
		return ErrDestroyed
	}
	if p.inited {
		return ErrAlreadyInit
	}
	if width <= 0 || height <= 0 || fps <= 0 || fps > 1000 {
		return fmt.Errorf("%w: %dx%d at %d fps", ErrBadArgument, width, height, fps)
	}
	if !strings.HasPrefix(strings.ToLower(url), "rtsp://") {
		return fmt.Errorf("%w: URL %q (want rtsp://host[:port]/path)", ErrBadArgument, url)
	}
	var tr client.Transport
	switch strings.ToLower(strings.TrimSpace(transport)) {
	case "", "tcp":
		tr = client.TransportTCP
	case "udp":
		tr = client.TransportUDP
	default:
		return fmt.Errorf("%w: transport %q (tcp or udp)", ErrBadArgument, transport)
	}
	p.width, p.height, p.fps, p.url, p.transport = width, height, fps, url, tr
	p.inited = true
	return nil
}

// Open starts pushing (RtspPusher_Open). Connecting happens in the
// background once the first header or frame is pushed, so that the
// header can go into the SDP; Open itself does not wait for the server.
func (p *Pusher) Open() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	if p.open {
		return ErrAlreadyOpen
	}
	p.open = true
	return nil
}

// PushVideoHeader hands the stream's parameter sets (RtspPusher_
// PushVideoHeader): Annex-B SPS and PPS, as the board's encoder gives
// them before the first frame.
func (p *Pusher) PushVideoHeader(data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.pushable(); err != nil {
		return err
	}
	if !h26x.HasStartCode(data) {
		return fmt.Errorf("%w: no start code in the header", ErrBadMedia)
	}
	sps, pps := h26x.H264ParameterSets(h26x.SplitNALs(nil, data))
	if sps == nil || pps == nil {
		return fmt.Errorf("%w: the header holds no SPS and PPS", ErrBadMedia)
	}
	p.sps, p.pps = append([]byte(nil), sps...), append([]byte(nil), pps...)
	return nil
}

// PushVideoData hands one encoded frame (RtspPusher_PushVideoData): the
// Annex-B NAL units of one access unit, whether it is a keyframe, and its
// timestamp in milliseconds. It never waits for the network.
func (p *Pusher) PushVideoData(data []byte, keyFrame bool, timestamp uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.pushable(); err != nil {
		return err
	}
	if !h26x.HasStartCode(data) {
		return fmt.Errorf("%w: no start code in %d bytes", ErrBadMedia, len(data))
	}
	p.nals = h26x.SplitNALs(p.nals[:0], data)
	if len(p.nals) == 0 {
		return fmt.Errorf("%w: no NAL unit", ErrBadMedia)
	}
	if sps, pps := h26x.H264ParameterSets(p.nals); sps != nil && pps != nil && p.sps == nil {
		p.sps, p.pps = append([]byte(nil), sps...), append([]byte(nil), pps...)
	}
	key := keyFrame || h26x.H264IsKeyframe(p.nals)
	if key && p.sps != nil {
		p.nals = h26x.H264PrependParameterSets(nil, p.nals, p.sps, p.pps)
	}
	if p.pub == nil {
		pub, err := client.NewPublisher(p.url, []format.Format{format.NewH264(96, p.sps, p.pps)}, client.Options{Transport: p.transport})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadArgument, err)
		}
		p.pub = pub
	}
	return p.pub.WriteFrame(0, time.Duration(timestamp)*time.Millisecond,
		format.Frame{NALUs: p.nals, Marker: true, Keyframe: key})
}

// Stats returns the publisher's counters (zero before the first push).
func (p *Pusher) Stats() client.PublisherStats {
	p.mu.Lock()
	pub := p.pub
	p.mu.Unlock()
	if pub == nil {
		return client.PublisherStats{}
	}
	return pub.Stats()
}

// Close stops pushing (RtspPusher_Close): TEARDOWN to the server; Open may
// follow again.
func (p *Pusher) Close() error {
	p.mu.Lock()
	if err := p.usable(); err != nil {
		p.mu.Unlock()
		return err
	}
	if !p.open {
		p.mu.Unlock()
		return ErrNotOpen
	}
	pub := p.pub
	p.pub, p.open = nil, false
	p.mu.Unlock()
	if pub != nil {
		return pub.Close()
	}
	return nil
}

// DeInit undoes Init (RtspPusher_DeInit), closing first if open.
func (p *Pusher) DeInit() error {
	p.mu.Lock()
	open := p.open && p.inited && !p.destroyed
	p.mu.Unlock()
	if open {
		_ = p.Close()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.usable(); err != nil {
		return err
	}
	p.inited = false
	p.sps, p.pps = nil, nil
	return nil
}

// Destroy releases the pusher (RtspPusher_destroy); it cannot be used
// afterwards.
func (p *Pusher) Destroy() error {
	p.mu.Lock()
	inited := p.inited && !p.destroyed
	p.mu.Unlock()
	if inited {
		_ = p.DeInit()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.destroyed {
		return ErrDestroyed
	}
	p.destroyed = true
	return nil
}

func (p *Pusher) usable() error {
	if p.destroyed {
		return ErrDestroyed
	}
	if !p.inited {
		return ErrNotInitialized
	}
	return nil
}

func (p *Pusher) pushable() error {
	if err := p.usable(); err != nil {
		return err
	}
	if !p.open {
		return ErrNotOpen
	}
	return nil
}
