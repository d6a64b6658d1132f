package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// RTPStart is the first RTP timestamp and sequence number of every track
// (Config.RTPStart).
type RTPStart struct {
	Timestamp uint32
	Sequence  uint16
}

// Config is the whole configuration of a Server. The zero value of every
// field means the documented default, as with net/http.Server.
type Config struct {
	// Port is the RTSP (TCP) port. Default 8554; -1 picks a free port
	// (Server.Addr tells which).
	Port int
	// ListenAddress is the local address to listen on. Default: all
	// interfaces.
	ListenAddress string
	// AdvertisedHost is the host put in session URLs. Default: the
	// ListenAddress when that is one IP address; else the machine's
	// primary non-loopback address (the one a default route would use),
	// else the first non-loopback interface address, else 127.0.0.1; never
	// 0.0.0.0.
	AdvertisedHost string
	// TLS, when set, makes the RTSP port speak RTSPS (RTSP over TLS, RFC
	// 7826 §19.2): every connection starts with a TLS handshake (bounded
	// by ReadHeaderTimeout), session URLs are rtsps://, and media travels
	// interleaved inside the TLS connection: a SETUP for UDP or multicast,
	// which would send it in the clear, gets 461. It needs a certificate
	// (Certificates or GetCertificate). Give Serve a plain TCP listener.
	TLS *tls.Config
	// RTPStart, when set, is where every track's RTP timestamp and
	// sequence number start, instead of at random values as RFC 3550 §5.1
	// asks (against known-plaintext attacks when the media is encrypted).
	// It is for tests of how players cross the 32-bit timestamp and 16-bit
	// sequence wraps (13 h 15 min into a 90 kHz stream), and for captures
	// that compare byte for byte.
	RTPStart *RTPStart

	// UDPPortMin and UDPPortMax bound the server's two UDP ports for RTP and
	// RTCP over unicast UDP: the first free even/odd pair in the range is
	// used. Default 8000 to 8999.
	UDPPortMin, UDPPortMax int
	// MulticastRange is the block multicast groups are allocated from, one
	// group per session. Default 239.255.42.0/24 (organisation-local scope).
	MulticastRange string
	// MulticastRange6 is the block IPv6 players' multicast groups are
	// allocated from, one group per session: a prefix of /96 to /126.
	// Default ff15::7274:0/112 (site-local scope, transient: RFC 4291
	// §2.7).
	MulticastRange6 string
	// MulticastPort is the RTP port of every multicast group (RTCP is the
	// next one). Default 5004.
	MulticastPort int
	// MulticastTTL is the TTL of multicast packets. Default 16.
	MulticastTTL int
	// MulticastInterface names the interface multicast is sent on
	// ("eth0", "lo"). Default: the system's choice (the default route).
	MulticastInterface string

	// SessionTimeout ends an RTSP session with no request and no RTCP from
	// its client for that long. Default 60 s, advertised in the Session
	// header.
	SessionTimeout time.Duration
	// ReadHeaderTimeout bounds the time to read one request (slowloris).
	// Default 10 s.
	ReadHeaderTimeout time.Duration
	// WriteTimeout is how long a reader's socket may refuse data before the
	// reader is dropped. Default 5 s.
	WriteTimeout time.Duration
	// DescribeWait is how long a DESCRIBE waits for the first keyframe's
	// parameter sets before answering. Default 5 s.
	DescribeWait time.Duration

	// Username and Password, when Username is set, require every request
	// to authenticate (Digest SHA-256 or MD5; Basic if AllowBasicAuth).
	Username, Password string
	// Realm of the authentication challenge. Default "rtspkit".
	Realm string
	// AllowBasicAuth also accepts Basic credentials (sent in clear text).
	AllowBasicAuth bool

	// TimestampUnit is the unit of the timestamp argument of SendVideoData
	// and SendAudioData. Default Milliseconds.
	TimestampUnit TimestampUnit
	// MaxPacketSize is the largest RTP packet sent. Default 1400 bytes.
	MaxPacketSize int
	// MaxFrameSize bounds one access unit or one call's data. Default 16 MiB.
	MaxFrameSize int
	// ReaderQueue is the number of frames a reader may have waiting before
	// it starts losing whole frames up to the next keyframe. Default 256.
	ReaderQueue int
	// UDPRate and UDPBurst pace what each UDP player (and multicast
	// group) is sent, so that a player with the system's default socket
	// buffer (212,992 bytes on Linux, about 90 datagrams) loses nothing to
	// bursts: UDPBurst datagrams go out at once, beyond that UDPRate a
	// second, or twice the session's own rate if that is more. This
	// spreads out the cached group of pictures a new player starts with,
	// and the rest of frames larger than UDPBurst. Defaults
	// DefaultUDPRate (2000) and DefaultUDPBurst (32); a negative UDPRate
	// sends every frame at once, unpaced.
	UDPRate  int
	UDPBurst int
	// GOPCacheBytes bounds the cache of the current group of pictures that
	// new readers start with. Default 16 MiB per session.
	GOPCacheBytes int
	// MaxConnections bounds concurrent RTSP connections. Default 1024.
	// When full, the oldest connection with no session and no request in
	// progress is closed to make room; if there is none, the newcomer gets
	// 503.
	MaxConnections int
	// MaxSessions bounds RTSP sessions (players) over all connections;
	// beyond it SETUP gets 503. Default 4096. One connection may hold 16.
	MaxSessions int

	// PublishPaths lets publishers (ffmpeg -f rtsp, an encoder, another
	// server's push) publish with ANNOUNCE and RECORD to these paths; "*"
	// allows any path. A path of a session made with CreateSession or
	// NewStream is never given to a publisher, and each path has one
	// publisher at a time. Credentials, when set, are required as for
	// playing. Default: none (ANNOUNCE is answered 501).
	PublishPaths []string
	// PublisherWait is how long the players of a published path wait for
	// a new publisher when theirs leaves: one with the same codecs that
	// comes within it takes the path over, and the players go on from
	// its first keyframe; when none comes they get an RTCP BYE and are
	// disconnected. Default 0: they are told at once.
	PublisherWait time.Duration

	// OnBackChannelData receives the audio players send on the
	// backchannel of a session created with it (CreateSessionAttr,
	// WithAudioBackchannel; the board's OnBackChannelData): the session's
	// name, G.711 µ-law samples at 8 kHz, and their RTP timestamp. It is
	// called from the server's receiving goroutines, one call at a time
	// per player; data is valid only during the call. Nil: the audio is
	// dropped.
	OnBackChannelData func(session string, data []byte, timestamp uint32)

	// Logger receives the server's log. Default: none.
	Logger *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Port, 8554)
	def(&c.UDPPortMin, 8000)
	def(&c.UDPPortMax, 8999)
	def(&c.MulticastPort, 5004)
	def(&c.MulticastTTL, 16)
	def(&c.MaxPacketSize, 1400)
	def(&c.MaxFrameSize, 16<<20)
	def(&c.ReaderQueue, 256)
	def(&c.GOPCacheBytes, 16<<20)
	def(&c.UDPRate, DefaultUDPRate)
	def(&c.UDPBurst, DefaultUDPBurst)
	def(&c.MaxConnections, 1024)
	def(&c.MaxSessions, 4096)
	defDur(&c.SessionTimeout, 60*time.Second)
	defDur(&c.ReadHeaderTimeout, 10*time.Second)
	defDur(&c.WriteTimeout, 5*time.Second)
	defDur(&c.DescribeWait, 5*time.Second)
	if c.MulticastRange == "" {
		c.MulticastRange = "239.255.42.0/24"
	}
	if c.MulticastRange6 == "" {
		c.MulticastRange6 = "ff15::7274:0/112"
	}
	if c.Realm == "" {
		c.Realm = "rtspkit"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	bad := func(format string, a ...any) (Config, error) {
		return c, fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, a...)...)
	}
	if c.Port < 0 || c.Port > 65535 {
		return bad("port %d", c.Port)
	}
	if c.UDPPortMin < 1 || c.UDPPortMax > 65535 || c.UDPPortMax < c.UDPPortMin+1 {
		return bad("UDP port range %d-%d", c.UDPPortMin, c.UDPPortMax)
	}
	if c.MulticastPort < 1 || c.MulticastPort > 65534 {
		return bad("multicast port %d", c.MulticastPort)
	}
	p, err := netip.ParsePrefix(c.MulticastRange)
	if err != nil || !p.Addr().Is4() || !p.Addr().IsMulticast() || p.Bits() > 30 {
		return bad("multicast range %q (want an IPv4 multicast prefix of /30 or larger)", c.MulticastRange)
	}
	p6, err := netip.ParsePrefix(c.MulticastRange6)
	if err != nil || !p6.Addr().Is6() || p6.Addr().Is4In6() || !p6.Addr().IsMulticast() || p6.Bits() < 96 || p6.Bits() > 126 {
		return bad("IPv6 multicast range %q (want an IPv6 multicast prefix of /96 to /126)", c.MulticastRange6)
	}
	if c.MaxPacketSize < 100 || c.MaxPacketSize > 65000 {
		return bad("max packet size %d", c.MaxPacketSize)
	}
	if c.UDPBurst < 1 {
		return bad("UDP burst %d", c.UDPBurst)
	}
	if c.TimestampUnit < Milliseconds || c.TimestampUnit > Clock90kHz {
		return bad("timestamp unit %d", c.TimestampUnit)
	}
	if c.TLS != nil && len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil && c.TLS.GetConfigForClient == nil {
		return bad("TLS without a certificate")
	}
	return c, nil
}
