package server

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"
)

// TestMulticastSharedByPlayers runs two multicast players of one session:
// both get the same group, the packets are sent once, and the group stops
// when the last player leaves. Everything stays on the loopback interface
// (Config.MulticastInterface "lo"): no packet leaves the machine.
func TestMulticastSharedByPlayers(t *testing.T) {
	t.Parallel()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip("no loopback interface named lo")
	}
	mport := freeUDPPortPair(t)
	s := startedServer(t, Config{MulticastInterface: "lo", MulticastRange: "239.255.77.0/24", MulticastPort: mport, MulticastTTL: 1}, VideoH264, AudioNone)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", "../testdata/h264_main_720p.h264", stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	var groups []*rtsp.Transport
	var players []*rawClient
	for i := 0; i < 2; i++ {
		c := dialRaw(t, s, "test")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;multicast")
		require.Equal(t, 200, resp.StatusCode)
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.Equal(t, rtsp.DeliveryMulticast, tr.Delivery)
		require.NotNil(t, tr.Port)
		groups = append(groups, &tr)
		sh, _ := rtsp.ParseSession(resp.Header.Get("Session"))
		c.sess = sh.ID
		players = append(players, c)
	}
	require.Equal(t, groups[0].Destination, groups[1].Destination, "one group per session")
	require.Equal(t, "239.255.77.1", groups[0].Destination)
	require.Equal(t, uint16(mport), groups[0].Port.First)

	// Join the group on lo before PLAY.
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero, Port: int(groups[0].Port.First)})
	require.NoError(t, err)
	defer uc.Close()
	require.NoError(t, uc.SetReadBuffer(4<<20)) // room for the packets that come while the test is not running
	pc := ipv4.NewPacketConn(uc)
	require.NoError(t, pc.JoinGroup(lo, &net.UDPAddr{IP: net.ParseIP(groups[0].Destination)}))

	for _, c := range players {
		require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
	}
	buf := make([]byte, 2048)
	var last uint16
	for i := 0; i < 40; i++ {
		_ = uc.SetReadDeadline(time.Now().Add(hangTimeout))
		n, _, err := uc.ReadFromUDP(buf)
		require.NoError(t, err)
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(buf[:n]))
		if i > 0 {
			// Two players, yet every packet comes once.
			require.Equal(t, last+1, p.SequenceNumber)
		}
		last = p.SequenceNumber
	}
	st, err := s.Stats("test")
	require.NoError(t, err)
	mc := 0
	for _, r := range st.Readers {
		if r.Transport == "multicast" && r.Session == "" {
			mc++
			require.Greater(t, r.Packets, uint64(0))
		}
	}
	require.Equal(t, 1, mc, "one shared multicast sender")

	// A group outside the configured range is refused.
	c := dialRaw(t, s, "test")
	require.Equal(t, 403, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;multicast;destination=224.0.0.1").StatusCode)

	// When the last player leaves, the group goes quiet.
	for _, c := range players {
		require.Equal(t, 200, c.do(rtsp.Teardown, c.base).StatusCode)
	}
	// What the server sent before TEARDOWN answered is read first; after
	// that nothing more comes, though the pump goes on. (A group still
	// sending would send a packet every few tens of milliseconds.)
	drained := time.Now().Add(hangTimeout)
	for {
		_ = uc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, _, err := uc.ReadFromUDP(buf); err != nil {
			break
		}
		require.True(t, time.Now().Before(drained), "the group still sends after the last TEARDOWN")
	}
	_ = uc.SetReadDeadline(time.Now().Add(time.Second))
	_, _, err = uc.ReadFromUDP(buf)
	require.Error(t, err, "no more multicast after the last TEARDOWN")

	// A destroyed session's group goes with it: a server whose sessions
	// (or publishers) come and go keeps none of them. Each new session
	// of the name gets a group of its own.
	groupsHeld := func() int {
		s.run.mu.Lock()
		defer s.run.mu.Unlock()
		return len(s.run.mcast) + len(s.run.mcast6)
	}
	require.Equal(t, 1, groupsHeld())
	require.NoError(t, s.DestroySession("test"))
	require.Zero(t, groupsHeld(), "the destroyed session's group is still held")
	for i := 0; i < 3; i++ {
		require.NoError(t, s.CreateSession("again", VideoH264, false))
		c := dialRaw(t, s, "again")
		resp := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;multicast")
		require.Equal(t, 200, resp.StatusCode)
		tr, err := rtsp.ParseTransport(resp.Header.Get("Transport"))
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("239.255.77.%d", 2+i), tr.Destination)
		require.Equal(t, 1, groupsHeld())
		require.NoError(t, s.DestroySession("again"))
		require.Zero(t, groupsHeld(), "round %d: the destroyed session's group is still held", i)
	}
}

// freeUDPPortPair returns an even port whose pair is free on all addresses
// now, so that another process's use of a fixed port cannot fail the test.
func freeUDPPortPair(t *testing.T) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero})
		require.NoError(t, err)
		p := a.LocalAddr().(*net.UDPAddr).Port &^ 1
		a.Close()
		if p == 0 {
			continue
		}
		c1, err1 := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero, Port: p})
		c2, err2 := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero, Port: p + 1})
		if c1 != nil {
			c1.Close()
		}
		if c2 != nil {
			c2.Close()
		}
		if err1 == nil && err2 == nil {
			return p
		}
	}
	t.Fatal("no free UDP port pair")
	return 0
}

// Players racing their session's destruction: each round a session is
// created, and three players, over multicast, UDP and TCP, SETUP and PLAY
// it while it is destroyed. Whatever the order, nothing of it is kept: no
// multicast group (one added by a SETUP that lost the race is dropped by
// that SETUP) and no player's session (one added after the stream ended
// its sessions is refused by its SETUP), though the players keep their
// connections; and the server serves on.
func TestPlayersRacingDestroy(t *testing.T) {
	t.Parallel()
	if _, err := net.InterfaceByName("lo"); err != nil {
		t.Skip("no loopback interface named lo")
	}
	s := startedServer(t, Config{MulticastInterface: "lo", MulticastRange: "239.255.78.0/24",
		MulticastPort: freeUDPPortPair(t), MulticastTTL: 1}, VideoH264, AudioNone)
	addr := fmt.Sprintf("127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
	groupsHeld := func() int {
		s.run.mu.Lock()
		defer s.run.mu.Unlock()
		return len(s.run.mcast) + len(s.run.mcast6)
	}
	// Sessions left on a destroyed stream: their players, whose
	// connections are still open, would wait for media that never comes.
	zombies := func() int {
		s.run.mu.Lock()
		var mounts []*mount
		for _, rs := range s.run.sessions {
			mounts = append(mounts, rs.m)
		}
		s.run.mu.Unlock() // no lock held while taking another (doc.go)
		n := 0
		for _, m := range mounts {
			if m.isClosed() {
				n++
			}
		}
		return n
	}
	udpPort := freeUDPPortPair(t) // nothing reads it: the datagrams are dropped
	var played atomic.Int64
	for round := 0; round < 60; round++ {
		require.NoError(t, s.CreateSession("m", VideoH264, false))
		var wg sync.WaitGroup
		conns := make(chan net.Conn, 3)
		for p := 0; p < 3; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := dialChurn(addr)
				if err != nil {
					return
				}
				conns <- c.nc // closed after the checks
				c.base = "rtsp://" + addr + "/m"
				transport := []string{"RTP/AVP;multicast", fmt.Sprintf("RTP/AVP;unicast;client_port=%d-%d", udpPort, udpPort+1),
					"RTP/AVP/TCP;unicast;interleaved=0-1"}[p]
				if _, err := c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", transport); err != nil {
					return // the session was gone first: 404
				}
				if _, err := c.do(rtsp.Play, c.base); err == nil {
					played.Add(1)
				}
			}()
		}
		// Destroyed while the players are at it, at a different point
		// of their requests each round.
		time.Sleep(time.Duration(round%6) * 500 * time.Microsecond)
		require.NoError(t, s.DestroySession("m"))
		wg.Wait()
		require.Zero(t, groupsHeld(), "round %d: the destroyed session's group is still held", round)
		require.Zero(t, zombies(), "round %d: a player's session outlived its stream", round)
		close(conns)
		for nc := range conns {
			nc.Close()
		}
	}
	t.Logf("%d of 180 players got as far as PLAY before their session went", played.Load())
	// The server still serves: the next session's multicast SETUP works.
	require.NoError(t, s.CreateSession("after", VideoH264, false))
	c := dialRaw(t, s, "after")
	require.Equal(t, 200, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;multicast").StatusCode)
	require.Equal(t, 1, groupsHeld())
}
