package auth

import (
	"fmt"
	"strings"
)

// Challenge is one challenge of a WWW-Authenticate header (RFC 7235 §4.1):
// a Basic (RFC 7617 §2) or Digest (RFC 7616 §3.3) scheme and its parameters.
// Parameters this type does not name are dropped when parsing.
type Challenge struct {
	// Scheme is SchemeBasic, SchemeDigest, or another scheme name as received.
	Scheme string
	// Realm names the protection space; the client hashes it into Digest
	// credentials.
	Realm string
	// Domain is the Digest domain parameter: URIs in the same protection
	// space, separated by spaces.
	Domain string
	// Nonce is the Digest server nonce the client must echo and hash.
	Nonce string
	// Opaque is returned unchanged by the client (Digest).
	Opaque string
	// Algorithm is the Digest algorithm as received, such as DigestSHA256;
	// empty means MD5 (RFC 7616 §3.3).
	Algorithm string
	// QOP lists the offered qualities of protection ("auth", "auth-int").
	// Empty means the server speaks RFC 2069 Digest without qop.
	QOP []string
	// Stale reports that the previous nonce expired but the credentials
	// were right: the client retries with the new nonce without asking the
	// user (RFC 7616 §3.3).
	Stale bool
	// Charset is "UTF-8" when the server says how it encodes user names
	// and passwords (RFC 7616 §3.3, RFC 7617 §2.1), else empty.
	Charset string
	// Userhash reports that the server accepts a hashed user name
	// (RFC 7616 §3.4.4).
	Userhash bool
}

// ParseChallenges parses one WWW-Authenticate header value. The value may
// hold several comma-separated challenges (RFC 7235 §4.1), such as
//
//	Digest realm="cam", nonce="abc", algorithm=MD5, Basic realm="cam"
//
// A response may also carry several WWW-Authenticate headers: parse each and
// append the results, or use PickChallenge. Challenges of schemes other than
// Basic and Digest are returned with only their scheme and known parameters.
func ParseChallenges(value string) ([]Challenge, error) {
	items, err := authParseItems(value)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%w: empty challenge", ErrMalformed)
	}
	out := make([]Challenge, 0, len(items))
	for i := range items {
		c, err := authChallengeFromItem(&items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseChallenge parses a WWW-Authenticate header value that holds exactly
// one challenge, the usual case. Use ParseChallenges for a value that may
// hold several.
func ParseChallenge(value string) (Challenge, error) {
	cs, err := ParseChallenges(value)
	if err != nil {
		return Challenge{}, err
	}
	if len(cs) != 1 {
		return Challenge{}, fmt.Errorf("%w: %d challenges in one value", ErrMalformed, len(cs))
	}
	return cs[0], nil
}

// authChallengeFromItem turns a parsed item into a Challenge.
func authChallengeFromItem(it *authItem) (Challenge, error) {
	c := Challenge{Scheme: authCanonicalScheme(it.scheme)}
	for _, p := range it.params {
		switch strings.ToLower(p.name) {
		case "realm":
			c.Realm = p.value
		case "domain":
			c.Domain = p.value
		case "nonce":
			c.Nonce = p.value
		case "opaque":
			c.Opaque = p.value
		case "algorithm":
			c.Algorithm = p.value
		case "qop":
			// qop-options = "qop" "=" DQUOTE 1#qop-value DQUOTE; some servers
			// send a bare token. Empty list elements are skipped.
			for v := range strings.SplitSeq(p.value, ",") {
				if v = strings.Trim(v, " \t"); v != "" {
					c.QOP = append(c.QOP, v)
				}
			}
		case "stale":
			// Any value but a case-insensitive "true" means false (RFC 7616 §3.3).
			c.Stale = strings.EqualFold(p.value, "true")
		case "charset":
			c.Charset = p.value
		case "userhash":
			c.Userhash = strings.EqualFold(p.value, "true")
		}
	}
	return c, nil
}

// authCanonicalScheme spells the schemes this package knows as the RFCs do.
func authCanonicalScheme(s string) string {
	switch {
	case strings.EqualFold(s, SchemeBasic):
		return SchemeBasic
	case strings.EqualFold(s, SchemeDigest):
		return SchemeDigest
	}
	return s
}

// String formats c as a WWW-Authenticate header value that ParseChallenge
// reads back to c. Empty parameters are left out.
func (c Challenge) String() string {
	var w authWriter
	w.scheme(c.Scheme)
	if c.Realm != "" {
		w.quoted("realm", c.Realm)
	}
	if c.Domain != "" {
		w.quoted("domain", c.Domain)
	}
	if c.Nonce != "" {
		w.quoted("nonce", c.Nonce)
	}
	if c.Opaque != "" {
		w.quoted("opaque", c.Opaque)
	}
	if c.Stale {
		w.token("stale", "true")
	}
	if c.Algorithm != "" {
		w.token("algorithm", c.Algorithm)
	}
	if len(c.QOP) > 0 {
		w.quoted("qop", strings.Join(c.QOP, ", "))
	}
	if c.Charset != "" {
		w.quoted("charset", c.Charset)
	}
	if c.Userhash {
		w.token("userhash", "true")
	}
	return w.String()
}

// strength reports whether Client can answer c, and how strong the
// answer is: 0 for unsupported, then Basic < Digest MD5 < Digest SHA-256 <
// Digest SHA-512-256 (RFC 7616 §3.7: prefer the strongest algorithm).
func (c *Challenge) strength() int {
	switch c.Scheme {
	case SchemeBasic:
		return 1
	case SchemeDigest:
		if c.Nonce == "" || (len(c.QOP) > 0 && !c.offersAuth()) {
			return 0 // no nonce, or auth-int only: we have no body to hash
		}
		alg, ok := authDigestAlgorithm(c.Algorithm)
		if !ok {
			return 0
		}
		return 1 + alg.rank
	}
	return 0
}

// offersAuth reports whether qop "auth" is among the offered qop values.
func (c *Challenge) offersAuth() bool {
	for _, q := range c.QOP {
		if strings.EqualFold(q, "auth") {
			return true
		}
	}
	return false
}

// PickChallenge parses the WWW-Authenticate values of one response and
// returns the strongest challenge this package can answer: Digest SHA-512-256,
// then SHA-256, then MD5 (plain before -sess), then Basic. Values that do not
// parse are skipped, as a client cannot fix a server. It returns
// ErrUnsupported when no challenge can be answered.
func PickChallenge(values []string) (Challenge, error) {
	var best Challenge
	bestStrength := 0
	for _, v := range values {
		cs, err := ParseChallenges(v)
		if err != nil {
			continue
		}
		for i := range cs {
			// Strictly greater: among equals the server's first preference wins
			// (RFC 7616 §3.7).
			if s := cs[i].strength(); s > bestStrength {
				best, bestStrength = cs[i], s
			}
		}
	}
	if bestStrength == 0 {
		return Challenge{}, ErrUnsupported
	}
	return best, nil
}
