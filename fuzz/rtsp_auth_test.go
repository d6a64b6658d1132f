package fuzz

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/rtspkit/rtspkit/auth"
)

// authChallengeSeeds are WWW-Authenticate values from the RFCs and from
// cameras and servers in the field.
var authChallengeSeeds = []string{
	`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
	`Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
	`Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true`,
	`Basic realm="WallyWorld"`,
	`Basic realm="foo", charset="UTF-8"`,
	`Digest realm="IP Camera(C2183)", nonce="4e54b7a2f1", stale="FALSE"`,
	`digest realm=IP Camera, nonce=abc/def+g==, stale=TRUE, algorithm=md5`,
	`Digest realm="cam", nonce="a", algorithm=SHA-256, qop="auth", Digest realm="cam", nonce="b", algorithm=MD5, Basic realm="cam"`,
	`Digest realm="a \"b\" \\ c", domain="/a /b" nonce="n"`,
	`Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXagMDAu==, NTLM`,
	`Digest realm="x`,
	`Digest , ,realm=,qop=""`,
}

// authAuthorizationSeeds are Authorization values from the RFCs and from
// players.
var authAuthorizationSeeds = []string{
	`Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
	`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
	`Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="api@example.org", uri="/doe.json", qop=auth, algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", nc=00000001, cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v", userhash=false`,
	`Digest username="admin", realm="cam", nonce="abc", uri="rtsp://10.0.0.1:554/live", response="0123abcd"`,
	`Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==`,
	`Basic dGVzdDoxMjPCow==`,
	`basic dXNlcjo`,
	`Digest username="a", username*=UTF-8''b`,
	`Bearer abc`,
}

// FuzzRTSPAuthChallenge parses WWW-Authenticate values: every challenge must
// format to a value that parses back to it, alone and joined into a list.
func FuzzRTSPAuthChallenge(f *testing.F) {
	for _, s := range authChallengeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = auth.PickChallenge([]string{s})
		cs, err := auth.ParseChallenges(s)
		if err != nil {
			if !errors.Is(err, auth.ErrMalformed) {
				t.Fatalf("error %v is not ErrAuthMalformed", err)
			}
			return
		}
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = c.String()
			back, err := auth.ParseChallenge(parts[i])
			if err != nil {
				t.Fatalf("%q -> %q: %v", s, parts[i], err)
			}
			if !reflect.DeepEqual(c, back) {
				t.Fatalf("%q -> %q:\n%#v\n%#v", s, parts[i], c, back)
			}
		}
		joined := strings.Join(parts, ", ")
		all, err := auth.ParseChallenges(joined)
		if err != nil {
			t.Fatalf("%q -> %q: %v", s, joined, err)
		}
		if !reflect.DeepEqual(cs, all) {
			t.Fatalf("%q -> %q:\n%#v\n%#v", s, joined, cs, all)
		}
	})
}

// FuzzRTSPAuthAuthorization parses Authorization values: the result must
// format to a value that parses back to it.
func FuzzRTSPAuthAuthorization(f *testing.F) {
	for _, s := range authAuthorizationSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := auth.ParseAuthorization(s)
		if err != nil {
			if !errors.Is(err, auth.ErrMalformed) && !errors.Is(err, auth.ErrUnsupported) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		_, _ = a.DigestResponse("DESCRIBE", "secret")
		out := a.String()
		back, err := auth.ParseAuthorization(out)
		if err != nil {
			t.Fatalf("%q -> %q: %v", s, out, err)
		}
		if !reflect.DeepEqual(a, back) {
			t.Fatalf("%q -> %q:\n%#v\n%#v", s, out, a, back)
		}
		if strings.ContainsAny(out, "\r\n\x00") {
			t.Fatalf("%q formats to %q, which would break the header line", s, out)
		}
	})
}

// FuzzRTSPAuthVerify feeds arbitrary requests to an Authenticator: Verify
// must return a user only for the right credentials and otherwise one of
// its three errors, and never panic.
func FuzzRTSPAuthVerify(f *testing.F) {
	server := &auth.Authenticator{
		Realm:    "cam",
		Username: "admin",
		Password: "secret",
		Methods:  auth.MethodDigestSHA256 | auth.MethodDigestMD5 | auth.MethodBasic,
	}
	const uri = "rtsp://10.0.0.1:554/live"
	// Valid Digest credentials can only be made at run time: the nonce is
	// bound to this server's random secret.
	for _, v := range server.Challenges(false) {
		c, err := auth.ParseChallenge(v)
		if err != nil {
			f.Fatal(err)
		}
		a, err := auth.AnswerChallenge(c, "admin", "secret", "DESCRIBE", uri, "0a4f113b", 1)
		if err != nil {
			f.Fatal(err)
		}
		f.Add("DESCRIBE", uri, a.String())
		f.Add("DESCRIBE", "/live", a.String())
	}
	f.Add("OPTIONS", "*", "Basic YWRtaW46c2VjcmV0")
	f.Add("OPTIONS", "*", "")
	for _, s := range authAuthorizationSeeds {
		f.Add("GET", "/dir/index.html", s)
	}
	f.Fuzz(func(t *testing.T, method, requestURI, authorization string) {
		user, err := server.Verify(method, requestURI, authorization)
		switch {
		case err == nil:
			if user != "admin" {
				t.Fatalf("accepted user %q", user)
			}
		case errors.Is(err, auth.ErrMissing), errors.Is(err, auth.ErrInvalid), errors.Is(err, auth.ErrStale):
			if user != "" {
				t.Fatalf("user %q returned with error %v", user, err)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
