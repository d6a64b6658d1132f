package onvif

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"
)

// WS-UsernameToken (OASIS Web Services Security UsernameToken Profile
// 1.0, §3.1): the client sends its user name, a random Nonce, the Created
// time and Password = Base64(SHA-1(nonce + created + password)), so the
// password never travels and a captured token ages out. ONVIF Core §5.9,
// "Username token profile": "The server shall reject any Username Token
// not using both nonce and creation timestamps." A token is accepted once:
// its nonce and Created are remembered for as long as Created is within
// the window, so a replay is refused.
//
// Two allowances for libonvif (Debian's onvif-util), which seeds rand()
// with time(NULL) for every token, so that all its tokens of one second
// share a nonce and are told apart by the milliseconds of Created only:
//   - What must be new is the pair of nonce and Created, not the nonce
//     alone. That is no weaker: the digest binds the nonce to Created, so
//     a captured token cannot be given a new Created without the password.
//   - Its requests follow each other within a millisecond on a fast link,
//     so the very same token comes again: it is accepted again only from
//     the same IP address within replayGrace of its first use. A token
//     captured on the network and replayed from elsewhere, or later, is
//     refused; an attacker on the path could alter the original request
//     anyway (UsernameToken does not sign the body), and every operation
//     here only reads.

// passwordDigestType is the Type of a digest password; a PasswordText one
// (the password in clear) is refused.
const passwordDigestType = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"

// Errors of token checking, logged (never sent: the client gets
// ter:NotAuthorized whatever the reason, so as to tell an attacker
// nothing).
var (
	errNoToken    = errors.New("no UsernameToken")
	errBadUser    = errors.New("unknown user")
	errNotDigest  = errors.New("password is not a PasswordDigest")
	errBadNonce   = errors.New("missing or invalid Nonce")
	errBadCreated = errors.New("missing or invalid Created")
	errStale      = errors.New("token created outside the allowed clock skew")
	errBadDigest  = errors.New("wrong password digest")
	errReplay     = errors.New("nonce already used (replay)")
)

// usernameToken is the content of a wsse:UsernameToken.
type usernameToken struct {
	Username, Password, PasswordType, Nonce, NonceEncoding, Created string
}

// tokenFrom finds the UsernameToken in a SOAP header: wsse:Security, in
// the 2004 namespace or another (some clients use the 2002 draft's), then
// UsernameToken.
func tokenFrom(header *node) *usernameToken {
	sec := header.child("", "Security")
	ut := sec.child("", "UsernameToken")
	if ut == nil {
		return nil
	}
	pw := ut.child("", "Password")
	nonce := ut.child("", "Nonce")
	return &usernameToken{
		Username:      ut.text("Username"),
		Password:      pw.textOrEmpty(),
		PasswordType:  pw.attr("Type"),
		Nonce:         nonce.textOrEmpty(),
		NonceEncoding: nonce.attr("EncodingType"),
		Created:       ut.text("Created"),
	}
}

// textOrEmpty is n.Text, "" for a nil node.
func (n *node) textOrEmpty() string {
	if n == nil {
		return ""
	}
	return n.Text
}

// authenticator checks tokens against one user's credentials.
type authenticator struct {
	user, pass string
	skew       time.Duration
	now        func() time.Time
	nonces     nonceCache
}

// replayGrace is how long the same token is accepted again from the same
// address (see above).
const replayGrace = 2 * time.Second

// check returns nil when tok, received from IP address from, is a fresh,
// valid PasswordDigest token of the configured user.
func (a *authenticator) check(tok *usernameToken, from string) error {
	if tok == nil {
		return errNoToken
	}
	if subtle.ConstantTimeCompare([]byte(tok.Username), []byte(a.user)) != 1 {
		return errBadUser
	}
	if !strings.HasSuffix(tok.PasswordType, "#PasswordDigest") {
		return errNotDigest
	}
	nonce, err := base64.StdEncoding.DecodeString(tok.Nonce)
	if err != nil || len(nonce) == 0 || len(nonce) > 128 {
		return errBadNonce
	}
	created, ok := parseCreated(tok.Created)
	if !ok {
		return errBadCreated
	}
	now := a.now()
	if d := now.Sub(created); d > a.skew || d < -a.skew {
		return errStale
	}
	got, err := base64.StdEncoding.DecodeString(tok.Password)
	if err != nil {
		return errBadDigest
	}
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(tok.Created))
	h.Write([]byte(a.pass))
	if subtle.ConstantTimeCompare(got, h.Sum(nil)) != 1 {
		return errBadDigest
	}
	// Only now, so that wrong guesses cannot fill the cache.
	if !a.nonces.add(string(nonce)+"\x00"+tok.Created, from, created, now, a.skew) {
		return errReplay
	}
	return nil
}

// parseCreated reads an xs:dateTime as clients write it: with a zone
// (2024-03-01T20:50:25.123Z), or without one, taken as UTC.
func parseCreated(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// maxNonces bounds the nonce cache: at most this many tokens are
// remembered, whatever the request rate.
const maxNonces = 4096

// nonceCache remembers the accepted tokens (nonce and Created) until
// their Created time leaves the window. When it is full the oldest entry
// is dropped and its Created time becomes a floor: a token created at or
// before it is refused, so a dropped token cannot be replayed either. An
// honest client only meets the floor under a load of more than maxNonces
// authenticated requests per window.
type nonceCache struct {
	mu    sync.Mutex
	seen  map[string]seenToken
	order []string // insertion order, oldest first
	floor time.Time
}

// seenToken is what is remembered of an accepted token.
type seenToken struct {
	created, first time.Time
	from           string
}

// add records the token key, received from address from, created at
// created, and reports whether it may be accepted: new, or the same
// token again from the same address within replayGrace.
func (c *nonceCache) add(key, from string, created, now time.Time, skew time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]seenToken)
	}
	if prev, ok := c.seen[key]; ok {
		return prev.from == from && now.Sub(prev.first) <= replayGrace
	}
	if !c.floor.IsZero() && !created.After(c.floor) {
		return false
	}
	// Forget what has aged out of the window, then make room.
	for len(c.order) > 0 {
		oldest := c.order[0]
		t := c.seen[oldest].created
		expired := now.Sub(t) > skew
		if !expired && len(c.order) < maxNonces {
			break
		}
		if !expired && t.After(c.floor) {
			c.floor = t
		}
		delete(c.seen, oldest)
		c.order = c.order[1:]
	}
	c.seen[key] = seenToken{created: created, first: now, from: from}
	c.order = append(c.order, key)
	return true
}
