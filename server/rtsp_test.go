package server

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// rawClient speaks RTSP on a real TCP connection with the rtsp package, so
// tests can send exactly the requests they mean, malformed ones included.
type rawClient struct {
	t    *testing.T
	srv  *Server // the server it talks to
	nc   net.Conn
	rd   *rtsp.Reader
	cseq int
	base string
	sess string
	// interleaved frames received while waiting for a response
	frames []rtsp.Message
}

func dialRaw(t *testing.T, s *Server, path string) *rawClient {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
	nc, err := net.DialTimeout("tcp", addr, hangTimeout)
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	return &rawClient{t: t, srv: s, nc: nc, rd: rtsp.NewReader(bufio.NewReader(nc), rtsp.Limits{}), base: "rtsp://" + addr + "/" + path}
}

func (c *rawClient) do(method rtsp.Method, u string, hdr ...string) *rtsp.Response {
	c.t.Helper()
	c.cseq++
	pu, err := url.Parse(u)
	require.NoError(c.t, err)
	req := &rtsp.Request{Method: method, URL: pu, Header: rtsp.Header{}}
	req.Header.Set("CSeq", fmt.Sprint(c.cseq))
	if c.sess != "" {
		req.Header.Set("Session", c.sess)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	require.NoError(c.t, c.nc.SetDeadline(time.Now().Add(hangTimeout)))
	require.NoError(c.t, req.Write(c.nc))
	return c.read()
}

func (c *rawClient) read() *rtsp.Response {
	c.t.Helper()
	for {
		m, err := c.rd.Read()
		require.NoError(c.t, err)
		switch m.Kind {
		case rtsp.KindResponse:
			return m.Response
		case rtsp.KindFrame:
			m.Payload = append([]byte(nil), m.Payload...)
			c.frames = append(c.frames, m)
		}
	}
}

// readFrame returns the next interleaved frame.
func (c *rawClient) readFrame(d time.Duration) (uint8, []byte, error) {
	if len(c.frames) > 0 {
		f := c.frames[0]
		c.frames = c.frames[1:]
		return f.Channel, f.Payload, nil
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	for {
		m, err := c.rd.Read()
		if err != nil {
			return 0, nil, err
		}
		if m.Kind == rtsp.KindFrame {
			return m.Channel, m.Payload, nil
		}
	}
}

// setupPlayTCP runs SETUP (interleaved) on every track and PLAY.
func (c *rawClient) setupPlayTCP(tracks int) *rtsp.Response {
	c.t.Helper()
	for i := 0; i < tracks; i++ {
		resp := c.do(rtsp.Setup, fmt.Sprintf("%s/trackID=%d", c.base, i), "Transport", fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", 2*i, 2*i+1))
		require.Equal(c.t, 200, resp.StatusCode)
		sh, err := rtsp.ParseSession(resp.Header.Get("Session"))
		require.NoError(c.t, err)
		c.sess = sh.ID
	}
	resp := c.do(rtsp.Play, c.base+"/", "Range", "npt=0.000-")
	require.Equal(c.t, 200, resp.StatusCode)
	return resp
}

// pump sends a stream's access units in real time until stop is closed.
func pump(t *testing.T, s *Server, name, path string, stop <-chan struct{}, wg *sync.WaitGroup) {
	aus := auOf(t, path, false)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			au := aus[i%len(aus)]
			if err := s.SendVideoData(name, h26x.AppendAnnexB(nil, au...), uint64(i*40)); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
}

func startedServer(t *testing.T, cfg Config, video VideoType, audio AudioType) *Server {
	s := newTestServer(t, cfg)
	require.NoError(t, s.CreateSessionWithAudio("test", video, audio))
	require.NoError(t, s.Start())
	return s
}

func TestMethodsAndStatusCodes(t *testing.T) {
	t.Parallel()
	// DESCRIBE waits for the pump's first keyframe (the SDP needs its
	// parameter sets), however late the machine runs the pump.
	s := startedServer(t, Config{DescribeWait: hangTimeout}, VideoH264, AudioPCMU)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", "../testdata/h264_main_720p.h264", stop, &wg)
	defer func() { close(stop); wg.Wait() }()

	c := dialRaw(t, s, "test")
	resp := c.do(rtsp.Options, c.base)
	require.Equal(t, 200, resp.StatusCode)
	for _, m := range []string{"OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER"} {
		require.Contains(t, resp.Header.Get("Public"), m)
	}
	require.Equal(t, "1", resp.Header.Get("CSeq"))

	// DESCRIBE: SDP with both tracks, H.264 parameters, Content-Base.
	resp = c.do(rtsp.Describe, c.base, "Accept", "application/sdp")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/sdp", resp.Header.Get("Content-Type"))
	require.Equal(t, c.base+"/", resp.Header.Get("Content-Base"))
	body := string(resp.Body)
	for _, want := range []string{"m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "packetization-mode=1", "profile-level-id=4d401f", "sprop-parameter-sets=", "m=audio 0 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=control:trackID=0", "a=control:trackID=1"} {
		require.Contains(t, body, want)
	}

	// 404 unknown path; 400 for a ".." path.
	require.Equal(t, 404, c.do(rtsp.Describe, strings.Replace(c.base, "/test", "/nope", 1)).StatusCode)
	require.Equal(t, 404, c.do(rtsp.Setup, c.base+"/trackID=9", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1").StatusCode)
	// 461: a transport we do not speak.
	require.Equal(t, 461, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/SAVP;unicast;client_port=5000-5001").StatusCode)
	// 400: no Transport; no CSeq.
	require.Equal(t, 400, c.do(rtsp.Setup, c.base+"/trackID=0").StatusCode)
	require.Equal(t, 400, c.do(rtsp.Options, c.base, "CSeq", "").StatusCode)
	// 454: unknown session; 455: PLAY before SETUP is impossible without a
	// session, so PAUSE... use PLAY on a session with no track: not
	// reachable; test SETUP while playing below.
	c.sess = "deadbeef"
	require.Equal(t, 454, c.do(rtsp.Play, c.base).StatusCode)
	require.Equal(t, 454, c.do(rtsp.Teardown, c.base).StatusCode)
	c.sess = ""
	// 403: UDP to somebody else's address (no traffic reflection).
	require.Equal(t, 403, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP;unicast;destination=192.0.2.99;client_port=5000-5001").StatusCode)
	// 501: publishing and unknown methods.
	require.Equal(t, 501, c.do(rtsp.Announce, c.base, "Content-Type", "application/sdp").StatusCode)
	require.Equal(t, 501, c.do(rtsp.Record, c.base).StatusCode)
	require.Equal(t, 501, c.do("FROBNICATE", c.base).StatusCode)
	// GET_PARAMETER without a session is a keep-alive.
	require.Equal(t, 200, c.do(rtsp.GetParameter, c.base).StatusCode)

	// SETUP both tracks, PLAY, then the state rules.
	resp = c.setupPlayTCP(2)
	require.Contains(t, resp.Header.Get("RTP-Info"), "trackID=0;seq=")
	require.Contains(t, resp.Header.Get("Session"), ";timeout=60")
	require.Equal(t, 455, c.do(rtsp.Setup, c.base+"/trackID=0", "Transport", "RTP/AVP/TCP;unicast;interleaved=0-1").StatusCode)
	require.Equal(t, 200, c.do(rtsp.GetParameter, c.base).StatusCode)
	require.Equal(t, 200, c.do(rtsp.SetParameter, c.base).StatusCode)
	require.Equal(t, 200, c.do(rtsp.SetParameter, c.base, "Content-Type", "text/parameters").StatusCode) // no body: a keep-alive
	resp = c.do(rtsp.Pause, c.base)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, 200, c.do(rtsp.Play, c.base).StatusCode)
	require.Equal(t, 200, c.do(rtsp.Teardown, c.base).StatusCode)
	require.Equal(t, 454, c.do(rtsp.Play, c.base).StatusCode)
}

// firstAU reads interleaved RTP on channel 0 until a whole access unit
// came, and returns its NAL units.
func firstAU(t *testing.T, c *rawClient) [][]byte {
	var d h26x.H264Depacketizer
	deadline := time.Now().Add(hangTimeout)
	for time.Now().Before(deadline) {
		ch, payload, err := c.readFrame(hangTimeout)
		require.NoError(t, err)
		if ch != 0 {
			continue
		}
		var p rtp.Packet
		require.NoError(t, p.Unmarshal(payload))
		aus, err := d.Depacketize(&p)
		require.NoError(t, err)
		if len(aus) > 0 {
			return aus[0].NALs
		}
	}
	t.Fatal("no access unit")
	return nil
}

// A player that joins in the middle of a GOP starts at once with the GOP's
// keyframe, from the cache, then gets the pictures that followed it, and
// then the live ones: checked by content, with nothing sent between the
// join and the cached pictures' arrival, so that they cannot be live ones.
func TestJoinMidGOPStartsAtKeyframe(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	aus := auOf(t, "../testdata/h264_main_720p.h264", false)
	send := func(i int) {
		require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[i]...), uint64(i*40)))
	}
	const mid = 17 // the GOP is 25 pictures
	for i := 0; i <= mid; i++ {
		send(i)
	}
	c := dialRaw(t, s, "test")
	c.setupPlayTCP(1)
	col := collectAUs(c, false)
	defer col.finish()
	// The GOP so far, from its keyframe: nothing more was sent.
	require.Eventually(t, func() bool { return col.received(aus[mid]) }, hangTimeout, 5*time.Millisecond, "the cached GOP")
	got := col.all()
	require.Len(t, got, mid+1, "the cached GOP, each picture once")
	var types []h26x.H264NALType
	for _, n := range got[0].nals {
		types = append(types, h26x.H264Type(n))
	}
	require.Contains(t, types, h26x.H264NALIDR, "first access unit is a keyframe: %v", types)
	require.Contains(t, types, h26x.H264NALSPS)
	for i := range got {
		require.Equal(t, aus[i], got[i].nals, "access unit %d", i)
	}
	// Then the live pictures follow on.
	for i := mid + 1; i < 25; i++ {
		send(i)
	}
	send(25) // the next keyframe ends the picture before it
	require.Eventually(t, func() bool { return col.received(aus[24]) }, hangTimeout, 5*time.Millisecond, "the live pictures")
	got = col.all()
	for i := mid + 1; i < 25; i++ {
		require.Equal(t, aus[i], got[i].nals, "access unit %d", i)
	}
}

func TestStopLeavesNothingBehind(t *testing.T) {
	base := countFDs(t)
	s := newTestServer(t, Config{})
	require.NoError(t, s.CreateSession("test", VideoH264, false))
	for round := 0; round < 2; round++ {
		require.NoError(t, s.Start())
		stop := make(chan struct{})
		var wg sync.WaitGroup
		pump(t, s, "test", "../testdata/h264_main_720p.h264", stop, &wg)
		c := dialRaw(t, s, "test")
		c.setupPlayTCP(1)
		firstAU(t, c)
		require.NoError(t, s.Stop())
		close(stop)
		wg.Wait()
		// The player's connection was closed by Stop.
		_, _, err := c.readFrame(2 * time.Second)
		for err == nil {
			_, _, err = c.readFrame(2 * time.Second)
		}
		c.nc.Close()
	}
	require.NoError(t, s.Deinit())
	require.Eventually(t, func() bool { return countFDs(t) <= base }, hangTimeout, 20*time.Millisecond, "file descriptors back to %d", base)
}

func countFDs(t *testing.T) int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(es)
}
