package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Methods is a set of schemes and Digest algorithms an Authenticator
// accepts.
type Methods uint8

// The methods an Authenticator can accept. Basic sends the password in
// clear text on every request, so it is off unless asked for.
const (
	MethodDigestSHA256 Methods = 1 << iota
	MethodDigestMD5
	MethodBasic
)

// DefaultMethods is what an Authenticator with zero Methods accepts:
// Digest with SHA-256 or MD5. MD5 stays because most players (ffmpeg,
// live555/VLC, GStreamer) speak nothing else.
const DefaultMethods = MethodDigestSHA256 | MethodDigestMD5

// DefaultNonceLifetime is how long a nonce from Challenges stays valid when
// Authenticator.NonceLifetime is zero.
const DefaultNonceLifetime = 5 * time.Minute

// DefaultRealm is the realm an Authenticator with an empty Realm uses.
const DefaultRealm = "rtspkit"

// Authenticator checks the credentials of RTSP requests (RFC 2326 §12.5)
// for one realm. The zero value plus a user is usable:
//
//	auth := &auth.Authenticator{Username: "admin", Password: "secret"}
//	user, err := auth.Verify(method, requestURI, authorizationHeader)
//	switch {
//	case err == nil:
//		// serve the request as user
//	case errors.Is(err, auth.ErrStale):
//		// 401, one WWW-Authenticate header per auth.Challenges(true)
//	default:
//		// 401, one WWW-Authenticate header per auth.Challenges(false)
//	}
//
// Nonces are stateless: each carries its issue time and an HMAC-SHA256 of
// it under a secret drawn at random on first use, so one Authenticator
// serves any number of clients without memory per client, and refuses
// nonces minted by another Authenticator (or before a restart: clients then
// get a 401 and answer the new challenge). Because nonce counts are not
// tracked, captured credentials can be replayed until their nonce expires;
// keep NonceLifetime short where that matters. An Authenticator is safe for
// concurrent use and must not be copied after first use.
//
// Verify does not slow down password guessing; the caller should. Count
// ErrInvalid per client address (Backoff does, in bounded memory),
// delay the 401 by the returned time, and close the connection of a client
// that keeps failing. ErrMissing and ErrStale are not failures:
// they are the normal first round trip and nonce renewal.
type Authenticator struct {
	// Realm is sent in challenges and hashed into Digest credentials;
	// DefaultRealm when empty. It must not contain control characters.
	Realm string
	// Lookup returns the password of user and whether the user exists.
	// When nil, the single user Username/Password is accepted.
	Lookup func(user string) (password string, ok bool)
	// Username and Password are the single accepted user when Lookup is nil.
	// With neither set, every request is refused.
	Username string
	Password string
	// Methods selects the accepted schemes; DefaultMethods when zero.
	Methods Methods
	// NonceLifetime bounds a nonce's age; DefaultNonceLifetime when zero.
	NonceLifetime time.Duration

	once   sync.Once
	secret [32]byte
	now    func() time.Time // the clock; time.Now when nil (tests inject one)
}

// init draws the nonce secret on first use.
func (a *Authenticator) init() {
	a.once.Do(func() { rand.Read(a.secret[:]) })
}

func (a *Authenticator) realm() string {
	if a.Realm == "" {
		return DefaultRealm
	}
	return a.Realm
}

func (a *Authenticator) methods() Methods {
	if a.Methods == 0 {
		return DefaultMethods
	}
	return a.Methods
}

func (a *Authenticator) lifetime() time.Duration {
	if a.NonceLifetime <= 0 {
		return DefaultNonceLifetime
	}
	return a.NonceLifetime
}

func (a *Authenticator) clock() time.Time {
	if a.now != nil {
		return a.now()
	}
	return time.Now()
}

// Challenges returns the WWW-Authenticate values to send, one header each,
// with a 401 response: Digest SHA-256, then Digest MD5, then Basic, as
// allowed by Methods, each Digest one with a fresh nonce and qop="auth".
// Pass stale=true when Verify returned ErrStale (RFC 7616 §3.3).
//
// The order matters beyond preference (RFC 7616 §3.7): clients that take
// the first Digest challenge they support pick SHA-256, while ffmpeg and
// live555 (VLC, NVRs: RTSPClient::handleAuthenticationFailure keeps the
// last WWW-Authenticate: Digest header), which keep the last Digest
// challenge they see and speak only MD5, still find MD5 last.
func (a *Authenticator) Challenges(stale bool) []string {
	a.init()
	m := a.methods()
	now := a.clock()
	out := make([]string, 0, 3)
	for _, alg := range [...]struct {
		method Methods
		name   string
	}{{MethodDigestSHA256, DigestSHA256}, {MethodDigestMD5, DigestMD5}} {
		if m&alg.method == 0 {
			continue
		}
		out = append(out, Challenge{
			Scheme:    SchemeDigest,
			Realm:     a.realm(),
			Nonce:     a.newNonce(now),
			Algorithm: alg.name,
			QOP:       []string{"auth"},
			Stale:     stale,
		}.String())
	}
	if m&MethodBasic != 0 {
		out = append(out, Challenge{Scheme: SchemeBasic, Realm: a.realm()}.String())
	}
	return out
}

// Verify checks the Authorization header value of a request with the given
// method and Request-URI and returns the authenticated user name. It returns
// ErrMissing when authorization is empty, ErrStale when Digest
// credentials are right but their nonce has expired, and ErrInvalid
// (possibly wrapping the reason) for everything else: wrong user or
// password, another realm, a nonce this Authenticator did not mint, a
// digest-uri naming another resource than uri (then err also matches
// ErrURIMismatch), a scheme or algorithm not in
// Methods, malformed values. The user name is empty whenever err is not nil.
//
// Digest credentials with qop=auth and RFC 2069 credentials without qop
// (live555-based players such as VLC send these) are both accepted; the
// digest-uri may be the absolute URL (ffmpeg, GStreamer) or the path.
// Passwords and responses are compared in constant time, and an unknown
// user costs the same hashing as a known one.
func (a *Authenticator) Verify(method, uri, authorization string) (string, error) {
	return a.VerifyIn(method, uri, "", authorization)
}

// VerifyIn is Verify for a request inside a presentation whose aggregate
// URL is base (rtsp://host/name for a mount "name"; "" is Verify): Digest
// credentials whose digest-uri names base are also accepted for any
// Request-URI at or under base, because live555-based players (VLC, NVRs)
// compute every digest over their base URL, the Content-Base of DESCRIBE's
// answer, even for SETUP of a track.
func (a *Authenticator) VerifyIn(method, uri, base, authorization string) (string, error) {
	a.init()
	v := strings.Trim(authorization, " \t")
	if v == "" {
		return "", ErrMissing
	}
	cred, err := ParseAuthorization(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch cred.Scheme {
	case SchemeBasic:
		return a.verifyBasic(&cred)
	case SchemeDigest:
		return a.verifyDigest(method, uri, base, &cred)
	}
	return "", ErrInvalid // unreachable: ParseAuthorization knows two schemes
}

// password returns the password of user and whether the user exists.
func (a *Authenticator) password(user string) (string, bool) {
	if a.Lookup != nil {
		return a.Lookup(user)
	}
	if a.Username == "" {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(user), []byte(a.Username)) != 1 {
		return "", false
	}
	return a.Password, true
}

// verifyBasic checks Basic credentials (RFC 7617).
func (a *Authenticator) verifyBasic(cred *Authorization) (string, error) {
	if a.methods()&MethodBasic == 0 {
		return "", fmt.Errorf("%w: Basic not allowed", ErrInvalid)
	}
	want, known := a.password(cred.Username)
	// Hashing first makes the comparison constant-time in the lengths too.
	w := sha256.Sum256([]byte(want))
	g := sha256.Sum256([]byte(cred.Password))
	if subtle.ConstantTimeCompare(w[:], g[:]) != 1 || !known {
		return "", fmt.Errorf("%w: wrong user name or password", ErrInvalid)
	}
	return cred.Username, nil
}

// verifyDigest checks Digest credentials (RFC 7616 §3.4, RFC 2069 §2.1.2).
func (a *Authenticator) verifyDigest(method, uri, base string, cred *Authorization) (string, error) {
	alg, ok := authDigestAlgorithm(cred.Algorithm)
	if !ok {
		return "", fmt.Errorf("%w: algorithm %q", ErrInvalid, cred.Algorithm)
	}
	m := a.methods()
	switch {
	case alg.name == DigestSHA256 && m&MethodDigestSHA256 != 0:
	case alg.name == DigestMD5 && m&MethodDigestMD5 != 0:
	default:
		// -sess and SHA-512-256 are never offered by Challenges.
		return "", fmt.Errorf("%w: algorithm %q not allowed", ErrInvalid, cred.Algorithm)
	}
	if cred.Userhash {
		return "", fmt.Errorf("%w: userhash not offered", ErrInvalid)
	}
	switch {
	case cred.QOP == "":
	case strings.EqualFold(cred.QOP, "auth"):
		if cred.NC == "" || cred.CNonce == "" {
			return "", fmt.Errorf("%w: qop without nc or cnonce", ErrInvalid)
		}
	default:
		return "", fmt.Errorf("%w: qop %q not offered", ErrInvalid, cred.QOP)
	}
	if cred.Realm != a.realm() {
		return "", fmt.Errorf("%w: realm %q", ErrInvalid, cred.Realm)
	}
	if !authURIMatch(cred.URI, uri, base) {
		return "", fmt.Errorf("%w: %w: %q vs %q", ErrInvalid, ErrURIMismatch, cred.URI, uri)
	}
	status := a.checkNonce(cred.Nonce, a.clock(), a.lifetime())
	if status == authNonceBad {
		return "", fmt.Errorf("%w: nonce not issued by this server", ErrInvalid)
	}
	password, known := a.password(cred.Username)
	want, err := cred.DigestResponse(method, password)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	// Hex digits may arrive in upper case; the digest is lower case.
	got := strings.ToLower(cred.Response)
	if subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 || !known {
		return "", fmt.Errorf("%w: wrong user name or password", ErrInvalid)
	}
	if status == authNonceStale {
		// Right credentials, old nonce: RFC 7616 §3.3 stale=true.
		return "", ErrStale
	}
	return cred.Username, nil
}
