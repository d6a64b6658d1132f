package server

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Authentication against hostile clients (issue 6): wrong, missing, forged
// and foreign credentials get 401 with a fresh challenge; repeated failures
// from one address are slowed down; an expired nonce gets stale=true.

func authServer(t *testing.T) *Server {
	return startedServer(t, Config{Username: "admin", Password: "secret"}, VideoMJPEG, AudioNone)
}

// challengesOf parses the WWW-Authenticate headers of a 401.
func challengesOf(t *testing.T, resp *rtsp.Response) []auth.Challenge {
	t.Helper()
	require.Equal(t, 401, resp.StatusCode)
	var out []auth.Challenge
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		cs, err := auth.ParseChallenges(v)
		require.NoError(t, err)
		out = append(out, cs...)
	}
	require.NotEmpty(t, out)
	for _, c := range out {
		require.Equal(t, auth.SchemeDigest, c.Scheme, "no Basic unless AllowBasicAuth")
		require.NotEmpty(t, c.Nonce)
		require.Equal(t, "rtspkit", c.Realm)
	}
	return out
}

func nonces(cs []auth.Challenge) map[string]bool {
	m := map[string]bool{}
	for _, c := range cs {
		m[c.Nonce] = true
	}
	return m
}

// answer builds credentials for the given challenges.
func answer(t *testing.T, user, pass string, resp *rtsp.Response, method, uri string) string {
	t.Helper()
	ca := &auth.Client{Username: user, Password: pass}
	require.NoError(t, ca.HandleChallenges(resp.Header.Values("WWW-Authenticate")))
	a, err := ca.Authorize(method, uri)
	require.NoError(t, err)
	return a
}

func TestHardeningAuthChallenges(t *testing.T) {
	t.Parallel()
	s := authServer(t)
	other := authServer(t) // another instance: another nonce secret
	c := dialRaw(t, s, "test")
	o := dialRaw(t, other, "test")
	// Failures from one address are slowed down after 3 (see
	// TestHardeningAuthBackoff); a success forgets them, so the checks
	// below log in after every few failures.
	login := func() {
		t.Helper()
		r := c.do(rtsp.Describe, c.base)
		require.Equal(t, 200, c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", r, "DESCRIBE", c.base)).StatusCode)
	}

	// Missing credentials: a challenge per algorithm, fresh each time.
	r1 := c.do(rtsp.Describe, c.base)
	ch1 := challengesOf(t, r1)
	require.Len(t, ch1, 2, "SHA-256 and MD5")
	// MD5 last: ffmpeg and live555 take the last Digest challenge.
	require.Equal(t, auth.DigestMD5, ch1[1].Algorithm)
	r2 := c.do(rtsp.Describe, c.base)
	ch2 := challengesOf(t, r2)
	for n := range nonces(ch2) {
		require.False(t, nonces(ch1)[n], "nonces are not reused")
	}

	// Wrong password: 401, fresh challenge, not stale.
	r3 := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "nope", r2, "DESCRIBE", c.base))
	ch3 := challengesOf(t, r3)
	for _, ch := range ch3 {
		require.False(t, ch.Stale)
		require.False(t, nonces(ch2)[ch.Nonce])
	}
	// Unknown user.
	challengesOf(t, c.do(rtsp.Describe, c.base, "Authorization", answer(t, "root", "secret", r3, "DESCRIBE", c.base)))

	login()

	// Right password but a nonce minted by another server instance:
	// rejected with a fresh challenge of ours (not stale: it is not ours).
	foreign := o.do(rtsp.Describe, o.base)
	r4 := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", foreign, "DESCRIBE", c.base))
	for _, ch := range challengesOf(t, r4) {
		require.False(t, ch.Stale, "a foreign nonce is not stale")
		require.False(t, nonces(challengesOf(t, foreign))[ch.Nonce])
	}
	// Credentials for another URI or method than the request's.
	challengesOf(t, c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", r4, "DESCRIBE", c.base+"/other")))

	// Basic is not accepted unless allowed, even with the right password.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:secret"))
	challengesOf(t, c.do(rtsp.Describe, c.base, "Authorization", basic))
	login()

	// Malformed credentials: 401 or 400, never anything else.
	for _, bad := range []string{
		"Digest",
		"Digest username=",
		`Digest username="admin", realm="rtspkit", nonce="", uri="` + c.base + `", response=""`,
		`Digest username="admin", realm="rtspkit", nonce="AAAA", uri="` + c.base + `", response="00000000000000000000000000000000"`,
		"Digest " + strings.Repeat(`a="b", `, 500),
		"Basic !!!",
		"Basic " + base64.StdEncoding.EncodeToString([]byte("admin")),
		"Bearer abc",
		strings.Repeat("x", 3000),
	} {
		resp := c.do(rtsp.Describe, c.base, "Authorization", bad)
		require.Contains(t, []int{400, 401}, resp.StatusCode, "%.60q", bad)
		login()
	}

	// Every request but OPTIONS needs credentials, SETUP and PLAY included.
	require.Equal(t, 200, c.do(rtsp.Options, c.base).StatusCode)
	require.Equal(t, 401, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1").StatusCode)
	require.Equal(t, 401, c.do(rtsp.GetParameter, c.base).StatusCode)

	// After all that, the right credentials work.
	r5 := c.do(rtsp.Describe, c.base)
	ok := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", r5, "DESCRIBE", c.base))
	require.Equal(t, 200, ok.StatusCode)
}

// An expired nonce with the right password gets stale=true, so the player
// retries with the new nonce without asking its user; that retry works. The
// nonce lifetime is shortened through the server's authenticator (5
// minutes otherwise).
func TestHardeningAuthStaleNonce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Config{Username: "admin", Password: "secret"})
	require.NoError(t, s.CreateSession("test", VideoMJPEG, false))
	s.auth.NonceLifetime = 300 * time.Millisecond
	require.NoError(t, s.Start())
	c := dialRaw(t, s, "test")
	r1 := c.do(rtsp.Describe, c.base)
	challengesOf(t, r1)
	time.Sleep(400 * time.Millisecond)
	r2 := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", r1, "DESCRIBE", c.base))
	stale := false
	for _, ch := range challengesOf(t, r2) {
		stale = stale || ch.Stale
	}
	require.True(t, stale, "an expired nonce with the right password: stale=true")
	// A wrong password with an expired nonce is not stale.
	r3 := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "nope", r1, "DESCRIBE", c.base))
	for _, ch := range challengesOf(t, r3) {
		require.False(t, ch.Stale, "stale=true must not confirm a wrong password")
	}
	// The retry with the fresh nonce works. (A loaded machine may take
	// longer than the 300 ms lifetime to send it: then the answer is
	// stale=true again, with a fresher nonce, as a player would meet it.)
	fresh := r2
	for deadline := time.Now().Add(hangTimeout); ; {
		resp := c.do(rtsp.Describe, c.base, "Authorization", answer(t, "admin", "secret", fresh, "DESCRIBE", c.base))
		if resp.StatusCode == 200 {
			break
		}
		stale := false
		for _, ch := range challengesOf(t, resp) {
			stale = stale || ch.Stale
		}
		require.True(t, stale, "the right password with a fresh nonce is refused")
		require.True(t, time.Now().Before(deadline), "every retry with a fresh nonce was stale")
		fresh = resp
	}
}

// After 3 free failures from one address, each further 401 is delayed,
// doubling (Base, 2*Base, ...). Missing credentials are not failures. The
// delay holds back only the failing connection: a player with the right
// password from the same address gets in at once. The failures the server
// counts are read from its backoff (exact); the delays it applies are timed
// with exact lower bounds (a timer never fires early) and upper bounds one
// Base above, with Base raised from 500 ms to 3 s so that "not delayed" is
// told from "delayed" by a margin no loaded machine uses up.
func TestHardeningAuthBackoff(t *testing.T) {
	t.Parallel()
	const base = 3 * time.Second
	s := authServer(t)
	setBackoff(s, 0, base)
	delay := func() time.Duration {
		s.mu.Lock()
		run := s.run
		s.mu.Unlock()
		return run.backoff.Delay("127.0.0.1")
	}
	c := dialRaw(t, s, "test")
	timed := func(hdr ...string) (*rtsp.Response, time.Duration) {
		start := time.Now()
		resp := c.do(rtsp.Describe, c.base, hdr...)
		return resp, time.Since(start)
	}
	// Missing credentials, many times: no delay.
	for i := 0; i < 5; i++ {
		resp, d := timed()
		require.Equal(t, 401, resp.StatusCode)
		require.Zero(t, delay(), "missing credentials are not failures")
		require.Less(t, d, base, "missing credentials are the normal first round trip")
	}
	resp, _ := timed()
	for i := 1; i <= 4; i++ {
		var d time.Duration
		resp, d = timed("Authorization", answer(t, "admin", "guess", resp, "DESCRIBE", c.base))
		require.Equal(t, 401, resp.StatusCode)
		if i <= 3 {
			require.Zero(t, delay(), "failure %d is free", i)
			require.Less(t, d, base, "failure %d is free", i)
		} else {
			require.Equal(t, base, delay(), "failure %d earns the first delay", i)
			// The first delay step: had the missing credentials or the
			// free failures counted, it would be 2^n times longer.
			require.GreaterOrEqual(t, d, base, "failure %d is delayed", i)
			require.Less(t, d, 2*base, "failure %d is delayed once, not more", i)
		}
	}
	// The 5th failure waits 2*base; meanwhile the right password from the
	// same address gets in at once on another connection.
	fifth := answer(t, "admin", "guess", resp, "DESCRIBE", c.base)
	var wg sync.WaitGroup
	wg.Add(1)
	var slow time.Duration
	var slowStatus int
	go func() {
		defer wg.Done()
		start := time.Now()
		slowStatus = c.do(rtsp.Describe, c.base, "Authorization", fifth).StatusCode
		slow = time.Since(start)
	}()
	// Once the server counted the 5th failure, it is holding its answer.
	waitBackoff(t, s, 2*base)
	good := dialRaw(t, s, "test")
	start := time.Now()
	gr := good.do(rtsp.Describe, good.base)
	gr = good.do(rtsp.Describe, good.base, "Authorization", answer(t, "admin", "secret", gr, "DESCRIBE", good.base))
	require.Equal(t, 200, gr.StatusCode)
	require.Less(t, time.Since(start), base, "a right password is not held back by another connection's failures")
	wg.Wait()
	require.Equal(t, 401, slowStatus)
	require.GreaterOrEqual(t, slow, 2*base, "the 5th failure waits twice the first delay")
}

// Stop does not wait for a delayed 401.
func TestHardeningAuthBackoffDoesNotDelayStop(t *testing.T) {
	t.Parallel()
	// Every failure delayed, by far longer than Stop may take.
	const delay = hangTimeout
	s := authServer(t)
	setBackoff(s, -1, delay)
	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Describe, c.base)
	u, err := url.Parse(c.base)
	require.NoError(t, err)
	req := &rtsp.Request{Method: rtsp.Describe, URL: u, Header: rtsp.Header{}}
	req.Header.Set("CSeq", "99")
	req.Header.Set("Authorization", answer(t, "admin", "guess", resp, "DESCRIBE", c.base))
	require.NoError(t, req.Write(c.nc))
	// Once the server counted the failure, it is holding its answer.
	waitBackoff(t, s, delay)
	start := time.Now()
	require.NoError(t, s.Stop())
	require.Less(t, time.Since(start), delay/3, "Stop waited for an authentication delay")
}

// setBackoff sets the server's authentication backoff (auth.Backoff's
// Free and Base), before any connection: connections are taken under the
// runtime's lock, which orders this before their use of it.
func setBackoff(s *Server, free int, base time.Duration) {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	run.mu.Lock()
	run.backoff.Free, run.backoff.Base = free, base
	run.mu.Unlock()
}

// waitBackoff waits until the server's delay for 127.0.0.1 reaches d: the
// failure that earned it has been counted, and its answer is being held.
func waitBackoff(t *testing.T, s *Server, d time.Duration) {
	t.Helper()
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	deadline := time.Now().Add(hangTimeout)
	for run.backoff.Delay("127.0.0.1") < d {
		require.True(t, time.Now().Before(deadline), "the failure was never counted")
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// live555 (VLC, NVRs, openRTSP) signs every request over its base URL,
// which after DESCRIBE is the Content-Base: SETUP of a track carries the
// presentation's URL as digest-uri (issue 11). That is accepted for the
// tracks of that presentation and nothing else, and every refusal is
// logged with its method, URL and reason but never the password.
func TestHardeningAuthLive555BaseURI(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	s := startedServer(t, Config{Username: "u", Password: "p3ssw0rd",
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, VideoMJPEG, AudioNone)
	require.NoError(t, s.CreateSession("testing", VideoMJPEG, false))
	setBackoff(s, 100, time.Millisecond) // the refusals below are not guessing
	c := dialRaw(t, s, "test")

	// DESCRIBE: 401, then 200 with the digest over the URL asked for.
	r := c.do(rtsp.Describe, c.base)
	ca := &auth.Client{Username: "u", Password: "p3ssw0rd"}
	require.NoError(t, ca.HandleChallenges(r.Header.Values("WWW-Authenticate")))
	sign := func(method, uri string) string {
		t.Helper()
		v, err := ca.Authorize(method, uri)
		require.NoError(t, err)
		return v
	}
	d := c.do(rtsp.Describe, c.base, "Authorization", sign("DESCRIBE", c.base))
	require.Equal(t, 200, d.StatusCode)
	base := d.Header.Get("Content-Base")
	require.Equal(t, c.base+"/", base)

	// SETUP and PLAY signed over the Content-Base, as live555 does.
	st := c.do(rtsp.Setup, base+"trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1",
		"Authorization", sign("SETUP", base))
	require.Equal(t, 200, st.StatusCode, "SETUP of a track with the base URL as digest-uri")
	c.sess, _, _ = strings.Cut(st.Header.Get("Session"), ";")
	require.Equal(t, 200, c.do(rtsp.Play, base, "Authorization", sign("PLAY", base)).StatusCode)
	require.Equal(t, 200, c.do(rtsp.GetParameter, base, "Authorization", sign("GET_PARAMETER", base)).StatusCode)

	// The same base opens no other presentation, even one whose name
	// starts with it, and no track signs for another.
	o := dialRaw(t, s, "testing")
	for _, tc := range []struct{ url, uri string }{
		{o.base + "/trackID=0", base},
		{o.base + "/trackID=0", c.base},
		{o.base, base},
		{c.base + "/trackID=0", c.base + "/trackID=1"},
	} {
		resp := o.do(rtsp.Setup, tc.url, "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1",
			"Authorization", sign("SETUP", tc.uri))
		require.Equal(t, 401, resp.StatusCode, "SETUP %s signed for %s", tc.url, tc.uri)
	}

	// A wrong password is logged with method, URL, user and reason.
	w := &auth.Client{Username: "u", Password: "wrong-secret"}
	require.NoError(t, w.HandleChallenges(r.Header.Values("WWW-Authenticate")))
	v, err := w.Authorize("DESCRIBE", c.base)
	require.NoError(t, err)
	require.Equal(t, 401, c.do(rtsp.Describe, c.base, "Authorization", v).StatusCode)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "wrong") }, hangTimeout, 10*time.Millisecond)
	out := logs.String()
	require.Contains(t, out, `msg="rtsp authentication failed"`)
	require.Contains(t, out, "method=SETUP")
	require.Contains(t, out, "method=DESCRIBE")
	require.Contains(t, out, `url="`+o.base+`/trackID=0"`)
	require.Contains(t, out, "user=u")
	require.Contains(t, out, "digest uri does not match", "the reason of the URI mismatch")
	// With debug logging (rtspd -v), connections and sessions are logged.
	require.Contains(t, out, `msg="rtsp connection"`)
	require.Contains(t, out, `msg="rtsp session" session=`+c.sess+" stream=test transport=tcp")
	require.Contains(t, out, `msg="rtsp play" session=`+c.sess)
	require.NotContains(t, out, "p3ssw0rd")
	require.NotContains(t, out, "wrong-secret")
}
