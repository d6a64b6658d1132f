package auth

import (
	"testing"
	"time"
)

func BenchmarkParseAuthorization(b *testing.B) {
	const v = `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ` +
		`algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ` +
		`cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ` +
		`response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if _, err := ParseAuthorization(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticatorVerify(b *testing.B) {
	for _, alg := range []string{DigestMD5, DigestSHA256} {
		b.Run(alg, func(b *testing.B) {
			clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
			a := &Authenticator{Realm: "cam", Username: "admin", Password: "secret", now: clock.now}
			var v string
			for _, s := range a.Challenges(false) {
				c, err := ParseChallenge(s)
				if err != nil {
					b.Fatal(err)
				}
				if c.Algorithm == alg {
					cred, err := AnswerChallenge(c, "admin", "secret", "PLAY", "rtsp://cam/live", "cn", 1)
					if err != nil {
						b.Fatal(err)
					}
					v = cred.String()
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Verify("PLAY", "rtsp://cam/live", v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
