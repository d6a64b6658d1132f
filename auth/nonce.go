package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// A server nonce is stateless: it carries its own issue time and proves it
// was minted by this Authenticator with an HMAC under a random secret, so the
// server keeps no table of nonces, a nonce from another server or a forged or
// altered one is rejected, and expiry is a comparison (RFC 7616 §5.4 suggests
// a time stamp and a private key in the nonce).
//
//	nonce = base64url( time (8, Unix ns) | random (8) | HMAC-SHA256(secret, time | random)[:16] )
//
// The price of statelessness is that a captured nonce and response can be
// replayed until the nonce expires; nc is not tracked. Keep NonceLifetime
// short and use RTSPS where replay matters.
const (
	authNonceTimeLen = 8
	authNonceRandLen = 8
	authNonceMACLen  = 16
	authNonceLen     = authNonceTimeLen + authNonceRandLen + authNonceMACLen
)

// authNonceEncoding is strict so that each nonce has exactly one spelling.
var authNonceEncoding = base64.RawURLEncoding.Strict()

// authNonceStatus is the outcome of checking a nonce.
type authNonceStatus int

const (
	authNonceBad   authNonceStatus = iota // not minted by this Authenticator
	authNonceFresh                        // minted here, not expired
	authNonceStale                        // minted here, expired
)

// newNonce mints a nonce stamped with time t.
func (a *Authenticator) newNonce(t time.Time) string {
	var b [authNonceLen]byte
	binary.BigEndian.PutUint64(b[:authNonceTimeLen], uint64(t.UnixNano()))
	rand.Read(b[authNonceTimeLen : authNonceTimeLen+authNonceRandLen])
	mac := a.nonceMAC(b[:authNonceTimeLen+authNonceRandLen])
	copy(b[authNonceTimeLen+authNonceRandLen:], mac[:authNonceMACLen])
	return authNonceEncoding.EncodeToString(b[:])
}

// nonceMAC is the HMAC of a nonce's time and random parts.
func (a *Authenticator) nonceMAC(msg []byte) []byte {
	m := hmac.New(sha256.New, a.secret[:])
	m.Write(msg)
	return m.Sum(nil)
}

// checkNonce tells whether nonce was minted by a and whether it has
// expired at time now, given the lifetime.
func (a *Authenticator) checkNonce(nonce string, now time.Time, lifetime time.Duration) authNonceStatus {
	if len(nonce) != authNonceEncoding.EncodedLen(authNonceLen) {
		return authNonceBad
	}
	var b [authNonceLen]byte
	n, err := authNonceEncoding.Decode(b[:], []byte(nonce))
	if err != nil || n != authNonceLen {
		return authNonceBad
	}
	mac := a.nonceMAC(b[:authNonceTimeLen+authNonceRandLen])
	if !hmac.Equal(mac[:authNonceMACLen], b[authNonceTimeLen+authNonceRandLen:]) {
		return authNonceBad
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:authNonceTimeLen])))
	age := now.Sub(issued)
	// A nonce from the future means the wall clock went back: treat it as
	// stale so that the client fetches a new one instead of failing.
	if age < 0 || age > lifetime {
		return authNonceStale
	}
	return authNonceFresh
}
