package auth_test

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/auth"
)

// A server challenges a client, the client answers, the server verifies.
func ExampleAuthenticator() {
	server := &auth.Authenticator{Realm: "camera", Username: "admin", Password: "secret"}
	client := &auth.Client{Username: "admin", Password: "secret"}
	const uri = "rtsp://192.168.1.10/live"

	// The first request carries no credentials: the server answers 401
	// with one WWW-Authenticate header per challenge.
	_, err := server.Verify("DESCRIBE", uri, "")
	fmt.Println(errors.Is(err, auth.ErrMissing))
	challenges := server.Challenges(false)
	for _, c := range challenges {
		ch, _ := auth.ParseChallenge(c)
		fmt.Println(ch.Scheme, ch.Algorithm, ch.QOP)
	}

	// The client picks the strongest challenge and retries.
	if err := client.HandleChallenges(challenges); err != nil {
		fmt.Println(err)
		return
	}
	authorization, err := client.Authorize("DESCRIBE", uri)
	if err != nil {
		fmt.Println(err)
		return
	}
	user, err := server.Verify("DESCRIBE", uri, authorization)
	fmt.Println(user, err)

	// Output:
	// true
	// Digest SHA-256 [auth]
	// Digest MD5 [auth]
	// admin <nil>
}

// The response of RFC 7616 §3.9.1, computed from its challenge.
func ExampleAnswerChallenge() {
	c, err := auth.ParseChallenge(`Digest realm="http-auth@example.org", qop="auth, auth-int", ` +
		`algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ` +
		`opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := auth.AnswerChallenge(c, "Mufasa", "Circle of Life", "GET", "/dir/index.html",
		"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Response)
	fmt.Println(a.QOP, a.NC)
	// Output:
	// 753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1
	// auth 00000001
}

// Cameras put several challenges in one header value.
func ExampleParseChallenges() {
	cs, err := auth.ParseChallenges(`Digest realm="IP Camera", nonce="4e54", stale=FALSE, Basic realm="IP Camera"`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cs {
		fmt.Println(c)
	}
	// Output:
	// Digest realm="IP Camera", nonce="4e54"
	// Basic realm="IP Camera"
}
