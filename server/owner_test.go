package server

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Session ownership and the session limit (issue 12): a session's requests
// must come from its own connection or, for a UDP client that reconnects,
// from the same address and user; anything else is answered 454 and the
// player keeps playing. MaxSessions holds under concurrent SETUPs.

// dialRawFrom is dialRaw from a given local address (another loopback
// address than 127.0.0.1 is another host as far as the server can tell).
func dialRawFrom(t *testing.T, s *Server, path string, local net.IP) *rawClient {
	t.Helper()
	addr := serverAddr(s)
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: local}, Timeout: hangTimeout}
	nc, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, srv: s, nc: nc, rd: rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{}), base: "rtsp://" + addr + "/" + path}
}

var otherHost = net.IPv4(127, 0, 0, 2)

// intrude sends every session request but DESCRIBE and OPTIONS on the
// victim's session from c and requires each to be refused with 454.
func intrude(t *testing.T, c *rawClient, victim string, setupTransport string) {
	t.Helper()
	c.sess = victim
	for _, m := range []rtsp.Method{rtsp.Pause, rtsp.Teardown, rtsp.GetParameter, rtsp.SetParameter, rtsp.Play} {
		require.Equal(t, 454, c.do(m, c.base).StatusCode, "%s on another client's session", m)
	}
	// Nor may it add a track to the session.
	require.Equal(t, 454, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", setupTransport).StatusCode, "SETUP on another client's session")
}

// readerPackets returns the packets the server has sent to the reader of
// session id, or -1 when it has no such session.
func readerPackets(t *testing.T, s *Server, id string) int64 {
	t.Helper()
	st, err := s.Stats("test")
	require.NoError(t, err)
	for _, r := range st.Readers {
		if r.Session == id {
			return int64(r.Packets)
		}
	}
	return -1
}

// sessionPlaying reports whether the server's session id exists and plays.
func sessionPlaying(s *Server, id string) bool {
	s.mu.Lock()
	run := s.run
	s.mu.Unlock()
	rs := run.session(id)
	if rs == nil {
		return false
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.playing && rs.r != nil
}

// The acceptance test of issue 12: a player on 127.0.0.1 plays over TCP; a
// connection from 127.0.0.2 that sends PAUSE, TEARDOWN (and the rest) with
// the player's Session ID gets 454 each time, and the player keeps playing,
// losing nothing, its own requests still answered.
func TestOwnerOtherHostCannotControlSession(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	player := playTCP(t, s)
	watch := watchLoss(player)
	watch.more(t, 20)

	intruder := dialRawFrom(t, s, "test", otherHost)
	intrude(t, intruder, player.sess, "RTP/AVP/TCP;unicast;interleaved=2-3")

	require.True(t, sessionPlaying(s, player.sess), "the player's session still plays")
	watch.keepAlive(50 * time.Millisecond)
	require.Equal(t, 200, watch.response(t, 1000), "the player's own GET_PARAMETER")
	watch.more(t, 100)
	watch.finish(t)
}

// A TCP-interleaved session is bound to its connection (its media and RTCP
// travel on it): another connection from the very same host and with the
// same (no) credentials is refused as well.
func TestOwnerTCPSessionIsBoundToItsConnection(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{})
	player := playTCP(t, s)
	watch := watchLoss(player)
	watch.more(t, 20)

	other := dialRaw(t, s, "test") // 127.0.0.1 too
	intrude(t, other, player.sess, "RTP/AVP/TCP;unicast;interleaved=2-3")
	// The refused requests changed nothing on that connection's side
	// either: it can still have a session of its own.
	other.sess = ""
	other.setupPlayTCP(1)

	require.True(t, sessionPlaying(s, player.sess), "the player's session still plays")
	require.True(t, sessionPlaying(s, other.sess))
	watch.more(t, 100)
	watch.finish(t)
}

// authedClient signs every request of a rawClient with Digest credentials.
type authedClient struct {
	*rawClient
	ca *auth.Client
}

// login takes the server's challenge and returns a client that signs its
// requests as admin.
func login(t *testing.T, c *rawClient) *authedClient {
	t.Helper()
	resp := c.do(rtsp.Describe, c.base)
	require.Equal(t, 401, resp.StatusCode)
	ca := &auth.Client{Username: "admin", Password: "secret"}
	require.NoError(t, ca.HandleChallenges(resp.Header.Values("WWW-Authenticate")))
	return &authedClient{rawClient: c, ca: ca}
}

func (a *authedClient) do(method rtsp.Method, u string, hdr ...string) *rtsp.Response {
	a.t.Helper()
	authz, err := a.ca.Authorize(string(method), u)
	require.NoError(a.t, err)
	return a.rawClient.do(method, u, append(hdr, "Authorization", authz)...)
}

// A UDP session is not bound to a connection: the same client (same
// address, same authenticated user) may go on with it from a new one
// (PLAY, PAUSE, GET_PARAMETER, TEARDOWN). Another host is refused even
// with valid credentials for the same user: the Session ID and the
// credentials do not make it the client the media goes to.
func TestOwnerUDPSessionFollowsItsClient(t *testing.T) {
	t.Parallel()
	s := pumpedServer(t, Config{Username: "admin", Password: "secret"})
	rtpc, _ := udpPairForTest(t)
	require.NoError(t, rtpc.SetReadBuffer(4<<20))
	port := rtpc.LocalAddr().(*net.UDPAddr).Port

	first := login(t, dialRaw(t, s, "test"))
	resp := first.do(rtsp.Setup, first.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	require.Equal(t, 200, resp.StatusCode)
	sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
	require.NoError(t, err)
	first.sess = sh.ID
	require.Equal(t, 200, first.do(rtsp.Play, first.base).StatusCode)
	waitSent := func(what string) {
		t.Helper()
		require.True(t, sessionPlaying(s, sh.ID), "%s: the session plays", what)
		p0 := readerPackets(t, s, sh.ID)
		require.Eventually(t, func() bool { return readerPackets(t, s, sh.ID) >= p0+50 }, hangTimeout, 5*time.Millisecond, "%s: the stream goes on", what)
	}
	waitSent("playing")

	// Another host, authenticated as the same user: refused.
	intruder := login(t, dialRawFrom(t, s, "test", otherHost))
	intruder.sess = sh.ID
	for _, m := range []rtsp.Method{rtsp.Pause, rtsp.Teardown, rtsp.GetParameter, rtsp.Play} {
		require.Equal(t, 454, intruder.do(m, intruder.base).StatusCode, "%s from another host", m)
	}
	require.Equal(t, 454, intruder.do(rtsp.Setup, intruder.base+"/trackID=0", "Transport", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", port, port+1)).StatusCode)
	waitSent("after the intruder")
	buf := make([]byte, 2048)
	_ = rtpc.SetReadDeadline(time.Now().Add(hangTimeout))
	_, err = rtpc.Read(buf)
	require.NoError(t, err, "RTP reaches the player")

	// The same client on a new connection: allowed.
	again := login(t, dialRaw(t, s, "test"))
	again.sess = sh.ID
	require.Equal(t, 200, again.do(rtsp.GetParameter, again.base).StatusCode)
	require.Equal(t, 200, again.do(rtsp.Pause, again.base).StatusCode)
	require.False(t, sessionPlaying(s, sh.ID), "paused")
	require.Equal(t, 200, again.do(rtsp.Play, again.base).StatusCode)
	waitSent("resumed from the new connection")
	require.Equal(t, 200, again.do(rtsp.Teardown, again.base).StatusCode)
	require.Equal(t, 0, readerCount(t, s))
	require.Equal(t, 454, first.do(rtsp.GetParameter, first.base).StatusCode, "the session is gone")
}

// addrConn is a net.Conn that only has a remote address, for conn.owns.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (a addrConn) RemoteAddr() net.Addr { return a.remote }

func TestOwnerRules(t *testing.T) {
	t.Parallel()
	connAt := func(ip, user string) *conn {
		return &conn{nc: addrConn{remote: net.TCPAddrFromAddrPort(netip.MustParseAddrPort(ip + ":5000"))}, user: user}
	}
	owner := connAt("192.0.2.1", "alice")
	session := func(kind transportKind) *rtspSession {
		return &rtspSession{c: owner, kind: kind, remote: netip.MustParseAddr("192.0.2.1"), user: "alice"}
	}
	cases := []struct {
		name string
		kind transportKind
		c    *conn
		want bool
	}{
		{"tcp, own connection", transportTCP, owner, true},
		{"tcp, same host and user, other connection", transportTCP, connAt("192.0.2.1", "alice"), false},
		{"udp, own connection", transportUDP, owner, true},
		{"udp, same host and user, other connection", transportUDP, connAt("192.0.2.1", "alice"), true},
		{"udp, same host in IPv4-mapped form", transportUDP, connAt("[::ffff:192.0.2.1]", "alice"), true},
		{"udp, other host", transportUDP, connAt("192.0.2.2", "alice"), false},
		{"udp, other user", transportUDP, connAt("192.0.2.1", "bob"), false},
		{"udp, no user", transportUDP, connAt("192.0.2.1", ""), false},
		{"multicast, same host and user", transportMulticast, connAt("192.0.2.1", "alice"), true},
		{"multicast, other host", transportMulticast, connAt("192.0.2.9", "alice"), false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, tc.c.owns(session(tc.kind)), tc.name)
	}
}

// MaxSessions is a hard limit: many SETUPs at once on separate connections
// get exactly MaxSessions sessions, the rest 503. The SETUPs are written
// together, for many rounds: with the check apart from the add, one round
// in a few dozen let a sixth session through on a 2-core machine (the
// test failed 8 times in 10 runs).
func TestOwnerMaxSessionsUnderConcurrentSetups(t *testing.T) {
	t.Parallel()
	const limit, n, rounds = 5, 40, 50
	s := startedServer(t, Config{MaxSessions: limit}, VideoH264, AudioNone)
	sessions := func() int { return rtspSessionCount(s) }
	for round := 0; round < rounds; round++ {
		conns := make([]*net.TCPConn, n)
		for i := range conns {
			conns[i] = dialTCP(t, s)
		}
		codes := make([]int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, nc := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := fmt.Sprintf("SETUP rtsp://%s/test/trackID=0 RTSP/1.0\r\nCSeq: 1\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n", serverAddr(s))
				<-start
				_ = nc.SetWriteDeadline(time.Now().Add(hangTimeout))
				if _, err := nc.Write([]byte(req)); err != nil {
					return
				}
				codes[i] = readStatus(nc, hangTimeout)
			}()
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for _, c := range codes {
			count[c]++
		}
		require.Equal(t, map[int]int{200: limit, 503: n - limit}, count, "round %d: status codes of %d concurrent SETUPs with MaxSessions %d", round, n, limit)
		require.Equal(t, limit, sessions(), "round %d", round)
		// Closing the connections ends their sessions: room again.
		for _, nc := range conns {
			nc.Close()
		}
		require.Eventually(t, func() bool { return sessions() == 0 }, hangTimeout, 5*time.Millisecond)
	}
}
