package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// RTSP over HTTP, the tunnel QuickTime introduced and ONVIF Streaming
// (§5.1.1.2, "RTSP over HTTP") requires of Profile S and T devices, on the
// RTSP port itself. A client opens two HTTP connections that share an
// x-sessioncookie header:
//
//   - GET: the server answers "200 OK" with the content type
//     application/x-rtsp-tunnelled and then keeps the connection as the
//     way from server to client: every RTSP response and all interleaved
//     media go down it, unencoded;
//   - POST: the client's way to the server, whose body is RTSP requests
//     (and interleaved RTCP) in base64, with no end and no answer.
//
// Once both halves are there, they make one connection (tunnelConn) that
// the ordinary RTSP code serves: media goes interleaved, as for
// RTP/AVP/TCP. A GET waits for its POST ReadHeaderTimeout at most.

// maxTunnelsPending bounds the GETs waiting for their POST.
const maxTunnelsPending = 256

// tunnelHalf is a POST handed to the GET of the same cookie.
type tunnelHalf struct {
	nc net.Conn
	br *bufio.Reader // holds what the client sent after the POST's head
}

// serveTunnel serves a connection that began with an HTTP request.
func (c *conn) serveTunnel(br *bufio.Reader) {
	_ = c.nc.SetReadDeadline(time.Now().Add(c.rt.cfg.ReadHeaderTimeout))
	req, err := rtsp.ReadTunnelRequest(br)
	if err != nil {
		c.httpFail(400, err.Error()+" (only RTSP over HTTP is served here)")
		return
	}
	switch req.Method {
	case "GET":
		c.tunnelGET(req.Cookie)
	case "POST":
		c.tunnelPOST(req.Cookie, br)
	}
}

// tunnelGET answers the GET, waits for the POST of its cookie, and serves
// the tunnel they make until it ends.
func (c *conn) tunnelGET(cookie string) {
	r := c.rt
	wait := make(chan tunnelHalf, 1)
	r.mu.Lock()
	if r.tunnels == nil {
		r.tunnels = make(map[string]chan tunnelHalf)
	}
	_, taken := r.tunnels[cookie]
	full := len(r.tunnels) >= maxTunnelsPending
	if !taken && !full {
		r.tunnels[cookie] = wait
	}
	r.mu.Unlock()
	switch {
	case taken:
		c.httpFail(409, "x-sessioncookie in use")
		return
	case full:
		c.httpFail(503, "too many tunnels opening")
		return
	}
	defer func() {
		r.mu.Lock()
		if r.tunnels[cookie] == wait {
			delete(r.tunnels, cookie)
		}
		r.mu.Unlock()
	}()
	_ = c.nc.SetWriteDeadline(time.Now().Add(r.cfg.WriteTimeout))
	head := "HTTP/1.0 200 OK\r\nServer: " + serverName + "\r\nConnection: close\r\n" +
		"Cache-Control: no-store\r\nPragma: no-cache\r\nContent-Type: application/x-rtsp-tunnelled\r\n\r\n"
	if _, err := io.WriteString(c.nc, head); err != nil {
		return
	}
	timer := time.NewTimer(r.cfg.ReadHeaderTimeout)
	defer timer.Stop()
	var post tunnelHalf
	select {
	case post = <-wait:
	case <-timer.C:
		r.cfg.Logger.Debug("rtsp over http: no POST", "remote", c.nc.RemoteAddr().String())
		return
	case <-r.done:
		return
	}
	tc := &tunnelConn{get: c.nc, post: post.nc, in: rtsp.NewTunnelReader(post.br)}
	t := newConn(r, tc)
	t.secure, t.coalesce = c.secure, true
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		tc.Close()
		return
	}
	// The tunnel takes the GET's place among the connections (the GET's
	// own conn must not be evicted as idle from under it).
	delete(r.conns, c)
	r.conns[t] = struct{}{}
	r.mu.Unlock()
	r.cfg.Logger.Debug("rtsp over http", "remote", c.nc.RemoteAddr().String())
	t.serve()
	r.mu.Lock()
	delete(r.conns, t)
	r.mu.Unlock()
}

// tunnelPOST hands the POST to its GET; the connection is the tunnel's
// from then on.
func (c *conn) tunnelPOST(cookie string, br *bufio.Reader) {
	r := c.rt
	r.mu.Lock()
	wait := r.tunnels[cookie]
	delete(r.tunnels, cookie)
	r.mu.Unlock()
	if wait == nil {
		c.httpFail(404, "no GET with this x-sessioncookie")
		return
	}
	wait <- tunnelHalf{nc: c.nc, br: br} // buffered, and taken once
	c.handedOff = true
}

// httpFail answers an HTTP error and lets the connection close.
func (c *conn) httpFail(code int, why string) {
	c.rt.cfg.Logger.Debug("rtsp over http refused", "remote", c.nc.RemoteAddr().String(), "status", code, "why", why)
	_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = fmt.Fprintf(c.nc, "HTTP/1.0 %d %s\r\nServer: %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		code, httpStatusText[code], serverName)
}

var httpStatusText = map[int]string{400: "Bad Request", 404: "Not Found", 409: "Conflict", 503: "Service Unavailable"}

// tunnelConn is the two halves of a tunnel as one connection: reads come
// from the POST, decoded; writes go to the GET as they are.
type tunnelConn struct {
	get, post net.Conn
	in        *rtsp.TunnelReader
	once      sync.Once
}

func (t *tunnelConn) Read(p []byte) (int, error)  { return t.in.Read(p) }
func (t *tunnelConn) Write(p []byte) (int, error) { return t.get.Write(p) }
func (t *tunnelConn) Close() error {
	t.once.Do(func() {
		t.get.Close()
		t.post.Close()
	})
	return nil
}
func (t *tunnelConn) LocalAddr() net.Addr  { return t.get.LocalAddr() }
func (t *tunnelConn) RemoteAddr() net.Addr { return t.get.RemoteAddr() }
func (t *tunnelConn) SetDeadline(d time.Time) error {
	_ = t.post.SetReadDeadline(d)
	return t.get.SetWriteDeadline(d)
}
func (t *tunnelConn) SetReadDeadline(d time.Time) error  { return t.post.SetReadDeadline(d) }
func (t *tunnelConn) SetWriteDeadline(d time.Time) error { return t.get.SetWriteDeadline(d) }
