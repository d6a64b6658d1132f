package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// authTestClock is a settable clock for Authenticator and Backoff.
type authTestClock struct{ t time.Time }

func (c *authTestClock) now() time.Time { return c.t }

func newTestAuthenticator(clock *authTestClock, methods Methods) *Authenticator {
	users := map[string]string{"admin": "secret", "viewer": "pa:ss wörd"}
	return &Authenticator{
		Realm: "cam",
		Lookup: func(u string) (string, bool) {
			p, ok := users[u]
			return p, ok
		},
		Methods: methods,
		now:     clock.now,
	}
}

// authTestDigest answers the challenge of a that uses algorithm alg.
func authTestDigest(t *testing.T, a *Authenticator, alg, user, pass, method, uri string) Authorization {
	t.Helper()
	for _, v := range a.Challenges(false) {
		c, err := ParseChallenge(v)
		require.NoError(t, err)
		if c.Scheme == SchemeDigest && c.Algorithm == alg {
			cred, err := AnswerChallenge(c, user, pass, method, uri, "0a4f113b", 1)
			require.NoError(t, err)
			return cred
		}
	}
	t.Fatalf("no %s challenge", alg)
	return Authorization{}
}

func TestAuthenticatorChallenges(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	a := newTestAuthenticator(clock, MethodDigestSHA256|MethodDigestMD5|MethodBasic)
	vs := a.Challenges(false)
	require.Len(t, vs, 3)
	var nonces []string
	for i, want := range []string{DigestSHA256, DigestMD5} {
		c, err := ParseChallenge(vs[i])
		require.NoError(t, err)
		require.Equal(t, SchemeDigest, c.Scheme)
		require.Equal(t, "cam", c.Realm)
		require.Equal(t, want, c.Algorithm)
		require.Equal(t, []string{"auth"}, c.QOP)
		require.False(t, c.Stale)
		require.Len(t, c.Nonce, 43)
		nonces = append(nonces, c.Nonce)
	}
	require.NotEqual(t, nonces[0], nonces[1], "each challenge has its own nonce")
	require.Equal(t, `Basic realm="cam"`, vs[2])

	for _, v := range a.Challenges(true)[:2] {
		c, err := ParseChallenge(v)
		require.NoError(t, err)
		require.True(t, c.Stale)
	}

	// Zero value: default realm, Digest only.
	var z Authenticator
	vs = z.Challenges(false)
	require.Len(t, vs, 2)
	require.Contains(t, vs[0], `realm="rtspkit"`)
	require.Contains(t, vs[0], "algorithm=SHA-256")
	require.Contains(t, vs[1], "algorithm=MD5")

	// Basic only.
	b := &Authenticator{Methods: MethodBasic}
	require.Equal(t, []string{`Basic realm="rtspkit"`}, b.Challenges(false))
}

func TestAuthenticatorVerifyDigest(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	a := newTestAuthenticator(clock, 0)
	const uri = "rtsp://192.168.1.10:554/live/main"

	for _, alg := range []string{DigestSHA256, DigestMD5} {
		t.Run(alg, func(t *testing.T) {
			good := authTestDigest(t, a, alg, "admin", "secret", "DESCRIBE", uri)
			user, err := a.Verify("DESCRIBE", uri, good.String())
			require.NoError(t, err)
			require.Equal(t, "admin", user)

			// A user whose password has a colon and non-ASCII characters.
			v := authTestDigest(t, a, alg, "viewer", "pa:ss wörd", "PLAY", uri)
			user, err = a.Verify("PLAY", uri, v.String())
			require.NoError(t, err)
			require.Equal(t, "viewer", user)

			// Upper-case hex is the same digest.
			up := good
			up.Response = strings.ToUpper(up.Response)
			_, err = a.Verify("DESCRIBE", uri, up.String())
			require.NoError(t, err)

			// RFC 2069 form without qop (live555, VLC).
			legacy := good
			legacy.QOP, legacy.NC, legacy.CNonce = "", "", ""
			legacy.Response, err = legacy.DigestResponse("DESCRIBE", "secret")
			require.NoError(t, err)
			user, err = a.Verify("DESCRIBE", uri, legacy.String())
			require.NoError(t, err)
			require.Equal(t, "admin", user)

			invalid := map[string]string{
				"wrong password": authTestDigest(t, a, alg, "admin", "Secret", "DESCRIBE", uri).String(),
				"wrong user":     authTestDigest(t, a, alg, "root", "secret", "DESCRIBE", uri).String(),
				"wrong method":   authTestDigest(t, a, alg, "admin", "secret", "PLAY", uri).String(),
				"wrong uri":      authTestDigest(t, a, alg, "admin", "secret", "DESCRIBE", "rtsp://192.168.1.10/live/sub").String(),
			}
			// Fields changed after the response was computed.
			mutate := func(name string, f func(*Authorization)) {
				c := good
				f(&c)
				invalid[name] = c.String()
			}
			mutate("tampered nonce", func(c *Authorization) {
				b := []byte(c.Nonce)
				b[10] ^= 1
				c.Nonce = string(b)
			})
			mutate("tampered nonce, response recomputed", func(c *Authorization) {
				b := []byte(c.Nonce)
				b[0] = 'A' + (b[0]+1-'A')%26
				c.Nonce = string(b)
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("forged nonce", func(c *Authorization) {
				c.Nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("nonce cut", func(c *Authorization) {
				c.Nonce = c.Nonce[:42]
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("wrong realm", func(c *Authorization) {
				c.Realm = "other"
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("uri for another stream", func(c *Authorization) {
				c.URI = "/live/sub"
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("tampered nc", func(c *Authorization) { c.NC = "00000002" })
			mutate("tampered cnonce", func(c *Authorization) { c.CNonce = "x" })
			mutate("qop without nc", func(c *Authorization) {
				c.NC = ""
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("qop auth-int", func(c *Authorization) { c.QOP = "auth-int" })
			mutate("algorithm swapped", func(c *Authorization) {
				if c.Algorithm == DigestMD5 {
					c.Algorithm = DigestSHA256
				} else {
					c.Algorithm = DigestMD5
				}
			})
			mutate("-sess not offered", func(c *Authorization) {
				c.Algorithm += "-sess"
				c.Response, _ = c.DigestResponse("DESCRIBE", "secret")
			})
			mutate("unknown algorithm", func(c *Authorization) { c.Algorithm = "SHA-1" })
			mutate("userhash", func(c *Authorization) { c.Userhash = true })
			mutate("empty response", func(c *Authorization) { c.Response = "" })
			for name, v := range invalid {
				user, err := a.Verify("DESCRIBE", uri, v)
				require.ErrorIs(t, err, ErrInvalid, name)
				require.Equal(t, strings.Contains(name, "uri"), errors.Is(err, ErrURIMismatch), name)
				require.Empty(t, user, name)
			}
		})
	}
}

func TestAuthenticatorVerifyNonceLifetime(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	a := newTestAuthenticator(clock, 0)
	a.NonceLifetime = time.Minute
	const uri = "rtsp://cam/s"
	good := authTestDigest(t, a, DigestSHA256, "admin", "secret", "PLAY", uri).String()
	bad := authTestDigest(t, a, DigestSHA256, "admin", "wrong", "PLAY", uri).String()

	clock.t = clock.t.Add(time.Minute)
	_, err := a.Verify("PLAY", uri, good)
	require.NoError(t, err, "valid up to the lifetime")

	clock.t = clock.t.Add(time.Second)
	user, err := a.Verify("PLAY", uri, good)
	require.ErrorIs(t, err, ErrStale)
	require.NotErrorIs(t, err, ErrInvalid)
	require.Empty(t, user)
	_, err = a.Verify("PLAY", uri, bad)
	require.ErrorIs(t, err, ErrInvalid, "stale only when the credentials are right")

	// A clock that went back makes nonces stale, not invalid.
	clock.t = time.Unix(1_600_000_000, 0)
	_, err = a.Verify("PLAY", uri, good)
	require.ErrorIs(t, err, ErrStale)

	// The default lifetime is five minutes.
	clock.t = time.Unix(1_700_000_000, 0)
	d := newTestAuthenticator(clock, 0)
	v := authTestDigest(t, d, DigestMD5, "admin", "secret", "PLAY", uri).String()
	clock.t = clock.t.Add(DefaultNonceLifetime)
	_, err = d.Verify("PLAY", uri, v)
	require.NoError(t, err)
	clock.t = clock.t.Add(time.Nanosecond)
	_, err = d.Verify("PLAY", uri, v)
	require.ErrorIs(t, err, ErrStale)
}

func TestAuthenticatorNonceFromAnotherServer(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	a := newTestAuthenticator(clock, 0)
	b := newTestAuthenticator(clock, 0) // same realm and users, other secret
	v := authTestDigest(t, b, DigestSHA256, "admin", "secret", "PLAY", "/s").String()
	_, err := b.Verify("PLAY", "/s", v)
	require.NoError(t, err)
	_, err = a.Verify("PLAY", "/s", v)
	require.ErrorIs(t, err, ErrInvalid)
}

func TestAuthenticatorVerifyBasic(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	a := newTestAuthenticator(clock, MethodBasic|MethodDigestMD5)
	basic := func(u, p string) string {
		return Authorization{Scheme: SchemeBasic, Username: u, Password: p}.String()
	}
	user, err := a.Verify("OPTIONS", "*", basic("admin", "secret"))
	require.NoError(t, err)
	require.Equal(t, "admin", user)
	user, err = a.Verify("OPTIONS", "*", basic("viewer", "pa:ss wörd"))
	require.NoError(t, err)
	require.Equal(t, "viewer", user)

	for _, v := range []string{
		basic("admin", "secret "),
		basic("admin", ""),
		basic("root", "secret"),
		basic("", ""),
		"Basic YWRtaW4=", // no colon
	} {
		_, err := a.Verify("OPTIONS", "*", v)
		require.ErrorIs(t, err, ErrInvalid, v)
	}

	// Basic refused unless allowed.
	d := newTestAuthenticator(clock, 0)
	_, err = d.Verify("OPTIONS", "*", basic("admin", "secret"))
	require.ErrorIs(t, err, ErrInvalid)
}

func TestAuthenticatorSingleUser(t *testing.T) {
	a := &Authenticator{Username: "admin", Password: "secret", Methods: MethodBasic}
	user, err := a.Verify("OPTIONS", "*", "Basic YWRtaW46c2VjcmV0")
	require.NoError(t, err)
	require.Equal(t, "admin", user)
	_, err = a.Verify("OPTIONS", "*", Authorization{Scheme: SchemeBasic, Username: "admin2", Password: "secret"}.String())
	require.ErrorIs(t, err, ErrInvalid)

	// No user configured: nothing passes, not even an empty name.
	n := &Authenticator{Methods: MethodBasic}
	_, err = n.Verify("OPTIONS", "*", "Basic Og==") // ":"
	require.ErrorIs(t, err, ErrInvalid)
}

func TestAuthenticatorVerifyMissingAndGarbage(t *testing.T) {
	a := &Authenticator{Username: "admin", Password: "secret"}
	for _, v := range []string{"", "  ", "\t"} {
		_, err := a.Verify("DESCRIBE", "/s", v)
		require.ErrorIs(t, err, ErrMissing)
	}
	for _, v := range []string{
		"garbage",
		"Digest",
		`Digest username="admin"`,
		`Digest username="admin", realm="rtspkit", nonce="", uri="/s", response=""`,
		"Bearer abc",
		`Digest realm="unterminated`,
		"\x00\xff\xfe",
		"Basic " + strings.Repeat("A", 10000),
		`Digest username="admin", realm="rtspkit", nonce="` + strings.Repeat("A", 43) + `", uri="/s", response="00"`,
	} {
		_, err := a.Verify("DESCRIBE", "/s", v)
		require.ErrorIs(t, err, ErrInvalid, "%q", v)
	}
}

func TestAuthURIMatch(t *testing.T) {
	tests := []struct {
		digest, request string
		want            bool
	}{
		{"rtsp://h/s", "rtsp://h/s", true},
		{"*", "*", true},
		{"rtsp://10.0.0.1:554/live", "/live", true},                // ffmpeg vs path
		{"/live", "rtsp://10.0.0.1:554/live", true},                // path vs absolute
		{"rtsp://10.0.0.1/live", "rtsp://10.0.0.1:554/live", true}, // default port
		{"rtsps://h:322/live", "rtsps://h/live", true},
		{"rtsp://CAM.local/live", "rtsp://cam.local/live", true},
		{"rtsp://h/live/", "rtsp://h/live", true}, // trailing slash
		{"rtsp://h", "rtsp://h/", true},
		{"rtsp://h/live%20one", "rtsp://h/live one", true},
		{"rtsp://[::1]:554/live", "rtsp://[::1]/live", true},
		{"rtsp://h/live?a=1", "/live?a=1", true},
		{"rtsp://h/live?a=1", "/live?a=2", false},
		{"rtsp://h/live", "rtsp://h/live?a=1", false},
		{"rtsp://h/live", "rtsp://h/sub", false},
		{"rtsp://h/live", "rtsp://other/live", false},
		{"rtsp://h:8554/live", "rtsp://h/live", false},
		{"rtsp://h/live/trackID=0", "rtsp://h/live", false},
		{"*", "/", false},
		{"", "/", false},
		{"live", "/live", false},
		{"rtsp:/live", "/live", false},
		{"rtsp://u:p@h/live", "/live", false},
		{"rtsp://h/%zz", "/%zz", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, authURIMatch(tt.digest, tt.request, ""), "%q vs %q", tt.digest, tt.request)
	}
}

// TestAuthURIMatchBase covers the presentation base that live555 puts in
// every digest-uri (its Content-Base), and that it opens nothing else.
func TestAuthURIMatchBase(t *testing.T) {
	tests := []struct {
		digest, request, base string
		want                  bool
	}{
		// live555's SETUP and PLAY after DESCRIBE.
		{"rtsp://h:8554/test/", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", true},
		{"rtsp://h:8554/test/", "rtsp://h:8554/test/", "rtsp://h:8554/test", true},
		{"rtsp://h:8554/test", "rtsp://h:8554/test/trackID=1", "rtsp://h:8554/test", true},
		{"/test/", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", true},
		{"rtsp://H:8554/test/", "/test/trackID=0", "rtsp://h:8554/test", true},
		// Without a base, the track still needs its own digest-uri.
		{"rtsp://h:8554/test/", "rtsp://h:8554/test/trackID=0", "", false},
		// The base opens only what is under it, at a "/" boundary.
		{"rtsp://h:8554/test/", "rtsp://h:8554/testing/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/test/", "rtsp://h:8554/other/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/test/", "rtsp://h:8554/other", "rtsp://h:8554/other", false},
		{"rtsp://h:8554/other/", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/", "rtsp://h:8554/test", "rtsp://h:8554/", false},
		{"rtsp://h:8554/test/trackID=1", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://x:8554/test/", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/test/?a=1", "rtsp://h:8554/test/trackID=0", "rtsp://h:8554/test", false},
		{"rtsp://h:8554/test/", "rtsp://h:8554/test/trackID=0", "bad base%zz", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, authURIMatch(tt.digest, tt.request, tt.base), "%q vs %q in %q", tt.digest, tt.request, tt.base)
	}
}

// TestAuthenticatorVerifyInLive555 signs SETUP of a track over the base
// URL, as live555 does, and checks VerifyIn accepts it where Verify does
// not.
func TestAuthenticatorVerifyInLive555(t *testing.T) {
	a := &Authenticator{Username: "u", Password: "p"}
	ch, err := ParseChallenges(a.Challenges(false)[1]) // MD5, what live555 speaks
	require.NoError(t, err)
	cred := Authorization{Scheme: SchemeDigest, Username: "u", Realm: ch[0].Realm, Nonce: ch[0].Nonce, URI: "rtsp://127.0.0.1:8554/test/"}
	cred.Response, err = cred.DigestResponse("SETUP", "p")
	require.NoError(t, err)
	track := "rtsp://127.0.0.1:8554/test/trackID=0"
	_, err = a.Verify("SETUP", track, cred.String())
	require.ErrorIs(t, err, ErrURIMismatch)
	user, err := a.VerifyIn("SETUP", track, "rtsp://127.0.0.1:8554/test", cred.String())
	require.NoError(t, err)
	require.Equal(t, "u", user)
	_, err = a.VerifyIn("SETUP", "rtsp://127.0.0.1:8554/private/trackID=0", "rtsp://127.0.0.1:8554/private", cred.String())
	require.ErrorIs(t, err, ErrURIMismatch)
}

func TestAuthenticatorConcurrent(t *testing.T) {
	a := &Authenticator{Username: "admin", Password: "secret"}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			c := &Client{Username: "admin", Password: "secret"}
			if err := c.HandleChallenges(a.Challenges(false)); err != nil {
				errs <- err
				return
			}
			for range 20 {
				v, err := c.Authorize("PLAY", "/live")
				if err == nil {
					_, err = a.Verify("PLAY", "/live", v)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
}
