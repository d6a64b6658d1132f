package auth

import (
	"crypto/md5" // Digest MD5 is what most RTSP players speak (RFC 2617).
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// authAlgorithm describes one Digest algorithm (RFC 7616 §3.3, §6.1).
type authAlgorithm struct {
	name string
	new  func() hash.Hash
	sess bool
	rank int // preference when several are offered; higher is stronger
}

var authAlgorithms = [...]authAlgorithm{
	{DigestMD5, md5.New, false, 2},
	{DigestMD5Sess, md5.New, true, 1},
	{DigestSHA256, sha256.New, false, 4},
	{DigestSHA256Sess, sha256.New, true, 3},
	{DigestSHA512256, sha512.New512_256, false, 6},
	{DigestSHA512256Sess, sha512.New512_256, true, 5},
}

// authDigestAlgorithm looks up an algorithm name case-insensitively; ""
// means MD5 (RFC 7616 §3.3).
func authDigestAlgorithm(name string) (authAlgorithm, bool) {
	if name == "" {
		return authAlgorithms[0], true
	}
	for _, a := range authAlgorithms {
		if strings.EqualFold(a.name, name) {
			return a, true
		}
	}
	return authAlgorithm{}, false
}

// hex returns the lower-case hex digest of the parts joined by ":", the
// H() and KD() of RFC 7616 §3.4.
func (a *authAlgorithm) hex(parts ...string) string {
	h := a.new()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(p))
	}
	var sum [64]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// DigestResponse computes the request-digest (RFC 7616 §3.4.1) that
// Digest credentials a carry for a request with the given method, when the
// user's password is password. It reads a.Algorithm, a.Username, a.Realm,
// a.Nonce, a.URI and, with qop, a.QOP, a.NC and a.CNonce:
//
//	HA1 = H(username ":" realm ":" password)
//	HA1 = H(HA1 ":" nonce ":" cnonce)                        for -sess
//	HA2 = H(method ":" uri)                                  for qop=auth or none
//	response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)  with qop
//	response = H(HA1 ":" nonce ":" HA2)                      without (RFC 2069)
//
// The uri is a.URI exactly as sent, which is why the server hashes the
// value from the header and compares it to the Request-URI separately.
// qop=auth-int (which hashes the body) and userhash are not supported.
func (a *Authorization) DigestResponse(method, password string) (string, error) {
	alg, ok := authDigestAlgorithm(a.Algorithm)
	if !ok {
		return "", fmt.Errorf("%w: algorithm %q", ErrUnsupported, a.Algorithm)
	}
	if a.Userhash {
		return "", fmt.Errorf("%w: userhash", ErrUnsupported)
	}
	qop := a.QOP
	switch {
	case qop == "":
	case strings.EqualFold(qop, "auth"):
	default:
		return "", fmt.Errorf("%w: qop %q", ErrUnsupported, qop)
	}
	ha1 := alg.hex(a.Username, a.Realm, password)
	if alg.sess {
		ha1 = alg.hex(ha1, a.Nonce, a.CNonce)
	}
	ha2 := alg.hex(method, a.URI)
	if qop == "" {
		return alg.hex(ha1, a.Nonce, ha2), nil
	}
	return alg.hex(ha1, a.Nonce, a.NC, a.CNonce, qop, ha2), nil
}
