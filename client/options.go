package client

import (
	"crypto/tls"
	"fmt"
	"time"
)

// Transport is how a Client asks the server to carry media (RFC 2326
// §12.39). The zero value is TransportUDP.
type Transport int

// Transports.
const (
	// TransportUDP is RTP and RTCP over unicast UDP: the client opens two
	// consecutive local ports per track (RTP on the even one) and names
	// them in client_port.
	TransportUDP Transport = iota
	// TransportTCP is RTP and RTCP interleaved on the RTSP connection (RFC
	// 2326 §10.12), on channels 2i and 2i+1 for track i.
	TransportTCP
	// TransportMulticast asks the server for a multicast group; the client
	// joins the group and ports the server answers with, on
	// Options.MulticastInterface.
	TransportMulticast
)

// String returns "udp", "tcp" or "multicast".
func (t Transport) String() string {
	switch t {
	case TransportUDP:
		return "udp"
	case TransportTCP:
		return "tcp"
	case TransportMulticast:
		return "multicast"
	}
	return fmt.Sprintf("Transport(%d)", int(t))
}

// Defaults applied to zero Options fields.
const (
	// DefaultTimeout bounds one request: writing it and waiting for its
	// response.
	DefaultTimeout = 10 * time.Second
	// DefaultReceiverReportInterval is the period of RTCP receiver reports:
	// the fixed minimum interval RFC 3550 §6.2 recommends.
	DefaultReceiverReportInterval = 5 * time.Second
	// DefaultReorderWindow is how many packets a UDP track waits across
	// for a missing one before declaring it lost.
	DefaultReorderWindow = 64
	// DefaultReorderDelay is the longest a UDP packet waits for a missing
	// one before it is lost.
	DefaultReorderDelay = 50 * time.Millisecond
	// DefaultUserAgent is sent when Options.UserAgent is empty.
	DefaultUserAgent = "rtspkit-client"
	// DefaultUDPReadBuffer is the receive buffer asked for each RTP
	// socket: a few seconds of a high-rate stream, for servers that burst
	// their cached group of pictures at PLAY. The kernel may grant less
	// (net.core.rmem_max).
	DefaultUDPReadBuffer = 4 << 20
	// DefaultSessionTimeout is the server's session timeout when its
	// Session header does not say (RFC 2326 §12.37).
	DefaultSessionTimeout = 60 * time.Second
)

// Options configure a Client. The zero value of every field means its
// documented default.
type Options struct {
	// Transport selects UDP (the default), TCP interleaved or multicast.
	Transport Transport
	// Username and Password answer a 401 challenge (Digest or Basic,
	// through auth.Client). The user information of the URL given to
	// Dial is used when these are empty.
	Username, Password string
	// DisableBasicAuth refuses to answer a Basic challenge, which would
	// send the password in clear text.
	DisableBasicAuth bool
	// Timeout bounds each request (and Dial's connect, together with the
	// context). Default DefaultTimeout.
	Timeout time.Duration
	// UserAgent is the User-Agent header. Default DefaultUserAgent.
	UserAgent string
	// Require lists feature-tags sent in a Require header with every
	// request (RFC 2326 §12.32), such as "www.onvif.org/ver20/backchannel"
	// (the ONVIF audio backchannel: the description then holds a media
	// marked a=sendonly that this client sends with WriteRTP).
	Require []string
	// ReceiverReportInterval is the period of the RTCP receiver reports
	// sent for each track once playing (to the server's RTCP port with UDP,
	// on the odd interleaved channel with TCP, to the group with
	// multicast). Default DefaultReceiverReportInterval (5 s, RFC 3550
	// §6.2); negative disables them.
	ReceiverReportInterval time.Duration
	// KeepAliveInterval is the period of the GET_PARAMETER (or OPTIONS,
	// when the server refuses GET_PARAMETER) requests that keep the RTSP
	// session alive from the first Play on, paused or not (RFC 2326
	// §12.37). Default: half the timeout the server gives in its Session
	// header (30 s for its default of 60 s), at least 250 ms; negative
	// disables them.
	KeepAliveInterval time.Duration
	// MulticastInterface names the interface to join multicast groups on
	// ("eth0", "lo"). Default: the system's choice.
	MulticastInterface string
	// ReorderWindow and ReorderDelay bound the reordering of UDP packets:
	// a missing packet is declared lost once ReorderWindow packets after
	// it arrived or one of them waited ReorderDelay. Defaults
	// DefaultReorderWindow and DefaultReorderDelay. TCP needs no
	// reordering.
	ReorderWindow int
	ReorderDelay  time.Duration
	// UDPReadBuffer is the receive buffer asked for each RTP socket (UDP
	// and multicast), in bytes, as passed to setsockopt(SO_RCVBUF): Linux
	// caps it at net.core.rmem_max and then doubles it, so 106496 gives
	// the 212,992 bytes of Linux's default (rmem_default), about 90
	// packets of 1400 bytes. Default DefaultUDPReadBuffer; negative leaves
	// the system default.
	UDPReadBuffer int
	// TLS configures the TLS of an rtsps:// URL: the roots to trust
	// (RootCAs), or InsecureSkipVerify for a camera's self-signed
	// certificate. Default: the system's roots and the URL's host name.
	TLS *tls.Config
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.ReceiverReportInterval == 0 {
		o.ReceiverReportInterval = DefaultReceiverReportInterval
	}
	if o.ReorderWindow <= 0 {
		o.ReorderWindow = DefaultReorderWindow
	}
	if o.ReorderDelay <= 0 {
		o.ReorderDelay = DefaultReorderDelay
	}
	if o.UDPReadBuffer == 0 {
		o.UDPReadBuffer = DefaultUDPReadBuffer
	}
	return o
}
