package auth

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
)

// AnswerChallenge builds the credentials that answer challenge c for one
// request (method and uri as in the request line), given the user's name and
// password. For Digest it chooses qop "auth" when the challenge offers qop
// (RFC 7616 §3.4: the client must then send qop, nc and cnonce), otherwise
// it sends RFC 2069 credentials; nc is the nonce count of this request with
// this nonce (1 for the first) and cnonce the client nonce. The result is
// deterministic, which makes the RFC examples testable; Client picks nc
// and cnonce itself.
func AnswerChallenge(c Challenge, username, password, method, uri, cnonce string, nc uint32) (Authorization, error) {
	if strings.ContainsFunc(username, authIsCTLRune) {
		return Authorization{}, fmt.Errorf("%w: control character in user name", ErrMalformed)
	}
	switch c.Scheme {
	case SchemeBasic:
		// RFC 7617 §2: a user-id containing a colon cannot be sent.
		if strings.Contains(username, ":") {
			return Authorization{}, fmt.Errorf("%w: ':' in a Basic user name", ErrMalformed)
		}
		return Authorization{Scheme: SchemeBasic, Username: username, Password: password}, nil
	case SchemeDigest:
	default:
		return Authorization{}, fmt.Errorf("%w: scheme %q", ErrUnsupported, c.Scheme)
	}
	alg, ok := authDigestAlgorithm(c.Algorithm)
	if !ok {
		return Authorization{}, fmt.Errorf("%w: algorithm %q", ErrUnsupported, c.Algorithm)
	}
	if c.Nonce == "" {
		return Authorization{}, fmt.Errorf("%w: Digest challenge without nonce", ErrMalformed)
	}
	a := Authorization{
		Scheme:    SchemeDigest,
		Username:  username,
		Realm:     c.Realm,
		Nonce:     c.Nonce,
		URI:       uri,
		Opaque:    c.Opaque,
		Algorithm: c.Algorithm, // echoed as the server spelled it
	}
	if len(c.QOP) > 0 {
		if !c.offersAuth() {
			return Authorization{}, fmt.Errorf("%w: qop %q", ErrUnsupported, strings.Join(c.QOP, ","))
		}
		a.QOP = "auth"
		a.NC = fmt.Sprintf("%08x", nc)
	}
	if a.QOP != "" || alg.sess {
		if cnonce == "" {
			return Authorization{}, fmt.Errorf("%w: empty cnonce", ErrMalformed)
		}
		a.CNonce = cnonce
	}
	resp, err := a.DigestResponse(method, password)
	if err != nil {
		return Authorization{}, err
	}
	a.Response = resp
	return a, nil
}

// authIsCTLRune reports whether r is an ASCII control character.
func authIsCTLRune(r rune) bool { return r < 0x20 || r == 0x7f }

// Client answers a server's challenges for one user over one
// connection or session. Send a request without credentials first; on 401
// pass the WWW-Authenticate values to HandleChallenges, then call Authorize
// for this and every later request. It prefers Digest SHA-256 over MD5 over
// Basic, uses qop=auth with one random cnonce per challenge and counts nc up
// from 1 (RFC 7616 §3.4). It is safe for concurrent use; do not copy it
// after first use.
type Client struct {
	// Username and Password are the credentials to answer with.
	Username string
	Password string
	// DisableBasic refuses Basic challenges, which would send the password
	// in clear text (and which a man in the middle can offer in place of
	// Digest): HandleChallenges then returns ErrUnsupported.
	DisableBasic bool

	mu     sync.Mutex
	chal   Challenge
	have   bool   // a challenge has been accepted
	sent   bool   // credentials were built for chal
	nc     uint32 // last nonce count used with chal.Nonce
	cnonce string
}

// HandleChallenges takes the WWW-Authenticate values of a 401 response and
// keeps the strongest challenge it can answer. It returns ErrUnsupported
// when none can be answered, and ErrRejected when credentials were
// already sent for the previous challenge and the new one is not marked
// stale: the server refused the user name or password, and retrying with
// the same ones would loop (RFC 7616 §3.3).
func (c *Client) HandleChallenges(values []string) error {
	ch, err := PickChallenge(values)
	if err != nil {
		return err
	}
	if c.DisableBasic && ch.Scheme == SchemeBasic {
		return fmt.Errorf("%w: only Basic offered and Basic is disabled", ErrUnsupported)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.have && c.sent && !ch.Stale {
		c.have = false
		return ErrRejected
	}
	c.chal, c.have, c.sent, c.nc = ch, true, false, 0
	c.cnonce = rand.Text()
	return nil
}

// Authorize returns the Authorization header value for a request with the
// given method and request URI (the digest-uri is the Request-URI as sent,
// RFC 2326 §12.5 via RFC 7616 §3.4). It returns "" and no error before any
// challenge has been handled.
func (c *Client) Authorize(method, uri string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.have {
		return "", nil
	}
	if c.nc == ^uint32(0) {
		// nc must not repeat for one nonce; 2^32 requests later, wait for
		// the server to issue a new one.
		return "", fmt.Errorf("%w: nonce count exhausted", ErrStale)
	}
	c.nc++
	a, err := AnswerChallenge(c.chal, c.Username, c.Password, method, uri, c.cnonce, c.nc)
	if err != nil {
		return "", err
	}
	c.sent = true
	return a.String(), nil
}
