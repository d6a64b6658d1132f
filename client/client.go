package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
)

// Client is one RTSP connection playing one presentation. Create it with
// Dial, then call Describe, Setup for each track wanted, and Play; media
// arrives through OnPacket, OnRTCP and OnFrame. Close releases everything.
//
// Requests are sent one at a time (a second caller waits for the first);
// every method is safe for concurrent use, but the callbacks must be set
// before Play and not changed afterwards.
type Client struct {
	// OnPacket, when set, receives every RTP packet of a track set up,
	// in sequence order with duplicates removed (UDP packets go through a
	// reordering buffer first), with the instant the packet arrived: over
	// UDP on Linux the kernel's receive timestamp, when the datagram
	// reached the socket however late it was read (so jitter does not
	// depend on how busy the player is); otherwise when it was read.
	// p and its payload are valid only during the call.
	OnPacket func(track int, p *rtp.Packet, arrival time.Time)
	// OnRTCP, when set, receives every RTCP compound packet the server
	// sends for a track, parsed; the packets are valid only during the call.
	OnRTCP func(track int, pkts []rtcp.Packet)
	// OnFrame, when set, receives the media units depacketized from the RTP
	// packets of tracks whose codec this package knows (see Frame). The
	// frame's memory is valid only during the call.
	OnFrame func(track int, f Frame)

	opt      Options
	u        *url.URL // the presentation URL, without user information
	nc       net.Conn
	rd       *rtsp.Reader
	remoteIP netip.Addr
	localIP  netip.Addr
	auth     *auth.Client // nil without credentials
	ssrc     uint32       // our SSRC in receiver reports
	cname    string

	reqMu sync.Mutex // one request at a time
	cseq  uint32     // last CSeq sent, under reqMu

	wmu sync.Mutex // writes to nc, and pbuf
	// pbuf is WriteRTPPackets' buffer.
	pbuf []byte

	pmu     sync.Mutex
	pending *pendingRequest

	mu             sync.Mutex
	session        string
	sessionTimeout time.Duration
	desc           *Description
	tracks         []*track // by media index; nil when not set up
	channels       [256]*track
	loopsStarted   bool
	useOptions     bool // the server refused GET_PARAMETER: keep alive with OPTIONS
	paused         bool // Pause succeeded and no Play followed yet
	recording      bool // Announce succeeded: Setup asks for mode=record

	handlers atomic.Pointer[handlers]

	done      chan struct{} // closed by Close
	readDone  chan struct{} // closed when the read loop ends
	readErr   error         // why the read loop ended; set before readDone closes
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// handlers is the snapshot of the callbacks Play takes, read by the
// receiving goroutines without locking.
type handlers struct {
	onPacket func(int, *rtp.Packet, time.Time)
	onRTCP   func(int, []rtcp.Packet)
	onFrame  func(int, Frame)
}

// pendingRequest is the request waiting for its response.
type pendingRequest struct {
	cseq    uint32
	anyCSeq bool // match the next response whatever its CSeq
	ch      chan *rtsp.Response
}

// Dial connects to the server of rawURL (rtsp://[user:password@]host[:port]/path;
// port 554 when absent) and returns a Client for that presentation.
// ctx bounds the connection attempt, as does Options.Timeout; once Dial
// returns, ctx no longer matters. No request is sent yet.
//
// An rtsps:// URL (RTSP over TLS, RFC 7826 §19.2; port 322 when absent)
// connects with TLS (Options.TLS; by default the system's roots, checking
// the URL's host name), and media then goes interleaved inside the TLS
// connection: Transport is TCP whatever Options say.
func Dial(ctx context.Context, rawURL string, opt Options) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	secure := strings.EqualFold(u.Scheme, "rtsps")
	if !(secure || strings.EqualFold(u.Scheme, "rtsp")) || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q (want rtsp://host[:port]/path or rtsps://)", ErrBadURL, rawURL)
	}
	u.Scheme = "rtsp"
	defaultPort := "554"
	if secure {
		u.Scheme, defaultPort = "rtsps", "322"
		opt.Transport = TransportTCP
	}
	opt = opt.withDefaults()
	if u.User != nil && opt.Username == "" && opt.Password == "" {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), defaultPort)
	}

	dctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", host, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
		_ = tc.SetReadBuffer(1 << 20)
	}
	if secure {
		cfg := opt.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("client: TLS with %s: %w", host, err)
		}
		nc = tc
	}
	return newClient(nc, u, opt), nil
}

// newClient makes the Client of connection nc and starts its reader; opt
// has its defaults filled in.
func newClient(nc net.Conn, u *url.URL, opt Options) *Client {
	c := &Client{
		opt:      opt,
		u:        u,
		nc:       nc,
		rd:       rtsp.NewReader(nc, rtsp.Limits{}),
		remoteIP: addrIP(nc.RemoteAddr()),
		localIP:  addrIP(nc.LocalAddr()),
		ssrc:     randomUint32(),
		done:     make(chan struct{}),
		readDone: make(chan struct{}),
	}
	c.cname = "rtspkit-" + randomHex(6)
	if opt.Username != "" || opt.Password != "" {
		c.auth = &auth.Client{Username: opt.Username, Password: opt.Password, DisableBasic: opt.DisableBasicAuth}
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.readLoop()
	}()
	return c
}

// Options returns the options in effect, defaults filled in.
func (c *Client) Options() Options { return c.opt }

// URL returns the presentation URL, without user information.
func (c *Client) URL() *url.URL {
	u := *c.u
	return &u
}

// Session returns the session identifier the server gave in SETUP, or "".
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Done returns a channel that is closed when the RTSP connection ends: the
// server closed it, it failed, or Close was called.
func (c *Client) Done() <-chan struct{} { return c.readDone }

// Err returns why the RTSP connection ended, or nil while it is open.
func (c *Client) Err() error {
	select {
	case <-c.readDone:
		return c.readErr
	default:
		return nil
	}
}

// Close sends a best-effort TEARDOWN when a session exists and no other
// request is in flight (waiting at most one second, or Options.Timeout when
// shorter, for its answer), then closes the connection and every socket,
// and waits for every goroutine of the Client to end, including a callback
// that is running: callbacks are not called after Close returns. Calling it
// again does nothing and returns nil. Close must not be called from a
// callback (it would wait for itself); use "go c.Close()" there.
func (c *Client) Close() error {
	first := false
	c.closeOnce.Do(func() { first = true })
	if !first {
		return nil
	}
	// A request in flight would delay the TEARDOWN by up to Timeout:
	// skip it then (the server ends the session when the connection
	// closes or times it out).
	if c.Session() != "" && c.Err() == nil && c.reqMu.TryLock() {
		wait := min(time.Second, c.opt.Timeout)
		req := &rtsp.Request{Method: rtsp.Teardown, URL: c.aggregateURL(), Header: rtsp.Header{}}
		_, _, _ = c.doLocked(req, wait)
		c.reqMu.Unlock()
	}
	close(c.done)
	err := c.nc.Close()
	c.mu.Lock()
	tracks := append([]*track(nil), c.tracks...)
	c.mu.Unlock()
	for _, t := range tracks {
		if t != nil {
			t.closeSockets()
		}
	}
	c.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// closed reports whether Close has begun.
func (c *Client) closed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

func addrIP(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.TCPAddr:
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	case *net.UDPAddr:
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}

func randomUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
