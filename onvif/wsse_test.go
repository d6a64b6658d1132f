package onvif

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// requireNotAuthorized checks the answer ONVIF requires of a device that
// supports the username token profile only (Core §5.9.1): HTTP 400 and
// env:Sender ter:NotAuthorized.
func requireNotAuthorized(t *testing.T, status int, body string, msg string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, status, "%s: %s", msg, body)
	code, subs := faultOf(t, body)
	require.Equal(t, "env:Sender", code, msg)
	require.Equal(t, []string{"ter:NotAuthorized"}, subs, msg)
}

func TestAuthentication(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	_, url := newService(t, Config{Profiles: testProfiles(), Username: "admin", Password: "s3cret", Now: clock.now})

	// Without a token: PRE_AUTH operations only.
	for _, op := range []string{`<tds:GetSystemDateAndTime/>`, `<tds:GetCapabilities/>`, `<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>`,
		`<tds:GetServiceCapabilities/>`, `<tds:GetHostname/>`} {
		status, body := soapCall(t, url, "", op)
		require.Equal(t, http.StatusOK, status, "%s is PRE_AUTH: %s", op, body)
	}
	for _, op := range []string{`<tds:GetDeviceInformation/>`, `<tds:GetScopes/>`, `<tds:GetNetworkInterfaces/>`, `<trt:GetProfiles/>`,
		streamURIRequest("cam", "RTP-Unicast", "RTSP"), `<trt:GetVideoSources/>`, `<trt:GetServiceCapabilities/>`, `<tds:SystemReboot/>`} {
		status, body := soapCall(t, url, "", op)
		requireNotAuthorized(t, status, body, op+" without a token")
		require.NotContains(t, body, "rtsp://")
	}

	now := clock.now()
	status, body := soapCall(t, url, wsseHeader("admin", "s3cret", now), streamURIRequest("cam", "RTP-Unicast", "RTSP"))
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "rtsp://192.0.2.1:8554/cam", parse(t, body).find("Uri").Text)

	for _, tc := range []struct{ name, header string }{
		{"wrong password", wsseHeader("admin", "guess", now)},
		{"wrong user", wsseHeader("root", "s3cret", now)},
		{"created too early", wsseHeader("admin", "s3cret", now.Add(-5*time.Minute-time.Second))},
		{"created too late", wsseHeader("admin", "s3cret", now.Add(5*time.Minute+time.Second))},
		{"password text", strings.Replace(wsseHeader("admin", "s3cret", now), "#PasswordDigest", "#PasswordText", 1)},
		{"clear password", `<wsse:Security xmlns:wsse="` + nsWSSE + `"><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password>s3cret</wsse:Password></wsse:UsernameToken></wsse:Security>`},
		{"no nonce", strings.Replace(wsseHeader("admin", "s3cret", now), "wsse:Nonce", "wsse:Other", 2)},
		{"no created", strings.Replace(wsseHeader("admin", "s3cret", now), "wsu:Created>", "wsu:Other>", 2)},
		{"bad created", wsseHeaderNonce("admin", "s3cret", "yesterday", []byte("0123456789abcdef"))},
	} {
		status, body := soapCall(t, url, tc.header, `<tds:GetDeviceInformation/>`)
		requireNotAuthorized(t, status, body, tc.name)
	}

	// Within the skew either way: accepted.
	for _, d := range []time.Duration{-5 * time.Minute, 4*time.Minute + 59*time.Second} {
		status, body := soapCall(t, url, wsseHeader("admin", "s3cret", now.Add(d)), `<tds:GetDeviceInformation/>`)
		require.Equal(t, http.StatusOK, status, "created %v away: %s", d, body)
	}
}

func TestClockSkewConfigurable(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	_, url := newService(t, Config{Profiles: testProfiles(), Username: "u", Password: "p", Now: clock.now, ClockSkew: 10 * time.Second})
	status, _ := soapCall(t, url, wsseHeader("u", "p", clock.now().Add(-9*time.Second)), `<tds:GetScopes/>`)
	require.Equal(t, http.StatusOK, status)
	status, body := soapCall(t, url, wsseHeader("u", "p", clock.now().Add(-11*time.Second)), `<tds:GetScopes/>`)
	requireNotAuthorized(t, status, body, "11 s old with 10 s skew")
}

func TestReplayRefused(t *testing.T) {
	clock := &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	svc, url := newService(t, Config{Profiles: testProfiles(), Username: "admin", Password: "s3cret", Now: clock.now})
	created := clock.now().Format("2006-01-02T15:04:05.000Z")
	nonce := []byte("0123456789abcdef")
	token := wsseHeaderNonce("admin", "s3cret", created, nonce)

	status, body := soapCall(t, url, token, `<tds:GetDeviceInformation/>`)
	require.Equal(t, http.StatusOK, status, body)
	// libonvif: the same nonce with another Created is another token.
	other := wsseHeaderNonce("admin", "s3cret", clock.now().Add(time.Millisecond).Format("2006-01-02T15:04:05.000Z"), nonce)
	status, body = soapCall(t, url, other, `<tds:GetDeviceInformation/>`)
	require.Equal(t, http.StatusOK, status, body)

	// The very same token again from the same address, at once: libonvif
	// within one millisecond; accepted.
	status, body = soapCall(t, url, token, `<tds:GetDeviceInformation/>`)
	require.Equal(t, http.StatusOK, status, body)
	// Later, it is a replay.
	clock.add(replayGrace + time.Second)
	status, body = soapCall(t, url, token, `<tds:GetDeviceInformation/>`)
	requireNotAuthorized(t, status, body, "replay after the grace")

	// From another address, even at once: a replay.
	tok2 := wsseHeaderNonce("admin", "s3cret", clock.now().Format("2006-01-02T15:04:05.000Z"), []byte("fedcba9876543210"))
	status, body = soapCall(t, url, tok2, `<tds:GetDeviceInformation/>`)
	require.Equal(t, http.StatusOK, status, body)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(envelope12(tok2, `<tds:GetDeviceInformation/>`)))
	require.NoError(t, err)
	req.RemoteAddr = "192.0.2.99:1234"
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, req)
	requireNotAuthorized(t, rec.Code, rec.Body.String(), "replay from another address")
}

// TestNonceCacheBounded fills the cache past its bound: memory stays
// bounded, and a dropped token still cannot be replayed.
func TestNonceCacheBounded(t *testing.T) {
	var c nonceCache
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	skew := 5 * time.Minute
	key := func(i int) string { return "nonce-" + string(rune('a'+i%26)) + "-" + time.Duration(i).String() }
	for i := 0; i < 3*maxNonces; i++ {
		created := start.Add(time.Duration(i) * time.Millisecond)
		require.True(t, c.add(key(i), "ip", created, created, skew), "token %d is new", i)
		require.LessOrEqual(t, len(c.seen), maxNonces)
		require.Equal(t, len(c.seen), len(c.order))
	}
	now := start.Add(3 * maxNonces * time.Millisecond)
	first := start
	require.False(t, c.add(key(0), "elsewhere", first, now, skew), "the first token was dropped, yet is refused")
	require.False(t, c.add(key(3*maxNonces-1), "elsewhere", now, now, skew), "a remembered token is refused")
	require.True(t, c.add("fresh", "ip", now.Add(time.Millisecond), now, skew))

	// Entries leave once their Created is out of the window.
	later := now.Add(skew + time.Second)
	require.True(t, c.add("late", "ip", later, later, skew))
	require.Len(t, c.seen, 1)
}

func TestDigestVector(t *testing.T) {
	// Base64(SHA-1(nonce + created + password)), WS-UsernameToken §3.1.
	nonce := []byte("abcdefghijklmnop")
	created := "2030-01-02T03:04:05.000Z"
	h := sha1.Sum(append(append(append([]byte{}, nonce...), created...), "s3cret"...))
	a := &authenticator{user: "admin", pass: "s3cret", skew: time.Minute, now: func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) }}
	tok := &usernameToken{Username: "admin", Password: base64.StdEncoding.EncodeToString(h[:]), PasswordType: passwordDigestType,
		Nonce: base64.StdEncoding.EncodeToString(nonce), Created: created}
	require.NoError(t, a.check(tok, "ip"))
	tok.Password = base64.StdEncoding.EncodeToString(h[:19])
	require.ErrorIs(t, a.check(tok, "ip"), errBadDigest)
	require.ErrorIs(t, a.check(nil, "ip"), errNoToken)
}
