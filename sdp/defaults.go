package sdp

import "strings"

// Defaults written by Marshal for required fields left empty, and filled in
// by Unmarshal when a description lacks them, so that both sides agree and
// a parsed Session always marshals back to itself.
const (
	defaultName        = "-" // RFC 8866 §5.3: "s=-" for a nameless session
	defaultUsername    = "-" // RFC 8866 §5.2: "-" when there is no user id
	defaultSessionID   = "0"
	defaultNetworkType = "IN"
	defaultIP4         = "0.0.0.0"
	defaultIP6         = "::"
)

// isIP6 reports whether an address of this type is read and written with
// IPv6 rules (no TTL suffix). An empty type is inferred from the address.
func isIP6(addrType, addr string) bool {
	if addrType == "" {
		return strings.IndexByte(addr, ':') >= 0
	}
	return strings.EqualFold(addrType, "IP6")
}

// addressDefaults fills the network type, address type and address of an
// origin or connection.
func addressDefaults(netType, addrType, addr string) (string, string, string) {
	if netType == "" {
		netType = defaultNetworkType
	}
	ip6 := isIP6(addrType, addr)
	if addrType == "" {
		addrType = "IP4"
		if ip6 {
			addrType = "IP6"
		}
	}
	if addr == "" {
		addr = defaultIP4
		if ip6 {
			addr = defaultIP6
		}
	}
	return netType, addrType, addr
}

// withDefaults returns o with its empty fields set to the defaults
// documented on Origin.
func (o Origin) withDefaults() Origin {
	if o.Username == "" {
		o.Username = defaultUsername
	}
	if o.SessionID == "" {
		o.SessionID = defaultSessionID
	}
	if o.SessionVersion == "" {
		o.SessionVersion = defaultSessionID
	}
	o.NetworkType, o.AddressType, o.Address = addressDefaults(o.NetworkType, o.AddressType, o.Address)
	return o
}

// withDefaults returns c with its empty address fields set to the defaults
// documented on Connection.
func (c Connection) withDefaults() Connection {
	c.NetworkType, c.AddressType, c.Address = addressDefaults(c.NetworkType, c.AddressType, c.Address)
	return c
}
