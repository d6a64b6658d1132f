package auth

import (
	"fmt"
	"strings"
)

// Limits on one header value, so that a hostile value cannot make the parser
// do quadratic work (the duplicate check) or keep many small allocations.
const (
	authMaxItems  = 16 // challenges in one WWW-Authenticate value
	authMaxParams = 64 // auth-params in one header value, all items together
)

// authParam is one auth-param: name is as received (compare with
// strings.EqualFold), value is unquoted and unescaped.
type authParam struct {
	name, value string
}

// authItem is one challenge or credentials (RFC 7235 §2.1):
//
//	challenge   = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//	credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
type authItem struct {
	scheme  string
	token68 string
	params  []authParam
}

// param returns the value of the parameter named name and whether it was
// present.
func (it *authItem) param(name string) (string, bool) {
	for _, p := range it.params {
		if strings.EqualFold(p.name, name) {
			return p.value, true
		}
	}
	return "", false
}

// authParseItems splits one header value into its challenges or
// credentials. The syntax is RFC 7235 §2.1 with the leniency cameras need:
// unquoted values may hold any visible character but a comma or a quote
// (cameras send nonce=abc/def+g and realm=IP Camera), commas between
// parameters may be missing after a quoted value, and empty list elements
// are skipped (RFC 7230 §7). A token not followed by "=" starts a new item,
// which is how one value can carry several challenges ("Digest realm=...,
// Basic realm=..."). A parameter name may appear once per item (RFC 7235
// §2.1).
func authParseItems(s string) ([]authItem, error) {
	l := authLexer{s: s}
	var items []authItem
	nparams := 0
	for {
		l.skipSeparators()
		if l.eof() {
			break
		}
		name := l.token()
		if name == "" {
			return nil, fmt.Errorf("%w: unexpected %q at offset %d", ErrMalformed, s[l.i], l.i)
		}
		afterName := l.i
		l.skipWS()
		if l.peek() != '=' {
			// A new item: auth-scheme [ 1*SP ( token68 / #auth-param ) ].
			if len(items) == authMaxItems {
				return nil, fmt.Errorf("%w: more than %d challenges", ErrMalformed, authMaxItems)
			}
			items = append(items, authItem{scheme: name})
			if l.eof() || l.peek() == ',' {
				continue
			}
			if l.i == afterName {
				return nil, fmt.Errorf("%w: unexpected %q after scheme", ErrMalformed, s[l.i])
			}
			if t, ok := l.token68(); ok {
				items[len(items)-1].token68 = t
			}
			continue
		}
		// An auth-param of the current item.
		if len(items) == 0 {
			return nil, fmt.Errorf("%w: parameter %q before any scheme", ErrMalformed, name)
		}
		it := &items[len(items)-1]
		if it.token68 != "" {
			return nil, fmt.Errorf("%w: parameter %q after token68", ErrMalformed, name)
		}
		if _, dup := it.param(name); dup {
			return nil, fmt.Errorf("%w: parameter %q repeated", ErrMalformed, name)
		}
		if nparams == authMaxParams {
			return nil, fmt.Errorf("%w: more than %d parameters", ErrMalformed, authMaxParams)
		}
		nparams++
		l.i++ // '='
		l.skipWS()
		value, err := l.value()
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		it.params = append(it.params, authParam{name: name, value: value})
	}
	return items, nil
}

// authLexer reads an authentication header value left to right.
type authLexer struct {
	s string
	i int
}

func (l *authLexer) eof() bool { return l.i >= len(l.s) }

// peek returns the current byte, or 0 at the end.
func (l *authLexer) peek() byte {
	if l.eof() {
		return 0
	}
	return l.s[l.i]
}

// skipWS skips optional whitespace (SP / HTAB, RFC 7230 §3.2.3).
func (l *authLexer) skipWS() {
	for !l.eof() && (l.s[l.i] == ' ' || l.s[l.i] == '\t') {
		l.i++
	}
}

// skipSeparators skips whitespace and list commas.
func (l *authLexer) skipSeparators() {
	for !l.eof() && (l.s[l.i] == ' ' || l.s[l.i] == '\t' || l.s[l.i] == ',') {
		l.i++
	}
}

// token reads a token (RFC 7230 §3.2.6); it returns "" if none starts here.
func (l *authLexer) token() string {
	start := l.i
	for !l.eof() && authIsTchar(l.s[l.i]) {
		l.i++
	}
	return l.s[start:l.i]
}

// token68 reads a token68 (RFC 7235 §2.1) if the rest of this list element
// is exactly one; otherwise it reads nothing and returns false, and the
// element is parsed as auth-params.
func (l *authLexer) token68() (string, bool) {
	j := l.i
	for j < len(l.s) && authIsToken68Char(l.s[j]) {
		j++
	}
	if j == l.i {
		return "", false
	}
	for j < len(l.s) && l.s[j] == '=' {
		j++
	}
	end := j
	for j < len(l.s) && (l.s[j] == ' ' || l.s[j] == '\t') {
		j++
	}
	if j < len(l.s) && l.s[j] != ',' {
		return "", false
	}
	t := l.s[l.i:end]
	l.i = j
	return t, true
}

// value reads a parameter value: a quoted-string, or (leniently) an
// unquoted run of characters up to the next comma with trailing whitespace
// removed. Control characters are rejected in both, so a parsed value can
// always be written back into a header line.
func (l *authLexer) value() (string, error) {
	if l.peek() == '"' {
		return l.quoted()
	}
	start := l.i
	for !l.eof() {
		c := l.s[l.i]
		if c == ',' {
			break
		}
		if c == '"' || (authIsCTL(c) && c != '\t') {
			return "", fmt.Errorf("%w: unexpected %q in unquoted value", ErrMalformed, c)
		}
		l.i++
	}
	return strings.TrimRight(l.s[start:l.i], " \t"), nil
}

// quoted reads a quoted-string (RFC 7230 §3.2.6) starting at the opening
// quote and returns its content with quoted-pairs resolved.
func (l *authLexer) quoted() (string, error) {
	l.i++ // opening quote
	start := l.i
	// Fast path: no escapes.
	for !l.eof() {
		c := l.s[l.i]
		switch {
		case c == '"':
			v := l.s[start:l.i]
			l.i++
			return v, nil
		case c == '\\':
			return l.quotedSlow(start)
		case authIsCTL(c) && c != '\t':
			return "", fmt.Errorf("%w: control character in quoted string", ErrMalformed)
		}
		l.i++
	}
	return "", fmt.Errorf("%w: unterminated quoted string", ErrMalformed)
}

// quotedSlow continues quoted at the first backslash.
func (l *authLexer) quotedSlow(start int) (string, error) {
	var b strings.Builder
	b.WriteString(l.s[start:l.i])
	for !l.eof() {
		c := l.s[l.i]
		switch {
		case c == '"':
			l.i++
			return b.String(), nil
		case c == '\\':
			// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
			if l.i+1 >= len(l.s) {
				return "", fmt.Errorf("%w: unterminated quoted string", ErrMalformed)
			}
			c = l.s[l.i+1]
			l.i++
		}
		if authIsCTL(c) && c != '\t' {
			return "", fmt.Errorf("%w: control character in quoted string", ErrMalformed)
		}
		b.WriteByte(c)
		l.i++
	}
	return "", fmt.Errorf("%w: unterminated quoted string", ErrMalformed)
}

// authIsTchar reports whether c may appear in a token (RFC 7230 §3.2.6).
func authIsTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// authIsToken68Char reports whether c may appear in a token68 before its
// trailing "=" padding (RFC 7235 §2.1).
func authIsToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

// authIsCTL reports whether c is an ASCII control character.
func authIsCTL(c byte) bool { return c < 0x20 || c == 0x7f }

// authIsToken reports whether s is a non-empty token.
func authIsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !authIsTchar(s[i]) {
			return false
		}
	}
	return true
}

// authWriter builds a challenge or credentials string.
type authWriter struct {
	b     strings.Builder
	first bool
}

// scheme starts the value with the scheme name.
func (w *authWriter) scheme(s string) {
	w.b.WriteString(authSanitize(s))
	w.first = true
}

// sep writes the separator before the next parameter.
func (w *authWriter) sep() {
	if w.first {
		w.b.WriteByte(' ')
		w.first = false
	} else {
		w.b.WriteString(", ")
	}
}

// quoted writes name="value", escaping '"' and '\' (RFC 7230 §3.2.6).
// Control characters, which a quoted-string cannot carry, are dropped.
func (w *authWriter) quoted(name, value string) {
	w.sep()
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c == '"' || c == '\\':
			w.b.WriteByte('\\')
		case authIsCTL(c) && c != '\t':
			continue
		}
		w.b.WriteByte(c)
	}
	w.b.WriteByte('"')
}

// token writes name=value unquoted when value is a token, as RFC 7616 §3.4
// requires for algorithm, qop and nc, and quoted otherwise (only a value
// that is not a token, which no conforming peer sends, is quoted).
func (w *authWriter) token(name, value string) {
	if !authIsToken(value) {
		w.quoted(name, value)
		return
	}
	w.sep()
	w.b.WriteString(name)
	w.b.WriteByte('=')
	w.b.WriteString(value)
}

// raw writes a token68 right after the scheme.
func (w *authWriter) raw(s string) {
	w.sep()
	w.b.WriteString(s)
}

func (w *authWriter) String() string { return w.b.String() }

// authSanitize removes the characters that could end a header line or
// split a scheme name from a caller-supplied scheme.
func authSanitize(s string) string {
	if authIsToken(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if authIsTchar(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
