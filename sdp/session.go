package sdp

// Session is one session description (RFC 8866 §5): the session-level
// fields followed by zero or more media descriptions.
//
// The zero value is usable: Marshal writes defaults for the fields the RFC
// requires (see Marshal), and Unmarshal fills the same defaults when a
// description lacks them, so a parsed Session always marshals.
type Session struct {
	// Version is the "v=" protocol version; 0 is the only one defined.
	Version int
	// Origin is the "o=" line.
	Origin Origin
	// Name is the "s=" session name. Marshal writes "-" when it is empty,
	// the placeholder RFC 8866 §5.3 recommends for a nameless session.
	Name string
	// Information is the session-level "i=" line; empty means absent.
	Information string
	// URI is the "u=" line; empty means absent.
	URI string
	// Emails holds the "e=" lines, Phones the "p=" lines, in order.
	Emails []string
	Phones []string
	// Connection is the session-level "c=" line; nil means absent.
	Connection *Connection
	// Bandwidths holds the session-level "b=" lines in order.
	Bandwidths []Bandwidth
	// Times holds the "t=" lines, each with its "r=" lines. Marshal writes
	// "t=0 0" (an unbounded session) when it is empty.
	Times []Time
	// TimeZones is the raw value of the "z=" line; empty means absent.
	// RFC 8866 §5.11 ties a "z=" to the "r=" lines it follows; this model
	// keeps one per session (the RFC 4566 grammar), written after the last
	// time description. With several "t=" lines only the last "z=" read is
	// kept.
	TimeZones string
	// EncryptionKey is the raw value of the session-level "k=" line;
	// empty means absent. RFC 8866 §5.12 made "k=" obsolete; it is kept so
	// that an old description reads back whole, and nothing here uses it.
	EncryptionKey string
	// Attributes holds the session-level "a=" lines in order.
	Attributes []Attribute
	// Media holds the media descriptions in order.
	Media []*Media
}

// Origin is the "o=" line (RFC 8866 §5.2):
// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>.
//
// Every field is a token without spaces. SessionID and SessionVersion are
// kept as strings: the RFC asks for digits, but cameras send values that
// overflow 64 bits, and nothing in RTSP does arithmetic on them. Empty
// fields are written as defaults: Username "-", SessionID and
// SessionVersion "0", NetworkType "IN", AddressType "IP6" when Address holds
// a ':' and "IP4" otherwise, Address "::" for IP6 and "0.0.0.0" otherwise.
type Origin struct {
	Username       string
	SessionID      string
	SessionVersion string
	NetworkType    string
	AddressType    string
	Address        string
}

// Connection is a "c=" line (RFC 8866 §5.7):
// c=<nettype> <addrtype> <connection-address>.
//
// The address suffixes are split out: for IP4 "224.2.1.1/127/3" is Address
// "224.2.1.1", TTL 127, NumberOfAddresses 3; for IP6 "ff15::101/3" is
// NumberOfAddresses 3 (IPv6 has no TTL). Empty NetworkType, AddressType and
// Address get the same defaults as in Origin.
type Connection struct {
	NetworkType string
	AddressType string
	Address     string
	// TTL is the IPv4 multicast time to live, 0-255; 0 means absent.
	TTL int
	// NumberOfAddresses is the count of consecutive multicast addresses;
	// 0 means absent (one address).
	NumberOfAddresses int
}

// Bandwidth is a "b=" line (RFC 8866 §5.8): b=<bwtype>:<bandwidth>, for
// example Type "AS" and Value in kilobits per second, or "TIAS" (RFC 3890)
// in bits per second.
type Bandwidth struct {
	Type  string
	Value uint64
}

// Time is a "t=" line (RFC 8866 §5.9) with the raw values of the "r=" lines
// that follow it. Start and Stop are NTP seconds; 0 0 means unbounded, which
// is what every RTSP server sends.
type Time struct {
	Start   uint64
	Stop    uint64
	Repeats []string
}

// Attribute is an "a=" line (RFC 8866 §5.13). A property attribute such as
// "a=recvonly" has a Key and an empty Value; a value attribute such as
// "a=control:*" has both.
type Attribute struct {
	Key   string
	Value string
	// EmptyValue marks a value attribute whose value is empty ("a=x:") as
	// distinct from the property attribute "a=x". It only matters when
	// Value is empty; Unmarshal sets it only then.
	EmptyValue bool
}

// IsProperty reports whether a is a property attribute (no ':' on its
// line).
func (a Attribute) IsProperty() bool { return a.Value == "" && !a.EmptyValue }

// Media is one media description (RFC 8866 §5.14): the "m=" line and the
// "i=", "c=", "b=", "k=" and "a=" lines that follow it.
type Media struct {
	// Type is the media type: "video", "audio", "application", "text"...
	Type string
	// Port is the transport port, 0-65535. RTSP servers send 0 and let
	// SETUP choose.
	Port int
	// NumberOfPorts is the "/<number of ports>" suffix of the port;
	// 0 means absent.
	NumberOfPorts int
	// Protocol is the transport protocol, for example "RTP/AVP".
	Protocol string
	// Formats are the media formats: RTP payload types for RTP/AVP.
	// Marshal requires at least one.
	Formats []string
	// Information is the media-level "i=" line; empty means absent.
	Information string
	// Connections holds the media-level "c=" lines in order.
	Connections []Connection
	// Bandwidths holds the media-level "b=" lines in order.
	Bandwidths []Bandwidth
	// EncryptionKey is the raw value of the media-level "k=" line.
	EncryptionKey string
	// Attributes holds the media-level "a=" lines in order.
	Attributes []Attribute
}
