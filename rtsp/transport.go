package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// Delivery is the unicast/multicast choice of a transport spec.
type Delivery uint8

// Delivery values. RFC 2326 §12.39 makes multicast the default when the
// spec says neither; DeliveryUnspecified keeps that case distinct.
const (
	DeliveryUnspecified Delivery = iota
	DeliveryUnicast
	DeliveryMulticast
)

// PortRange is a port pair (client_port, server_port, port) or a channel
// pair (interleaved): "first-last", or a single number, for which Last
// equals First.
type PortRange struct {
	First uint16
	Last  uint16
}

// String returns "first-last", or "first" when Last equals First.
func (p PortRange) String() string {
	if p.First == p.Last {
		return strconv.Itoa(int(p.First))
	}
	return strconv.Itoa(int(p.First)) + "-" + strconv.Itoa(int(p.Last))
}

// TransportParam is a parameter of a transport spec that Transport has no
// field for (for instance RFC 7826's dest_addr or RTCP-mux), kept so that
// String writes it back.
type TransportParam struct {
	Name     string
	Value    string // verbatim, quotes included
	HasValue bool   // false for a bare flag such as "RTCP-mux"
}

// Transport is one transport spec of a Transport header (RFC 2326 §12.39).
// Optional numeric parameters are pointers: nil means absent.
type Transport struct {
	// Protocol, Profile and Lower are the upper-cased parts of
	// "RTP/AVP/TCP": Lower is "" when the spec has only two parts (UDP is
	// then implied for RTP/AVP). Profiles other than AVP (SAVP, AVPF...)
	// are parsed; IsRTPAVP tells whether this package's peers support it.
	Protocol string
	Profile  string
	Lower    string

	Delivery    Delivery
	Destination string // "" when absent
	Source      string // "" when absent
	Interleaved *PortRange
	Append      bool
	TTL         *uint8
	Layers      *uint32
	Port        *PortRange
	ClientPort  *PortRange
	ServerPort  *PortRange
	SSRC        *uint32
	// Mode is the upper-cased mode without quotes, "PLAY" or "RECORD"
	// (possibly a comma-separated list); "" when absent, which means PLAY.
	Mode string
	// Params holds the unknown parameters in the order they came.
	Params []TransportParam
}

// IsTCP reports whether the lower transport is TCP (interleaved).
func (t *Transport) IsTCP() bool { return t.Lower == "TCP" }

// IsRTPAVP reports whether the spec is plain RTP/AVP over UDP or TCP.
func (t *Transport) IsRTPAVP() bool {
	return t.Protocol == "RTP" && t.Profile == "AVP" && (t.Lower == "" || t.Lower == "UDP" || t.Lower == "TCP")
}

// IsRecord reports whether Mode asks for RECORD (RFC 2326 §12.39; ffmpeg
// also accepts the pre-RFC "receive").
func (t *Transport) IsRecord() bool {
	for m := range strings.SplitSeq(t.Mode, ",") {
		if m = trimOWS(m); m == "RECORD" || m == "RECEIVE" {
			return true
		}
	}
	return false
}

// maxTransports bounds how many alternatives ParseTransports returns.
const maxTransports = 32

// ParseTransports parses a Transport header value: transport specs
// separated by commas, in the client's order of preference. Empty
// elements are skipped; a list with no spec is an error.
func ParseTransports(s string) ([]Transport, error) {
	var ts []Transport
	ok, err := splitOutsideQuotes(s, ',', func(part string) error {
		if trimOWS(part) == "" {
			return nil
		}
		if len(ts) == maxTransports {
			return fmt.Errorf("%w: more than %d transport specs", ErrMalformed, maxTransports)
		}
		t, err := ParseTransport(part)
		if err != nil {
			return err
		}
		ts = append(ts, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: transport: unbalanced quote", ErrMalformed)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%w: empty Transport header", ErrMalformed)
	}
	return ts, nil
}

// ParseTransport parses one transport spec (RFC 2326 §12.39). Names and
// keywords are case-insensitive ("rtp/avp/udp;client_port=..." from §14.3
// is accepted), spaces around ';' and '=' are ignored, and parameters this
// type has no field for are kept in Params.
func ParseTransport(s string) (Transport, error) {
	var t Transport
	if hasCTL(s) {
		return t, fmt.Errorf("%w: transport: control character", ErrMalformed)
	}
	first := true
	ok, err := splitOutsideQuotes(s, ';', func(part string) error {
		part = trimOWS(part)
		if first {
			first = false
			return t.parseProtocol(part)
		}
		if part == "" {
			return nil // "RTP/AVP;unicast;" and ";;" from sloppy clients
		}
		return t.parseParam(part)
	})
	if err != nil {
		return Transport{}, err
	}
	if !ok {
		return Transport{}, fmt.Errorf("%w: transport: unbalanced quote", ErrMalformed)
	}
	return t, nil
}

func (t *Transport) parseProtocol(s string) error {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("%w: transport protocol %q is not protocol/profile[/lower]", ErrMalformed, s)
	}
	for i, p := range parts {
		if !isToken(p) {
			return fmt.Errorf("%w: transport protocol %q", ErrMalformed, s)
		}
		parts[i] = strings.ToUpper(p)
	}
	t.Protocol, t.Profile = parts[0], parts[1]
	if len(parts) == 3 {
		t.Lower = parts[2]
	}
	return nil
}

func (t *Transport) parseParam(part string) error {
	name, value, hasValue := strings.Cut(part, "=")
	name, value = trimOWS(name), trimOWS(value)
	if !isToken(name) {
		return fmt.Errorf("%w: transport parameter %q", ErrMalformed, part)
	}
	bad := func() error {
		return fmt.Errorf("%w: transport parameter %s=%q", ErrMalformed, name, value)
	}
	lname := strings.ToLower(name)
	if !hasValue {
		switch lname {
		case "unicast":
			t.Delivery = DeliveryUnicast
		case "multicast":
			t.Delivery = DeliveryMulticast
		case "append":
			t.Append = true
		case "interleaved", "ttl", "layers", "port", "client_port", "server_port", "ssrc", "mode", "source":
			return bad()
		default: // includes a bare "destination" (RFC 2326 allows it)
			t.Params = append(t.Params, TransportParam{Name: name})
		}
		return nil
	}
	switch lname {
	case "unicast", "multicast", "append":
		return bad()
	case "destination", "source":
		if value == "" || strings.ContainsAny(value, "\" ") {
			return bad()
		}
		if lname == "destination" {
			t.Destination = value
		} else {
			t.Source = value
		}
	case "interleaved":
		r, ok := parsePortRange(value, 255)
		if !ok {
			return bad()
		}
		t.Interleaved = &r
	case "ttl":
		n, ok := parseUint(value, 3, 255)
		if !ok {
			return bad()
		}
		v := uint8(n)
		t.TTL = &v
	case "layers":
		n, ok := parseUint(value, 9, 1<<32-1)
		if !ok {
			return bad()
		}
		v := uint32(n)
		t.Layers = &v
	case "port", "client_port", "server_port":
		r, ok := parsePortRange(value, 65535)
		if !ok {
			return bad()
		}
		switch lname {
		case "port":
			t.Port = &r
		case "client_port":
			t.ClientPort = &r
		default:
			t.ServerPort = &r
		}
	case "ssrc":
		// 8*8(HEX) in RFC 2326; shorter values are accepted (some servers
		// drop leading zeros) and String writes eight digits.
		n, err := strconv.ParseUint(value, 16, 32)
		if err != nil || len(value) > 8 || value[0] == '+' {
			return bad()
		}
		v := uint32(n)
		t.SSRC = &v
	case "mode":
		// mode = <"> 1#Method <"> | Method; clients send both forms and
		// any case (ffmpeg: mode=record).
		m := value
		if len(m) >= 2 && m[0] == '"' && m[len(m)-1] == '"' {
			m = m[1 : len(m)-1]
		}
		m, ok := normalizeModeList(m)
		if !ok {
			return bad()
		}
		t.Mode = m
	default:
		t.Params = append(t.Params, TransportParam{Name: name, Value: value, HasValue: true})
	}
	return nil
}

// normalizeModeList checks that s is a non-empty comma-separated list of
// method tokens and returns it upper-cased, without spaces.
func normalizeModeList(s string) (string, bool) {
	var b strings.Builder
	for m := range strings.SplitSeq(s, ",") {
		m = trimOWS(m)
		if !isToken(m) {
			return "", false
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ToUpper(m))
	}
	return b.String(), true
}

// parsePortRange parses "n" or "n-m" with both numbers at most max.
func parsePortRange(s string, max uint64) (PortRange, bool) {
	a, b, isRange := strings.Cut(s, "-")
	first, ok := parseUint(a, 5, max)
	if !ok {
		return PortRange{}, false
	}
	last := first
	if isRange {
		if last, ok = parseUint(b, 5, max); !ok {
			return PortRange{}, false
		}
	}
	return PortRange{First: uint16(first), Last: uint16(last)}, true
}

// String returns the spec in wire form, parameters in a fixed order
// followed by the unknown ones. The mode is written unquoted when it is a
// single method: ffmpeg does not strip quotes from it.
func (t Transport) String() string {
	var b strings.Builder
	b.WriteString(t.Protocol)
	b.WriteByte('/')
	b.WriteString(t.Profile)
	if t.Lower != "" {
		b.WriteByte('/')
		b.WriteString(t.Lower)
	}
	switch t.Delivery {
	case DeliveryUnicast:
		b.WriteString(";unicast")
	case DeliveryMulticast:
		b.WriteString(";multicast")
	}
	if t.Destination != "" {
		b.WriteString(";destination=")
		b.WriteString(t.Destination)
	}
	if t.Source != "" {
		b.WriteString(";source=")
		b.WriteString(t.Source)
	}
	if t.Interleaved != nil {
		b.WriteString(";interleaved=")
		b.WriteString(t.Interleaved.String())
	}
	if t.Append {
		b.WriteString(";append")
	}
	if t.TTL != nil {
		b.WriteString(";ttl=")
		b.WriteString(strconv.Itoa(int(*t.TTL)))
	}
	if t.Layers != nil {
		b.WriteString(";layers=")
		b.WriteString(strconv.FormatUint(uint64(*t.Layers), 10))
	}
	for _, p := range []struct {
		name string
		r    *PortRange
	}{{"port", t.Port}, {"client_port", t.ClientPort}, {"server_port", t.ServerPort}} {
		if p.r != nil {
			b.WriteByte(';')
			b.WriteString(p.name)
			b.WriteByte('=')
			b.WriteString(p.r.String())
		}
	}
	if t.SSRC != nil {
		fmt.Fprintf(&b, ";ssrc=%08X", *t.SSRC)
	}
	if t.Mode != "" {
		b.WriteString(";mode=")
		if strings.Contains(t.Mode, ",") {
			b.WriteString(`"` + t.Mode + `"`)
		} else {
			b.WriteString(t.Mode)
		}
	}
	for _, p := range t.Params {
		b.WriteByte(';')
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// FormatTransports joins specs into a Transport header value.
func FormatTransports(ts []Transport) string {
	s := make([]string, len(ts))
	for i := range ts {
		s[i] = ts[i].String()
	}
	return strings.Join(s, ",")
}
