// Package auth is RTSP's authentication, which RTSP reuses from HTTP
// unchanged (RFC 2326 §12.5, §12.44): a server answers 401 with one or
// more WWW-Authenticate challenges and the client repeats the request with
// an Authorization header. It implements the Basic (RFC 7617) and Digest
// (RFC 7616, RFC 2617, and the RFC 2069 form without qop that
// live555-based players still send) schemes: parsing and formatting both
// headers (Challenge, Authorization), the Digest computation
// (Authorization.DigestResponse), a client that answers challenges
// (Client), a server-side verifier with stateless nonces (Authenticator),
// and a backoff for repeated wrong credentials (Backoff). It knows nothing
// of RTSP messages: the rtsp, client and server packages hand it header
// values, methods and URIs.
package auth

import "errors"

// Authentication scheme names, as this package spells them after parsing
// (scheme names are case-insensitive, RFC 7235 §2.1).
const (
	SchemeBasic  = "Basic"
	SchemeDigest = "Digest"
)

// Digest algorithm names (RFC 7616 §3.3, §6.1). An empty algorithm means MD5.
// The "-sess" variants mix the server nonce and client nonce into HA1.
const (
	DigestMD5           = "MD5"
	DigestMD5Sess       = "MD5-sess"
	DigestSHA256        = "SHA-256"
	DigestSHA256Sess    = "SHA-256-sess"
	DigestSHA512256     = "SHA-512-256"
	DigestSHA512256Sess = "SHA-512-256-sess"
)

// Errors of the authentication code. Verify returns ErrMissing,
// ErrInvalid or ErrStale; the parsers wrap ErrMalformed.
var (
	// ErrMissing means the request carried no Authorization header: the
	// server answers 401 with Authenticator.Challenges(false).
	ErrMissing = errors.New("auth: authorization missing")
	// ErrInvalid means the credentials are wrong, malformed, for another
	// realm or URI, or use a scheme or algorithm the server does not allow:
	// the server answers 401 with Authenticator.Challenges(false).
	ErrInvalid = errors.New("auth: authorization invalid")
	// ErrStale means the credentials are right but the nonce has expired:
	// the server answers 401 with Authenticator.Challenges(true) and the
	// client retries without asking the user again (RFC 7616 §3.3, stale).
	ErrStale = errors.New("auth: authorization nonce is stale")
	// ErrURIMismatch accompanies ErrInvalid (both match errors.Is)
	// when the digest-uri names another resource than the Request-URI.
	// RFC 2617 §3.2.2.5 and RFC 7616 §3.4.6 suggest 400 Bad Request for it
	// rather than 401.
	ErrURIMismatch = errors.New("auth: digest uri does not match request uri")
	// ErrMalformed means a WWW-Authenticate or Authorization value does
	// not follow the syntax of RFC 7235 §2.1.
	ErrMalformed = errors.New("auth: malformed authentication header")
	// ErrUnsupported means no offered challenge uses a scheme and
	// algorithm this package implements (or qop=auth-int alone is offered).
	ErrUnsupported = errors.New("auth: unsupported authentication scheme or algorithm")
	// ErrRejected means the server answered 401 again, without stale=true,
	// after the client sent credentials for its previous challenge: the user
	// name or password is wrong and retrying would loop.
	ErrRejected = errors.New("auth: credentials rejected")
)
