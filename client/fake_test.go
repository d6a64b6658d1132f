package client

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/rtsp"
)

// fakeServer is a scripted RTSP server for the cases the real one never
// produces: broken, hostile or unusual answers.
type fakeServer struct {
	ln  net.Listener
	url string
	wg  sync.WaitGroup
}

// fakeConn is one connection of a fakeServer.
type fakeConn struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
	mu sync.Mutex
}

// newFake starts a server on loopback whose connections are handled by
// script, one call per connection; the connection closes when it returns.
func newFake(t *testing.T, script func(fc *fakeConn)) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	fs := &fakeServer{ln: ln, url: fmt.Sprintf("rtsp://%s/stream", ln.Addr())}
	fs.wg.Add(1)
	go func() {
		defer fs.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			fs.wg.Add(1)
			go func() {
				defer fs.wg.Done()
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
				script(&fakeConn{t: t, nc: nc, br: bufio.NewReader(nc)})
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		fs.wg.Wait()
	})
	return fs
}

// next reads the next request, skipping interleaved frames (RTCP from the
// client); nil when the connection ended.
func (fc *fakeConn) next() *rtsp.Request {
	rd := rtsp.NewReader(fc.br, rtsp.Limits{})
	for {
		m, err := rd.Read()
		if err != nil {
			return nil
		}
		if m.Kind == rtsp.KindRequest {
			return m.Request
		}
		if m.Kind == rtsp.KindResponse {
			// The client answering a request of ours: ignore here.
			continue
		}
	}
}

// nextMsg reads the next message of any kind.
func (fc *fakeConn) nextMsg() (rtsp.Message, error) {
	return rtsp.NewReader(fc.br, rtsp.Limits{}).Read()
}

// reply answers req with code, headers given as name, value pairs, and body.
func (fc *fakeConn) reply(req *rtsp.Request, code int, body string, kv ...string) {
	resp := rtsp.NewResponse(req, code)
	for i := 0; i+1 < len(kv); i += 2 {
		resp.Header.Add(kv[i], kv[i+1])
	}
	resp.Body = []byte(body)
	fc.write(func() error { return resp.Write(fc.nc) })
}

// raw writes bytes as they are.
func (fc *fakeConn) raw(b []byte) {
	fc.write(func() error { _, err := fc.nc.Write(b); return err })
}

// frame writes an interleaved frame.
func (fc *fakeConn) frame(ch uint8, payload []byte) {
	fc.write(func() error { return rtsp.WriteInterleavedFrame(fc.nc, ch, payload) })
}

func (fc *fakeConn) write(f func() error) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	_ = f()
}

// sdpH264 is a minimal description with one H.264 track.
const sdpH264 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\na=control:*\r\n" +
	"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\n"

// handshake answers DESCRIBE, SETUP and PLAY the ordinary way, with the
// SETUP answer's Transport given; it returns the SETUP request.
func (fc *fakeConn) handshake(transport string) *rtsp.Request {
	var setup *rtsp.Request
	for {
		req := fc.next()
		if req == nil {
			return setup
		}
		switch req.Method {
		case rtsp.Describe:
			fc.reply(req, 200, sdpH264, "Content-Type", "application/sdp", "Content-Base", req.URL.String()+"/")
		case rtsp.Setup:
			setup = req
			tr := transport
			if tr == "" {
				tr = req.Header.Get("Transport")
			}
			fc.reply(req, 200, "", "Session", "abc;timeout=60", "Transport", tr)
		case rtsp.Play:
			fc.reply(req, 200, "", "Session", "abc")
			return setup
		default:
			fc.reply(req, 200, "")
		}
	}
}
