package sdp

import (
	"fmt"
	"strconv"
	"strings"
)

// Marshal returns the description in the field order RFC 8866 §5 requires
// (v o s i u e p c b t r z k a, then each media as m i c b k a), with CRLF
// line endings.
//
// Required fields left empty are written as defaults: Name as "-", an empty
// Times as "t=0 0", empty Origin and Connection fields as documented on
// those types; Unmarshal fills the same defaults, so it reads back what
// Marshal wrote. Marshal never writes a broken line: it returns an error
// wrapping ErrInvalid for a CR, LF or NUL in any field, a space in a field
// that is a single token (origin and connection fields, media type,
// protocol and formats, bandwidth type), an empty e=, p= or r= value, an
// attribute key that is empty, holds ':' or begins or ends with a space, an
// address holding '/', a TTL outside 0-255 or on an IPv6 address, a port
// outside 0-65535, a media description with no formats, or a nil Media.
//
// Values ending in spaces or tabs are written, but read back without them:
// the parser strips trailing whitespace from every line.
func (s *Session) Marshal() ([]byte, error) {
	return s.AppendTo(make([]byte, 0, s.sizeHint()))
}

// AppendTo appends the description, as Marshal writes it, to dst and
// returns the extended slice. On error it returns dst unchanged.
func (s *Session) AppendTo(dst []byte) ([]byte, error) {
	n := len(dst)
	out, err := s.appendTo(dst)
	if err != nil {
		return dst[:n], err
	}
	return out, nil
}

// sizeHint estimates the marshalled size so Marshal allocates once.
func (s *Session) sizeHint() int {
	n := 128 + len(s.Name) + len(s.Information) + len(s.URI) + len(s.TimeZones) + len(s.EncryptionKey)
	n += attrsSize(s.Attributes) + 24*len(s.Bandwidths) + 64*len(s.Times)
	for _, v := range s.Emails {
		n += len(v) + 4
	}
	for _, v := range s.Phones {
		n += len(v) + 4
	}
	for _, m := range s.Media {
		if m == nil {
			continue
		}
		n += 64 + len(m.Information) + len(m.EncryptionKey) + attrsSize(m.Attributes)
		n += 24*len(m.Bandwidths) + 48*len(m.Connections)
		for _, f := range m.Formats {
			n += len(f) + 1
		}
	}
	return n
}

func attrsSize(attrs []Attribute) int {
	n := 0
	for _, a := range attrs {
		n += len(a.Key) + len(a.Value) + 5
	}
	return n
}

func (s *Session) appendTo(b []byte) ([]byte, error) {
	if s.Version < 0 {
		return b, fmt.Errorf("%w: negative version %d", ErrInvalid, s.Version)
	}
	b = append(b, "v="...)
	b = strconv.AppendInt(b, int64(s.Version), 10)
	b = append(b, "\r\n"...)

	o := s.Origin.withDefaults()
	for _, f := range [...]struct{ name, v string }{
		{"origin username", o.Username}, {"origin session id", o.SessionID},
		{"origin session version", o.SessionVersion}, {"origin network type", o.NetworkType},
		{"origin address type", o.AddressType}, {"origin address", o.Address},
	} {
		if err := checkToken(f.name, f.v); err != nil {
			return b, err
		}
	}
	b = append(b, "o="...)
	b = append(b, o.Username...)
	b = append(b, ' ')
	b = append(b, o.SessionID...)
	b = append(b, ' ')
	b = append(b, o.SessionVersion...)
	b = append(b, ' ')
	b = append(b, o.NetworkType...)
	b = append(b, ' ')
	b = append(b, o.AddressType...)
	b = append(b, ' ')
	b = append(b, o.Address...)
	b = append(b, "\r\n"...)

	name := s.Name
	if name == "" {
		name = defaultName
	}
	var err error
	if b, err = appendText(b, 's', "session name", name); err != nil {
		return b, err
	}
	if b, err = appendOptText(b, 'i', "session information", s.Information); err != nil {
		return b, err
	}
	if b, err = appendOptText(b, 'u', "uri", s.URI); err != nil {
		return b, err
	}
	for _, e := range s.Emails {
		if e == "" {
			return b, fmt.Errorf("%w: empty email", ErrInvalid)
		}
		if b, err = appendText(b, 'e', "email", e); err != nil {
			return b, err
		}
	}
	for _, p := range s.Phones {
		if p == "" {
			return b, fmt.Errorf("%w: empty phone", ErrInvalid)
		}
		if b, err = appendText(b, 'p', "phone", p); err != nil {
			return b, err
		}
	}
	if s.Connection != nil {
		if b, err = appendConnection(b, *s.Connection); err != nil {
			return b, err
		}
	}
	if b, err = appendBandwidths(b, s.Bandwidths); err != nil {
		return b, err
	}
	if len(s.Times) == 0 {
		b = append(b, "t=0 0\r\n"...)
	}
	for _, t := range s.Times {
		b = append(b, "t="...)
		b = strconv.AppendUint(b, t.Start, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, t.Stop, 10)
		b = append(b, "\r\n"...)
		for _, r := range t.Repeats {
			if r == "" {
				return b, fmt.Errorf("%w: empty repeat time", ErrInvalid)
			}
			if b, err = appendText(b, 'r', "repeat time", r); err != nil {
				return b, err
			}
		}
	}
	// RFC 4566 puts the single "z=" after all time descriptions; RFC 8866
	// §5 lists it with them. One z= after the last t=/r= satisfies both.
	if b, err = appendOptText(b, 'z', "time zones", s.TimeZones); err != nil {
		return b, err
	}
	if b, err = appendOptText(b, 'k', "encryption key", s.EncryptionKey); err != nil {
		return b, err
	}
	if b, err = appendAttributes(b, s.Attributes); err != nil {
		return b, err
	}
	for i, m := range s.Media {
		if m == nil {
			return b, fmt.Errorf("%w: media %d is nil", ErrInvalid, i)
		}
		if b, err = m.appendTo(b); err != nil {
			return b, fmt.Errorf("media %d: %w", i, err)
		}
	}
	return b, nil
}

func (m *Media) appendTo(b []byte) ([]byte, error) {
	if err := checkToken("media type", m.Type); err != nil {
		return b, err
	}
	if err := checkToken("media protocol", m.Protocol); err != nil {
		return b, err
	}
	if m.Port < 0 || m.Port > 65535 {
		return b, fmt.Errorf("%w: media port %d", ErrInvalid, m.Port)
	}
	if m.NumberOfPorts < 0 {
		return b, fmt.Errorf("%w: number of ports %d", ErrInvalid, m.NumberOfPorts)
	}
	if len(m.Formats) == 0 {
		return b, fmt.Errorf("%w: media has no formats", ErrInvalid)
	}
	b = append(b, "m="...)
	b = append(b, m.Type...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(m.Port), 10)
	if m.NumberOfPorts > 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(m.NumberOfPorts), 10)
	}
	b = append(b, ' ')
	b = append(b, m.Protocol...)
	for _, f := range m.Formats {
		if err := checkToken("media format", f); err != nil {
			return b, err
		}
		b = append(b, ' ')
		b = append(b, f...)
	}
	b = append(b, "\r\n"...)
	var err error
	if b, err = appendOptText(b, 'i', "media information", m.Information); err != nil {
		return b, err
	}
	for _, c := range m.Connections {
		if b, err = appendConnection(b, c); err != nil {
			return b, err
		}
	}
	if b, err = appendBandwidths(b, m.Bandwidths); err != nil {
		return b, err
	}
	if b, err = appendOptText(b, 'k', "encryption key", m.EncryptionKey); err != nil {
		return b, err
	}
	return appendAttributes(b, m.Attributes)
}

func appendConnection(b []byte, c Connection) ([]byte, error) {
	c = c.withDefaults()
	for _, f := range [...]struct{ name, v string }{
		{"connection network type", c.NetworkType},
		{"connection address type", c.AddressType},
		{"connection address", c.Address},
	} {
		if err := checkToken(f.name, f.v); err != nil {
			return b, err
		}
	}
	if strings.IndexByte(c.Address, '/') >= 0 {
		return b, fmt.Errorf("%w: connection address %s holds '/'", ErrInvalid, quote(c.Address))
	}
	if c.TTL < 0 || c.TTL > 255 {
		return b, fmt.Errorf("%w: connection TTL %d", ErrInvalid, c.TTL)
	}
	if c.NumberOfAddresses < 0 {
		return b, fmt.Errorf("%w: number of addresses %d", ErrInvalid, c.NumberOfAddresses)
	}
	ip6 := isIP6(c.AddressType, c.Address)
	if ip6 && c.TTL != 0 {
		// RFC 8866 §5.7: IPv6 multicast has no TTL field.
		return b, fmt.Errorf("%w: TTL on an IP6 connection", ErrInvalid)
	}
	b = append(b, "c="...)
	b = append(b, c.NetworkType...)
	b = append(b, ' ')
	b = append(b, c.AddressType...)
	b = append(b, ' ')
	b = append(b, c.Address...)
	switch {
	case ip6 && c.NumberOfAddresses > 0:
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(c.NumberOfAddresses), 10)
	case c.NumberOfAddresses > 0: // IPv4: the count needs the TTL before it
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(c.TTL), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(c.NumberOfAddresses), 10)
	case c.TTL > 0:
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(c.TTL), 10)
	}
	return append(b, "\r\n"...), nil
}

func appendBandwidths(b []byte, bws []Bandwidth) ([]byte, error) {
	for _, bw := range bws {
		if err := checkToken("bandwidth type", bw.Type); err != nil {
			return b, err
		}
		if strings.IndexByte(bw.Type, ':') >= 0 {
			return b, fmt.Errorf("%w: bandwidth type %s holds ':'", ErrInvalid, quote(bw.Type))
		}
		b = append(b, "b="...)
		b = append(b, bw.Type...)
		b = append(b, ':')
		b = strconv.AppendUint(b, bw.Value, 10)
		b = append(b, "\r\n"...)
	}
	return b, nil
}

func appendAttributes(b []byte, attrs []Attribute) ([]byte, error) {
	for _, a := range attrs {
		if err := a.check(); err != nil {
			return b, err
		}
		b = append(b, "a="...)
		b = append(b, a.Key...)
		if a.Value != "" || a.EmptyValue {
			b = append(b, ':')
			b = append(b, a.Value...)
		}
		b = append(b, "\r\n"...)
	}
	return b, nil
}

// check reports whether a can be written and read back unchanged.
func (a Attribute) check() error {
	if a.Key == "" {
		return fmt.Errorf("%w: empty attribute key", ErrInvalid)
	}
	if strings.IndexByte(a.Key, ':') >= 0 {
		return fmt.Errorf("%w: attribute key %s holds ':'", ErrInvalid, quote(a.Key))
	}
	if isSpace(a.Key[0]) || isSpace(a.Key[len(a.Key)-1]) {
		return fmt.Errorf("%w: attribute key %s begins or ends with a space", ErrInvalid, quote(a.Key))
	}
	if err := checkText("attribute key", a.Key); err != nil {
		return err
	}
	if hasBreak(a.Value) {
		return fmt.Errorf("%w: attribute %s value holds a CR, LF or NUL", ErrInvalid, quote(a.Key))
	}
	return nil
}

// appendText writes one "<typ>=<v>" line after checking v.
func appendText(b []byte, typ byte, name, v string) ([]byte, error) {
	if err := checkText(name, v); err != nil {
		return b, err
	}
	b = append(b, typ, '=')
	b = append(b, v...)
	return append(b, "\r\n"...), nil
}

// appendOptText is appendText that writes nothing for an empty v.
func appendOptText(b []byte, typ byte, name, v string) ([]byte, error) {
	if v == "" {
		return b, nil
	}
	return appendText(b, typ, name, v)
}

// checkText rejects the bytes that would end or corrupt a line.
func checkText(name, v string) error {
	if hasBreak(v) {
		return fmt.Errorf("%w: %s %s holds a CR, LF or NUL", ErrInvalid, name, quote(v))
	}
	return nil
}

// checkToken rejects an empty value or one holding a space or tab: the
// parser splits these fields on whitespace.
func checkToken(name, v string) error {
	if v == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, name)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= '\r' || c == ' ' {
			if isSpace(c) {
				return fmt.Errorf("%w: %s %s holds a space", ErrInvalid, name, quote(v))
			}
			if isBreak(c) {
				return fmt.Errorf("%w: %s %s holds a CR, LF or NUL", ErrInvalid, name, quote(v))
			}
		}
	}
	return nil
}

// hasBreak reports whether v holds a CR, LF or NUL. All three are at most
// '\r', which keeps the common case to one compare per byte.
func hasBreak(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= '\r' && isBreak(c) {
			return true
		}
	}
	return false
}

func isBreak(c byte) bool { return c == '\r' || c == '\n' || c == 0 }

func isSpace(c byte) bool { return c == ' ' || c == '\t' }
