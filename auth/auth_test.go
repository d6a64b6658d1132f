package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The examples of RFC 7616 §3.9.1 and RFC 2617 §3.5.
const (
	rfc7616Nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
	rfc7616CNonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
	rfc7616Realm  = "http-auth@example.org"

	rfc2617Nonce  = "dcd98b7102dd2f0e8b11d0f600bfb0c093"
	rfc2617Opaque = "5ccc069c403ebaf9f0171e9517f40e41"
	rfc2617Realm  = "testrealm@host.com"
)

func TestParseChallenge(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Challenge
	}{
		{
			name: "RFC 7616 3.9.1",
			in: "Digest\r\n realm=\"http-auth@example.org\",\r\n qop=\"auth, auth-int\",\r\n" +
				" algorithm=SHA-256,\r\n nonce=\"" + rfc7616Nonce + "\",\r\n opaque=\"" + rfc7616Opaque + "\"",
			want: Challenge{Scheme: SchemeDigest, Realm: rfc7616Realm, QOP: []string{"auth", "auth-int"},
				Algorithm: DigestSHA256, Nonce: rfc7616Nonce, Opaque: rfc7616Opaque},
		},
		{
			name: "RFC 2617 3.5",
			in: `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="` + rfc2617Nonce +
				`", opaque="` + rfc2617Opaque + `"`,
			want: Challenge{Scheme: SchemeDigest, Realm: rfc2617Realm, QOP: []string{"auth", "auth-int"},
				Nonce: rfc2617Nonce, Opaque: rfc2617Opaque},
		},
		{
			name: "RFC 7617 Basic with charset",
			in:   `Basic realm="foo", charset="UTF-8"`,
			want: Challenge{Scheme: SchemeBasic, Realm: "foo", Charset: "UTF-8"},
		},
		{
			name: "camera: lower-case scheme, unquoted values, stale=TRUE",
			in:   `digest realm=IP Camera(C2183), nonce=4e54b7a2/9+x, stale=TRUE, algorithm=md5`,
			want: Challenge{Scheme: SchemeDigest, Realm: "IP Camera(C2183)", Nonce: "4e54b7a2/9+x", Stale: true, Algorithm: "md5"},
		},
		{
			name: "camera: comma inside quoted realm, bare qop token, spaces around =",
			in:   `Digest realm = "IP Camera(C1234), main" , qop=auth , nonce="n"`,
			want: Challenge{Scheme: SchemeDigest, Realm: "IP Camera(C1234), main", QOP: []string{"auth"}, Nonce: "n"},
		},
		{
			name: "missing commas after quoted values",
			in:   `Digest realm="r" nonce="n" stale=false`,
			want: Challenge{Scheme: SchemeDigest, Realm: "r", Nonce: "n"},
		},
		{
			name: "escapes, domain, userhash, unknown parameter dropped",
			in:   `Digest realm="a \"quoted\" \\ realm", domain="/a /b", nonce="n", userhash=true, foo=bar`,
			want: Challenge{Scheme: SchemeDigest, Realm: `a "quoted" \ realm`, Domain: "/a /b", Nonce: "n", Userhash: true},
		},
		{
			name: "empty qop elements skipped",
			in:   `Digest qop=", ,auth,", nonce="n"`,
			want: Challenge{Scheme: SchemeDigest, QOP: []string{"auth"}, Nonce: "n"},
		},
		{
			name: "other scheme with token68",
			in:   `Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXagMDAu==`,
			want: Challenge{Scheme: "Negotiate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// RFC 7230 §3.2.4: a header reader unfolds lines before we see them.
			in := strings.ReplaceAll(tt.in, "\r\n", "")
			got, err := ParseChallenge(in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			back, err := ParseChallenge(got.String())
			require.NoError(t, err)
			require.Equal(t, got, back, "round trip of %q", got.String())
		})
	}
}

func TestParseChallengesSeveralInOneValue(t *testing.T) {
	cs, err := ParseChallenges(`Digest realm="cam", nonce="a,b", algorithm=SHA-256, qop="auth", ` +
		`Digest realm="cam", nonce="c", algorithm=MD5, Basic realm="cam", Bearer`)
	require.NoError(t, err)
	require.Equal(t, []Challenge{
		{Scheme: SchemeDigest, Realm: "cam", Nonce: "a,b", Algorithm: DigestSHA256, QOP: []string{"auth"}},
		{Scheme: SchemeDigest, Realm: "cam", Nonce: "c", Algorithm: DigestMD5},
		{Scheme: SchemeBasic, Realm: "cam"},
		{Scheme: "Bearer"},
	}, cs)

	_, err = ParseChallenge(`Basic realm="a", Basic realm="b"`)
	require.ErrorIs(t, err, ErrMalformed)
}

func TestParseChallengeErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"  ,, ",
		`realm="x"`,                   // parameter before any scheme
		`Digest realm="x`,             // unterminated
		`Digest realm="x\`,            // unterminated escape
		`Digest realm="x", realm="y"`, // repeated (RFC 7235 §2.1)
		`Digest REALM="x", realm="y"`, // names are case-insensitive
		"Digest realm=\"a\nb\"",       // control character
		"Digest realm=a\x00b",
		`Digest realm=ab"c"`,
		`Digest "x"`,
		`Digest="x"`,
		`Basic abc==, realm="x"`, // parameter after token68
		"Digest" + strings.Repeat(", a=b", authMaxParams) + ", z=1",
		strings.Repeat("Basic, ", authMaxItems+1),
		`Digest ,realm="x", @`,
	} {
		_, err := ParseChallenges(in)
		require.ErrorIs(t, err, ErrMalformed, "input %q", in)
	}
}

func TestChallengeStringQuoting(t *testing.T) {
	c := Challenge{Scheme: SchemeDigest, Realm: "a\"b\\c\r\nd", Nonce: "n", Algorithm: "not a token", QOP: []string{"auth"}, Stale: true}
	s := c.String()
	require.Equal(t, `Digest realm="a\"b\\cd", nonce="n", stale=true, algorithm="not a token", qop="auth"`, s)
	require.NotContains(t, s, "\n")

	// A scheme that is not a token cannot split the header line either.
	require.Equal(t, `Digest realm="r"`, Challenge{Scheme: "Dig est\r\n", Realm: "r"}.String())
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Authorization
	}{
		{
			name: "RFC 2617 3.5",
			in: `Digest username="Mufasa", realm="testrealm@host.com", nonce="` + rfc2617Nonce + `", ` +
				`uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ` +
				`response="6629fae49393a05397450978507c4ef1", opaque="` + rfc2617Opaque + `"`,
			want: Authorization{Scheme: SchemeDigest, Username: "Mufasa", Realm: rfc2617Realm, Nonce: rfc2617Nonce,
				URI: "/dir/index.html", QOP: "auth", NC: "00000001", CNonce: "0a4f113b",
				Response: "6629fae49393a05397450978507c4ef1", Opaque: rfc2617Opaque},
		},
		{
			name: "RFC 7616 3.9.1 SHA-256",
			in: `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ` +
				`algorithm=SHA-256, nonce="` + rfc7616Nonce + `", nc=00000001, cnonce="` + rfc7616CNonce + `", ` +
				`qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", ` +
				`opaque="` + rfc7616Opaque + `"`,
			want: Authorization{Scheme: SchemeDigest, Username: "Mufasa", Realm: rfc7616Realm, URI: "/dir/index.html",
				Algorithm: DigestSHA256, Nonce: rfc7616Nonce, NC: "00000001", CNonce: rfc7616CNonce, QOP: "auth",
				Response: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", Opaque: rfc7616Opaque},
		},
		{
			name: "RFC 7616 3.9.2 username* and userhash=false",
			in:   `Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", userhash=false`,
			want: Authorization{Scheme: SchemeDigest, Username: "Jäsøn Doe", Realm: "api@example.org", URI: "/doe.json"},
		},
		{
			name: "RFC 7617 2 Basic",
			in:   "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
			want: Authorization{Scheme: SchemeBasic, Username: "Aladdin", Password: "open sesame"},
		},
		{
			name: "RFC 7617 2.1 Basic UTF-8",
			in:   "Basic dGVzdDoxMjPCow==",
			want: Authorization{Scheme: SchemeBasic, Username: "test", Password: "123£"},
		},
		{
			name: "Basic, colon in password",
			in:   "basic dGVzdDoxMjPCozpY",
			want: Authorization{Scheme: SchemeBasic, Username: "test", Password: "123£:X"},
		},
		{
			name: "Basic without padding, empty password",
			in:   "Basic dXNlcjo",
			want: Authorization{Scheme: SchemeBasic, Username: "user"},
		},
		{
			name: "live555 (RFC 2069, no qop)",
			in:   `Digest username="admin", realm="cam", nonce="abc", uri="rtsp://10.0.0.1:554/live", response="0123abcd"`,
			want: Authorization{Scheme: SchemeDigest, Username: "admin", Realm: "cam", Nonce: "abc",
				URI: "rtsp://10.0.0.1:554/live", Response: "0123abcd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAuthorization(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			back, err := ParseAuthorization(got.String())
			require.NoError(t, err)
			require.Equal(t, got, back, "round trip of %q", got.String())
		})
	}
}

func TestAuthorizationString(t *testing.T) {
	a := Authorization{Scheme: SchemeDigest, Username: "Mufasa", Realm: rfc7616Realm, URI: "/dir/index.html",
		Algorithm: DigestMD5, Nonce: rfc7616Nonce, NC: "00000001", CNonce: rfc7616CNonce, QOP: "auth",
		Response: "8ca523f5e9506fed4657c9700eebdbec", Opaque: rfc7616Opaque}
	// The form of RFC 7616 §3.9.1, parameters in our order; algorithm, qop
	// and nc unquoted (RFC 7616 §3.4).
	require.Equal(t, `Digest username="Mufasa", realm="http-auth@example.org", nonce="`+rfc7616Nonce+
		`", uri="/dir/index.html", algorithm=MD5, response="8ca523f5e9506fed4657c9700eebdbec", opaque="`+
		rfc7616Opaque+`", qop=auth, nc=00000001, cnonce="`+rfc7616CNonce+`"`, a.String())
	require.Equal(t, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		Authorization{Scheme: SchemeBasic, Username: "Aladdin", Password: "open sesame"}.String())
}

func TestParseAuthorizationErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrMalformed},
		{"Basic", ErrMalformed},
		{"Basic !!!!", ErrMalformed},
		{"Basic QWxhZGRpbg==", ErrMalformed}, // no colon
		{`Basic realm="x"`, ErrMalformed},
		{"Digest abc", ErrMalformed},
		{`Digest username="a", username*=UTF-8''b`, ErrMalformed},
		{`Digest username*=ISO-8859-1''b`, ErrMalformed},
		{`Digest username*=UTF-8''%0Aroot`, ErrMalformed},
		{`Digest username*=UTF-8''%4`, ErrMalformed},
		{`Digest username*=UTF-8''%zz`, ErrMalformed},
		{`Digest username*=UTF-8`, ErrMalformed},
		{`Digest username="a", Basic QQ==`, ErrMalformed},
		{`Digest username="a", nonce="b", nonce="c"`, ErrMalformed},
		{"Bearer abc", ErrUnsupported},
	}
	for _, tt := range tests {
		_, err := ParseAuthorization(tt.in)
		require.ErrorIs(t, err, tt.want, "input %q", tt.in)
	}
}

func TestDigestResponseRFCVectors(t *testing.T) {
	tests := []struct {
		name string
		a    Authorization
		pass string
		want string
	}{
		{
			// RFC 7616 §3.9.1, MD5.
			name: "RFC 7616 MD5",
			a: Authorization{Username: "Mufasa", Realm: rfc7616Realm, Nonce: rfc7616Nonce, URI: "/dir/index.html",
				Algorithm: DigestMD5, QOP: "auth", NC: "00000001", CNonce: rfc7616CNonce},
			pass: "Circle of Life",
			want: "8ca523f5e9506fed4657c9700eebdbec",
		},
		{
			// RFC 7616 §3.9.1, SHA-256.
			name: "RFC 7616 SHA-256",
			a: Authorization{Username: "Mufasa", Realm: rfc7616Realm, Nonce: rfc7616Nonce, URI: "/dir/index.html",
				Algorithm: DigestSHA256, QOP: "auth", NC: "00000001", CNonce: rfc7616CNonce},
			pass: "Circle of Life",
			want: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		},
		{
			// RFC 2617 §3.5: no algorithm (MD5), password with a capital O.
			name: "RFC 2617",
			a: Authorization{Username: "Mufasa", Realm: rfc2617Realm, Nonce: rfc2617Nonce, URI: "/dir/index.html",
				QOP: "auth", NC: "00000001", CNonce: "0a4f113b"},
			pass: "Circle Of Life",
			want: "6629fae49393a05397450978507c4ef1",
		},
		{
			// RFC 2069 §2.4 without qop, with the response corrected by the
			// RFC 2069 errata (the printed e966c932... is wrong).
			name: "RFC 2069 no qop",
			a:    Authorization{Username: "Mufasa", Realm: rfc2617Realm, Nonce: rfc2617Nonce, URI: "/dir/index.html"},
			pass: "CircleOfLife",
			want: "1949323746fe6a43ef61f9606e7febea",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.DigestResponse("GET", tt.pass)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			// The password, method and uri all matter.
			other, err := tt.a.DigestResponse("GET", tt.pass+"x")
			require.NoError(t, err)
			require.NotEqual(t, tt.want, other)
			other, err = tt.a.DigestResponse("POST", tt.pass)
			require.NoError(t, err)
			require.NotEqual(t, tt.want, other)
		})
	}
}

func TestDigestResponseSess(t *testing.T) {
	// -sess: HA1 = H(H(user:realm:pass):nonce:cnonce) (RFC 7616 §3.4.2).
	// No RFC publishes a -sess vector, so derive it from the plain
	// algorithm's building blocks.
	for _, name := range []string{DigestMD5Sess, DigestSHA256Sess, DigestSHA512256Sess} {
		alg, ok := authDigestAlgorithm(name)
		require.True(t, ok)
		a := Authorization{Username: "u", Realm: "r", Nonce: "n", URI: "/x", Algorithm: name, QOP: "auth", NC: "00000002", CNonce: "c"}
		got, err := a.DigestResponse("PLAY", "p")
		require.NoError(t, err)
		ha1 := alg.hex(alg.hex("u", "r", "p"), "n", "c")
		require.Equal(t, alg.hex(ha1, "n", "00000002", "c", "auth", alg.hex("PLAY", "/x")), got)
		require.Len(t, got, 2*alg.new().Size())
	}
	_, err := (&Authorization{Algorithm: "SHA-1"}).DigestResponse("GET", "p")
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = (&Authorization{QOP: "auth-int"}).DigestResponse("GET", "p")
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = (&Authorization{Userhash: true}).DigestResponse("GET", "p")
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestAnswerChallengeRFC7616(t *testing.T) {
	for _, tt := range []struct{ alg, want string }{
		{DigestMD5, "8ca523f5e9506fed4657c9700eebdbec"},
		{DigestSHA256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		c, err := ParseChallenge(`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=` + tt.alg +
			`, nonce="` + rfc7616Nonce + `", opaque="` + rfc7616Opaque + `"`)
		require.NoError(t, err)
		a, err := AnswerChallenge(c, "Mufasa", "Circle of Life", "GET", "/dir/index.html", rfc7616CNonce, 1)
		require.NoError(t, err)
		require.Equal(t, Authorization{Scheme: SchemeDigest, Username: "Mufasa", Realm: rfc7616Realm,
			URI: "/dir/index.html", Algorithm: tt.alg, Nonce: rfc7616Nonce, NC: "00000001", CNonce: rfc7616CNonce,
			QOP: "auth", Response: tt.want, Opaque: rfc7616Opaque}, a)
	}
}

func TestAnswerChallenge(t *testing.T) {
	basic := Challenge{Scheme: SchemeBasic, Realm: "r"}
	a, err := AnswerChallenge(basic, "Aladdin", "open sesame", "OPTIONS", "*", "", 0)
	require.NoError(t, err)
	require.Equal(t, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", a.String())

	// No qop offered: RFC 2069 form, no nc and no cnonce.
	legacy := Challenge{Scheme: SchemeDigest, Realm: rfc2617Realm, Nonce: rfc2617Nonce, Opaque: rfc2617Opaque}
	a, err = AnswerChallenge(legacy, "Mufasa", "CircleOfLife", "GET", "/dir/index.html", "ignored", 7)
	require.NoError(t, err)
	require.Equal(t, Authorization{Scheme: SchemeDigest, Username: "Mufasa", Realm: rfc2617Realm, Nonce: rfc2617Nonce,
		URI: "/dir/index.html", Opaque: rfc2617Opaque, Response: "1949323746fe6a43ef61f9606e7febea"}, a)

	// nc is 8 hex digits.
	c := Challenge{Scheme: SchemeDigest, Realm: "r", Nonce: "n", QOP: []string{"auth"}}
	a, err = AnswerChallenge(c, "u", "p", "PLAY", "rtsp://h/s", "cn", 0x1a)
	require.NoError(t, err)
	require.Equal(t, "0000001a", a.NC)

	for _, tt := range []struct {
		name string
		c    Challenge
		user string
		want error
	}{
		{"colon in Basic user", basic, "a:b", ErrMalformed},
		{"control character in user", c, "a\nb", ErrMalformed},
		{"auth-int only", Challenge{Scheme: SchemeDigest, Nonce: "n", QOP: []string{"auth-int"}}, "u", ErrUnsupported},
		{"unknown algorithm", Challenge{Scheme: SchemeDigest, Nonce: "n", Algorithm: "SHA-1"}, "u", ErrUnsupported},
		{"no nonce", Challenge{Scheme: SchemeDigest}, "u", ErrMalformed},
		{"other scheme", Challenge{Scheme: "Negotiate"}, "u", ErrUnsupported},
	} {
		_, err := AnswerChallenge(tt.c, tt.user, "p", "GET", "/", "cn", 1)
		require.ErrorIs(t, err, tt.want, tt.name)
	}
	_, err = AnswerChallenge(c, "u", "p", "GET", "/", "", 1)
	require.ErrorIs(t, err, ErrMalformed, "qop needs a cnonce")
}

func TestPickChallenge(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string // Scheme + " " + Algorithm
	}{
		{"SHA-256 over MD5 over Basic", []string{`Basic realm="r"`, `Digest realm="r", nonce="1", algorithm=MD5`,
			`Digest realm="r", nonce="2", algorithm=SHA-256`}, "Digest SHA-256"},
		{"default algorithm is MD5", []string{`Basic realm="r"`, `Digest realm="r", nonce="1"`}, "Digest "},
		{"MD5 over MD5-sess", []string{`Digest nonce="1", algorithm=MD5-sess`, `Digest nonce="2", algorithm=MD5`}, "Digest MD5"},
		{"unknown algorithm skipped", []string{`Digest nonce="1", algorithm=SHA3`, `Basic realm="r"`}, "Basic "},
		{"auth-int only skipped", []string{`Digest nonce="1", qop="auth-int"`, `Basic realm="r"`}, "Basic "},
		{"unparsable value skipped", []string{`Digest nonce="1`, `Basic realm="r"`}, "Basic "},
		{"several in one value", []string{`Basic realm="r", Digest nonce="1", algorithm=SHA-256`}, "Digest SHA-256"},
		{"first of equals wins", []string{`Digest nonce="1", algorithm=MD5`, `Digest nonce="2", algorithm=md5`}, "Digest MD5"},
	}
	for _, tt := range tests {
		c, err := PickChallenge(tt.values)
		require.NoError(t, err, tt.name)
		require.Equal(t, tt.want, c.Scheme+" "+c.Algorithm, tt.name)
	}
	_, err := PickChallenge([]string{`Negotiate`, `Digest nonce="1", algorithm=SHA3`, `garbage "`})
	require.ErrorIs(t, err, ErrUnsupported)
	_, err = PickChallenge(nil)
	require.ErrorIs(t, err, ErrUnsupported)
}

func TestClientAuth(t *testing.T) {
	c := &Client{Username: "Mufasa", Password: "Circle of Life"}
	v, err := c.Authorize("OPTIONS", "*")
	require.NoError(t, err)
	require.Empty(t, v, "no credentials before a challenge")

	require.NoError(t, c.HandleChallenges([]string{
		`Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"`,
		`Digest realm="r", nonce="n2", algorithm=MD5, qop="auth"`,
	}))
	var cnonce string
	for i, want := range []string{"00000001", "00000002", "00000003"} {
		v, err := c.Authorize("DESCRIBE", "rtsp://h/s")
		require.NoError(t, err)
		a, err := ParseAuthorization(v)
		require.NoError(t, err)
		require.Equal(t, "n1", a.Nonce)
		require.Equal(t, DigestSHA256, a.Algorithm)
		require.Equal(t, want, a.NC)
		require.NotEmpty(t, a.CNonce)
		if i == 0 {
			cnonce = a.CNonce
		}
		require.Equal(t, cnonce, a.CNonce, "one cnonce per challenge")
		resp, err := a.DigestResponse("DESCRIBE", "Circle of Life")
		require.NoError(t, err)
		require.Equal(t, resp, a.Response)
	}

	// Stale: new nonce, nc starts again.
	require.NoError(t, c.HandleChallenges([]string{`Digest realm="r", nonce="n3", algorithm=SHA-256, qop="auth", stale=true`}))
	v, err = c.Authorize("PLAY", "rtsp://h/s")
	require.NoError(t, err)
	a, err := ParseAuthorization(v)
	require.NoError(t, err)
	require.Equal(t, "n3", a.Nonce)
	require.Equal(t, "00000001", a.NC)

	// Not stale after credentials were sent: rejected, and no loop.
	err = c.HandleChallenges([]string{`Digest realm="r", nonce="n4", algorithm=SHA-256, qop="auth"`})
	require.ErrorIs(t, err, ErrRejected)
	v, err = c.Authorize("PLAY", "rtsp://h/s")
	require.NoError(t, err)
	require.Empty(t, v)

	// Unsupported challenges.
	require.ErrorIs(t, c.HandleChallenges([]string{"Negotiate"}), ErrUnsupported)

	// Two 401s in a row without a request in between are not a rejection.
	c2 := &Client{Username: "u", Password: "p"}
	require.NoError(t, c2.HandleChallenges([]string{`Basic realm="r"`}))
	require.NoError(t, c2.HandleChallenges([]string{`Basic realm="r"`}))
	v, err = c2.Authorize("OPTIONS", "*")
	require.NoError(t, err)
	require.Equal(t, "Basic dTpw", v)
	require.ErrorIs(t, c2.HandleChallenges([]string{`Basic realm="r"`}), ErrRejected)

	// Basic can be refused.
	c4 := &Client{Username: "u", Password: "p", DisableBasic: true}
	require.ErrorIs(t, c4.HandleChallenges([]string{`Basic realm="r"`}), ErrUnsupported)
	require.NoError(t, c4.HandleChallenges([]string{`Basic realm="r"`, `Digest realm="r", nonce="n"`}))

	// Errors from AnswerChallenge reach the caller.
	c3 := &Client{Username: "a:b", Password: "p"}
	require.NoError(t, c3.HandleChallenges([]string{`Basic realm="r"`}))
	_, err = c3.Authorize("OPTIONS", "*")
	require.True(t, errors.Is(err, ErrMalformed))
}
