package auth

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Authorization is the value of an Authorization header: Basic credentials
// (RFC 7617 §2) or Digest credentials (RFC 7616 §3.4).
type Authorization struct {
	// Scheme is SchemeBasic or SchemeDigest.
	Scheme string
	// Username is the user name (both schemes). For Digest it comes from
	// username, or from username* decoded (RFC 7616 §3.4.4, RFC 8187).
	Username string
	// Password is the Basic password; Digest never sends it.
	Password string

	// Realm, Nonce, URI and Opaque echo the challenge and the request
	// (Digest). URI is the digest-uri exactly as the client hashed it.
	Realm  string
	Nonce  string
	URI    string
	Opaque string
	// Response is the request-digest: hex of the algorithm's hash.
	Response string
	// Algorithm is the Digest algorithm as sent; empty means MD5.
	Algorithm string
	// QOP is the chosen quality of protection ("auth"), or empty for RFC
	// 2069 credentials.
	QOP string
	// NC is the nonce count, 8 hex digits as sent (such as "00000001").
	NC string
	// CNonce is the client nonce.
	CNonce string
	// Userhash reports that Username is H(username ":" realm) rather than
	// the user name (RFC 7616 §3.4.4).
	Userhash bool
}

// ParseAuthorization parses an Authorization header value holding Basic or
// Digest credentials. Other schemes yield ErrUnsupported, syntax errors
// ErrMalformed. Parameters this type does not name are dropped.
func ParseAuthorization(value string) (Authorization, error) {
	items, err := authParseItems(value)
	if err != nil {
		return Authorization{}, err
	}
	if len(items) != 1 {
		return Authorization{}, fmt.Errorf("%w: %d credentials in one value", ErrMalformed, len(items))
	}
	it := &items[0]
	switch authCanonicalScheme(it.scheme) {
	case SchemeBasic:
		return authParseBasic(it)
	case SchemeDigest:
		return authParseDigest(it)
	}
	return Authorization{}, fmt.Errorf("%w: scheme %q", ErrUnsupported, it.scheme)
}

// authParseBasic decodes basic-credentials = base64(user-id ":" password)
// (RFC 7617 §2). Missing base64 padding is tolerated.
func authParseBasic(it *authItem) (Authorization, error) {
	if it.token68 == "" || len(it.params) > 0 {
		return Authorization{}, fmt.Errorf("%w: Basic credentials are not one token68", ErrMalformed)
	}
	raw, err := base64.StdEncoding.DecodeString(it.token68)
	if err != nil {
		raw, err = base64.RawStdEncoding.DecodeString(it.token68)
	}
	if err != nil {
		return Authorization{}, fmt.Errorf("%w: Basic credentials: %w", ErrMalformed, err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return Authorization{}, fmt.Errorf("%w: Basic credentials without ':'", ErrMalformed)
	}
	return Authorization{Scheme: SchemeBasic, Username: user, Password: pass}, nil
}

// authParseDigest reads the parameters of Digest credentials
// (RFC 7616 §3.4).
func authParseDigest(it *authItem) (Authorization, error) {
	if it.token68 != "" {
		return Authorization{}, fmt.Errorf("%w: Digest credentials are a token68", ErrMalformed)
	}
	a := Authorization{Scheme: SchemeDigest}
	haveUser := false
	for _, p := range it.params {
		switch strings.ToLower(p.name) {
		case "username":
			if haveUser {
				return Authorization{}, fmt.Errorf("%w: both username and username*", ErrMalformed)
			}
			a.Username, haveUser = p.value, true
		case "username*":
			// RFC 7616 §3.4.4: username and username* MUST NOT both be present.
			if haveUser {
				return Authorization{}, fmt.Errorf("%w: both username and username*", ErrMalformed)
			}
			u, err := authDecodeExtValue(p.value)
			if err != nil {
				return Authorization{}, err
			}
			a.Username, haveUser = u, true
		case "realm":
			a.Realm = p.value
		case "nonce":
			a.Nonce = p.value
		case "uri":
			a.URI = p.value
		case "response":
			a.Response = p.value
		case "algorithm":
			a.Algorithm = p.value
		case "qop":
			a.QOP = p.value
		case "nc":
			a.NC = p.value
		case "cnonce":
			a.CNonce = p.value
		case "opaque":
			a.Opaque = p.value
		case "userhash":
			a.Userhash = strings.EqualFold(p.value, "true")
		}
	}
	return a, nil
}

// authDecodeExtValue decodes an RFC 8187 ext-value, such as
//
//	UTF-8''J%C3%A4s%C3%B8n%20Doe
//
// Only the UTF-8 charset is accepted (RFC 7616 §3.4.4 allows no other), and
// control characters are rejected so that the name can be written back as a
// quoted-string.
func authDecodeExtValue(v string) (string, error) {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok || !strings.EqualFold(charset, "UTF-8") {
		return "", fmt.Errorf("%w: username* is not UTF-8 ext-value", ErrMalformed)
	}
	_, enc, ok := strings.Cut(rest, "'") // skip the language tag
	if !ok {
		return "", fmt.Errorf("%w: username* is not an ext-value", ErrMalformed)
	}
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		c := enc[i]
		if c == '%' {
			if i+2 >= len(enc) {
				return "", fmt.Errorf("%w: truncated %%-escape in username*", ErrMalformed)
			}
			hi, ok1 := authUnhex(enc[i+1])
			lo, ok2 := authUnhex(enc[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("%w: bad %%-escape in username*", ErrMalformed)
			}
			c = hi<<4 | lo
			i += 2
		}
		if authIsCTL(c) {
			return "", fmt.Errorf("%w: control character in username*", ErrMalformed)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// authUnhex decodes one hex digit.
func authUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// String formats a as an Authorization header value that ParseAuthorization
// reads back to a. Basic credentials are base64(user ":" password); Digest
// credentials always carry username, realm, nonce, uri and response, and
// the optional parameters when set, with algorithm, qop and nc unquoted as
// RFC 7616 §3.4 requires.
func (a Authorization) String() string {
	var w authWriter
	w.scheme(a.Scheme)
	if a.Scheme == SchemeBasic {
		w.raw(base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + a.Password)))
		return w.String()
	}
	w.quoted("username", a.Username)
	w.quoted("realm", a.Realm)
	w.quoted("nonce", a.Nonce)
	w.quoted("uri", a.URI)
	if a.Algorithm != "" {
		w.token("algorithm", a.Algorithm)
	}
	w.quoted("response", a.Response)
	if a.Opaque != "" {
		w.quoted("opaque", a.Opaque)
	}
	if a.QOP != "" {
		w.token("qop", a.QOP)
	}
	if a.NC != "" {
		w.token("nc", a.NC)
	}
	if a.CNonce != "" {
		w.quoted("cnonce", a.CNonce)
	}
	if a.Userhash {
		w.token("userhash", "true")
	}
	return w.String()
}
