package sdp

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Parse reads a session description with the default Limits. See
// Unmarshal for what it tolerates.
func Parse(data []byte) (*Session, error) {
	s := new(Session)
	if err := s.Unmarshal(data); err != nil {
		return nil, err
	}
	return s, nil
}

// Unmarshal replaces s with the description in data, read with the default
// Limits. On error s is left unchanged.
//
// The parser accepts what RFC 8866 allows and what cameras and servers are
// known to send instead:
//   - CRLF, LF or bare CR line endings, blank lines, no final line ending,
//     spaces and tabs around a line and before its '=', trailing NUL bytes
//     and a leading UTF-8 byte order mark;
//   - no "v=" line (Version 0), no "o=", "s=" or "t=" line, or an empty or
//     truncated "o=" or "c=" line ("o=- 1001 1 IN", "c=IN"): the missing
//     fields get the defaults Marshal writes (see Origin, Connection and
//     Session.Name); an "o=" line with more than six fields keeps the first
//     as Username and the last five for the rest; "c=" with an address but
//     no address type infers IP4 or IP6 from the address;
//   - lines in any order within a section ("a=" before "c=" or "b=" inside a
//     media description); "v=", "o=", "s=", "u=", "e=", "p=", "t=", "r=" and
//     "z=" always belong to the session, wherever they appear; "i=", "c=",
//     "b=", "k=" and "a=" belong to the section they are in;
//   - repeated single-valued lines: the last one wins;
//   - fields separated by runs of spaces or tabs.
//
// It skips, without error, lines of an unknown type (RFC 8866 §5 says to
// ignore or reject the whole description; cameras add private lines, and
// skipping one line loses less), empty "c=",
// "e=", "p=" and "r=" lines, "r=" lines before any "t=", and "a=" lines with
// an empty name.
//
// It rejects, with an error wrapping ErrSyntax: a line that is not
// "<letter>=<value>", input holding no known line at all, a NUL byte
// before the end, a non-numeric "v=", "t=" or "b=" value, an "m=" line with
// fewer than four fields or a port that is not a number in 0-65535, and a
// malformed "/ttl" or "/count" suffix on a "c=" address. Input over the
// limits fails with ErrTooLarge.
//
// Every string in the model is a substring of one copy of data, so s
// shares no memory with data and a parse costs few allocations.
func (s *Session) Unmarshal(data []byte) error {
	return s.UnmarshalLimits(data, Limits{})
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// UnmarshalLimits is Unmarshal with caller-chosen bounds.
func (s *Session) UnmarshalLimits(data []byte, lim Limits) error {
	lim = lim.withDefaults()
	if len(data) > lim.MaxSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.MaxSize)
	}
	// Some servers count a C string's terminator in Content-Length.
	for len(data) > 0 && data[len(data)-1] == 0 {
		data = data[:len(data)-1]
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return fmt.Errorf("%w: NUL byte at offset %d", ErrSyntax, i)
	}
	text := string(data)
	var p parser
	if err := p.count(text, lim); err != nil {
		return err
	}
	if err := p.parse(text, lim); err != nil {
		return err
	}
	*s = p.s
	return nil
}

// parser holds the state of one Unmarshal. The model's slices are carved
// out of a few backing arrays sized by a first counting pass.
type parser struct {
	s   Session
	cur *Media // the open media section; nil at session level

	medias []Media
	attrs  []Attribute
	bws    []Bandwidth
	conns  []Connection
	fmts   []string

	// Where the open section's attributes, bandwidths and connections
	// start in the backing arrays, and how many attributes it has.
	attrStart, bwStart, connStart, sectionAttrs int

	known bool // at least one line of a known type was seen
}

// count checks the line and media limits and sizes the backing arrays.
func (p *parser) count(text string, lim Limits) error {
	var lines, media, formats, attrs, bws, conns, times int
	for i := 0; i < len(text); {
		var line string
		line, i = nextLine(text, i)
		line = trimSpace(line)
		if line == "" {
			continue
		}
		lines++
		if lines > lim.MaxLines {
			return fmt.Errorf("%w: more than %d lines", ErrTooLarge, lim.MaxLines)
		}
		switch line[0] {
		case 'm':
			media++
			formats += strings.Count(line, " ") + strings.Count(line, "\t")
		case 'a':
			attrs++
		case 'b':
			bws++
		case 'c':
			conns++
		case 't':
			times++
		}
	}
	if media > lim.MaxMedia {
		return fmt.Errorf("%w: %d media, limit %d", ErrTooLarge, media, lim.MaxMedia)
	}
	if media > 0 {
		p.medias = make([]Media, 0, media)
		p.s.Media = make([]*Media, 0, media)
		p.fmts = make([]string, 0, formats)
	}
	if attrs > 0 {
		p.attrs = make([]Attribute, 0, attrs)
	}
	if bws > 0 {
		p.bws = make([]Bandwidth, 0, bws)
	}
	if conns > 0 {
		p.conns = make([]Connection, 0, conns)
	}
	if times > 0 {
		p.s.Times = make([]Time, 0, times)
	}
	return nil
}

func (p *parser) parse(text string, lim Limits) error {
	n := 0
	for i := 0; i < len(text); {
		var line string
		line, i = nextLine(text, i)
		line = trimSpace(line)
		if line == "" {
			continue
		}
		n++
		typ := line[0]
		// Tolerate spaces between the type letter and '='.
		rest := trimLeft(line[1:])
		if rest == "" || rest[0] != '=' {
			return fmt.Errorf("line %d: %w: not a <type>=<value> line: %s", n, ErrSyntax, quote(line))
		}
		if err := p.line(typ, rest[1:], lim); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	p.closeSection()
	if !p.known {
		return fmt.Errorf("%w: no session description lines", ErrSyntax)
	}
	if p.s.Name == "" {
		p.s.Name = defaultName
	}
	p.s.Origin = p.s.Origin.withDefaults()
	if len(p.s.Times) == 0 {
		p.s.Times = []Time{{}}
	}
	return nil
}

// line applies one line of type typ and value v (after '=').
func (p *parser) line(typ byte, v string, lim Limits) error {
	switch typ {
	case 'v':
		n, err := parseNumber(trimSpace(v), 31)
		if err != nil {
			return fmt.Errorf("%w: version %s", ErrSyntax, quote(v))
		}
		p.s.Version = int(n)
	case 'o':
		p.s.Origin = parseOrigin(v)
	case 's':
		p.s.Name = v
	case 'i':
		if p.cur != nil {
			p.cur.Information = v
		} else {
			p.s.Information = v
		}
	case 'u':
		p.s.URI = v
	case 'e':
		if v != "" {
			p.s.Emails = append(p.s.Emails, v)
		}
	case 'p':
		if v != "" {
			p.s.Phones = append(p.s.Phones, v)
		}
	case 'c':
		c, ok, err := parseConnection(v)
		if err != nil {
			return err
		}
		if ok {
			if p.cur != nil {
				p.conns = append(p.conns, c)
			} else {
				sc := c // a copy, so only session connections escape
				p.s.Connection = &sc
			}
		}
	case 'b':
		bw, err := parseBandwidth(v)
		if err != nil {
			return err
		}
		p.bws = append(p.bws, bw)
	case 't':
		t, err := parseTime(v)
		if err != nil {
			return err
		}
		p.s.Times = append(p.s.Times, t)
	case 'r':
		if v != "" && len(p.s.Times) > 0 {
			t := &p.s.Times[len(p.s.Times)-1]
			t.Repeats = append(t.Repeats, v)
		}
	case 'z':
		p.s.TimeZones = v
	case 'k':
		if p.cur != nil {
			p.cur.EncryptionKey = v
		} else {
			p.s.EncryptionKey = v
		}
	case 'a':
		a, ok := parseAttribute(v)
		if !ok {
			break
		}
		p.sectionAttrs++
		if p.sectionAttrs > lim.MaxAttributes {
			return fmt.Errorf("%w: more than %d attributes in one section", ErrTooLarge, lim.MaxAttributes)
		}
		p.attrs = append(p.attrs, a)
	case 'm':
		return p.media(v)
	default:
		return nil // unknown type: skipped
	}
	p.known = true
	return nil
}

// media closes the open section and opens the one the "m=" value v starts:
// m=<media> <port>[/<number of ports>] <proto> <fmt> ... (RFC 8866 §5.14).
func (p *parser) media(v string) error {
	p.closeSection()
	p.known = true
	typ, rest := nextField(v)
	port, rest := nextField(rest)
	proto, rest := nextField(rest)
	if proto == "" || trimLeft(rest) == "" {
		return fmt.Errorf("%w: media line needs a type, port, protocol and format: %s", ErrSyntax, quote(v))
	}
	m := Media{Type: typ, Protocol: proto}
	portStr, countStr, hasCount := strings.Cut(port, "/")
	n, err := parseNumber(portStr, 16)
	if err != nil {
		return fmt.Errorf("%w: media port %s", ErrSyntax, quote(port))
	}
	m.Port = int(n)
	if hasCount {
		n, err := parseNumber(countStr, 31)
		if err != nil {
			return fmt.Errorf("%w: media number of ports %s", ErrSyntax, quote(port))
		}
		m.NumberOfPorts = int(n)
	}
	start := len(p.fmts)
	for {
		var f string
		f, rest = nextField(rest)
		if f == "" {
			break
		}
		p.fmts = append(p.fmts, f)
	}
	m.Formats = sub(p.fmts, start)
	p.medias = append(p.medias, m)
	p.cur = &p.medias[len(p.medias)-1]
	p.s.Media = append(p.s.Media, p.cur)
	return nil
}

// closeSection hands the open section its attributes, bandwidths and
// connections, and starts a new section at the current ends of the backing
// arrays. The three-index slices keep a caller's append to one section
// from overwriting the next.
func (p *parser) closeSection() {
	attrs := sub(p.attrs, p.attrStart)
	bws := sub(p.bws, p.bwStart)
	if p.cur == nil {
		p.s.Attributes = attrs
		p.s.Bandwidths = bws
	} else {
		p.cur.Attributes = attrs
		p.cur.Bandwidths = bws
		p.cur.Connections = sub(p.conns, p.connStart)
	}
	p.attrStart, p.bwStart, p.connStart = len(p.attrs), len(p.bws), len(p.conns)
	p.sectionAttrs = 0
}

// sub returns s[start:] capped at its length, or nil when it is empty.
func sub[T any](s []T, start int) []T {
	if len(s) == start {
		return nil
	}
	return s[start:len(s):len(s)]
}

// parseOrigin reads an "o=" value leniently (see Unmarshal).
func parseOrigin(v string) Origin {
	var first [6]string // the first six fields
	var last [5]string  // the last five fields
	n := 0
	for {
		var f string
		f, v = nextField(v)
		if f == "" {
			break
		}
		if n < len(first) {
			first[n] = f
		}
		copy(last[:], last[1:])
		last[4] = f
		n++
	}
	o := Origin{Username: first[0]}
	tail := first[1:]
	if n > 6 {
		tail = last[:]
	}
	o.SessionID, o.SessionVersion, o.NetworkType, o.AddressType, o.Address = tail[0], tail[1], tail[2], tail[3], tail[4]
	return o.withDefaults()
}

// parseConnection reads a "c=" value; ok is false for an empty one.
func parseConnection(v string) (c Connection, ok bool, err error) {
	var f [3]string
	n := 0
	for {
		var tok string
		tok, v = nextField(v)
		if tok == "" {
			break
		}
		if n < len(f) {
			f[n] = tok
		}
		n++ // fields past the third are ignored
	}
	if n == 0 {
		return c, false, nil
	}
	c.NetworkType = f[0]
	addr := f[2]
	if n == 2 {
		if strings.EqualFold(f[1], "IP4") || strings.EqualFold(f[1], "IP6") {
			c.AddressType = f[1]
		} else {
			addr = f[1] // "c=IN 192.0.2.1": type inferred below
		}
	} else {
		c.AddressType = f[1]
	}
	base, suffix, has := strings.Cut(addr, "/")
	c.Address = base
	if has {
		first, second, hasSecond := strings.Cut(suffix, "/")
		if isIP6(c.AddressType, base) {
			// RFC 8866 §5.7: <base multicast address>[/<number of addresses>]
			cnt, err := parseNumber(first, 31)
			if err != nil || hasSecond {
				return c, false, fmt.Errorf("%w: connection address %s", ErrSyntax, quote(addr))
			}
			c.NumberOfAddresses = int(cnt)
		} else {
			// <base multicast address>[/<ttl>]/[<number of addresses>]
			ttl, err := parseNumber(first, 8)
			if err != nil {
				return c, false, fmt.Errorf("%w: connection TTL in %s", ErrSyntax, quote(addr))
			}
			c.TTL = int(ttl)
			if hasSecond {
				cnt, err := parseNumber(second, 31)
				if err != nil {
					return c, false, fmt.Errorf("%w: connection address count in %s", ErrSyntax, quote(addr))
				}
				c.NumberOfAddresses = int(cnt)
			}
		}
	}
	return c.withDefaults(), true, nil
}

// parseBandwidth reads a "b=<bwtype>:<bandwidth>" value.
func parseBandwidth(v string) (Bandwidth, error) {
	typ, val, ok := strings.Cut(v, ":")
	typ = trimSpace(typ)
	if !ok || typ == "" || strings.ContainsAny(typ, " \t") {
		return Bandwidth{}, fmt.Errorf("%w: bandwidth %s", ErrSyntax, quote(v))
	}
	n, err := parseNumber(trimSpace(val), 64)
	if err != nil {
		return Bandwidth{}, fmt.Errorf("%w: bandwidth value %s", ErrSyntax, quote(v))
	}
	return Bandwidth{Type: typ, Value: n}, nil
}

// parseTime reads a "t=<start-time> <stop-time>" value.
func parseTime(v string) (Time, error) {
	start, rest := nextField(v)
	stop, rest := nextField(rest)
	if trimLeft(rest) != "" {
		return Time{}, fmt.Errorf("%w: time %s", ErrSyntax, quote(v))
	}
	a, err1 := parseNumber(start, 64)
	b, err2 := parseNumber(stop, 64)
	if err1 != nil || err2 != nil {
		return Time{}, fmt.Errorf("%w: time %s", ErrSyntax, quote(v))
	}
	return Time{Start: a, Stop: b}, nil
}

// parseAttribute splits an "a=" value at its first ':'. ok is false when
// the name is empty.
func parseAttribute(v string) (a Attribute, ok bool) {
	key, val, hasColon := strings.Cut(v, ":")
	a.Key = trimSpace(key)
	if a.Key == "" {
		return a, false
	}
	if hasColon {
		a.Value = val
		a.EmptyValue = val == ""
	}
	return a, true
}

// parseNumber parses an unsigned decimal of at most bits bits. Unlike
// strconv.ParseUint alone it refuses an empty string with no allocation.
func parseNumber(s string, bits int) (uint64, error) {
	if s == "" {
		return 0, ErrSyntax
	}
	return strconv.ParseUint(s, 10, bits)
}

// nextLine returns the line starting at text[i:], without its terminator
// (LF, CR, or the CR of a CRLF, whose LF then reads as a blank line), and
// the index where the next line starts.
func nextLine(text string, i int) (string, int) {
	rest := text[i:]
	j := strings.IndexByte(rest, '\n')
	if j < 0 {
		j = len(rest)
	}
	if k := strings.IndexByte(rest[:j], '\r'); k >= 0 {
		j = k
	}
	if j < len(rest) {
		return rest[:j], i + j + 1
	}
	return rest, len(text)
}

// nextField returns the first field of v, split on runs of spaces and
// tabs, and what follows it. field is "" when v holds no more fields.
func nextField(v string) (field, rest string) {
	v = trimLeft(v)
	i := 0
	for i < len(v) && !isSpace(v[i]) {
		i++
	}
	return v[:i], v[i:]
}

func trimLeft(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	return s
}

func trimSpace(s string) string {
	s = trimLeft(s)
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
