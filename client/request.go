package client

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// Do sends req and returns the server's response, whatever its status; the
// error is only about the exchange (ErrTimeout, ErrClosed, a write error).
// It is meant for requests the other methods do not make, and for tests
// that send unusual ones.
//
// Do fills in what req leaves out: the URL (the presentation URL), CSeq
// (the next number; a CSeq set by the caller is sent as is), User-Agent,
// Session (once the server gave one) and Authorization (once the server
// challenged). A 401 is answered once with the credentials of Options,
// unless req carries its own Authorization or CSeq; the response returned
// is the last one.
func (c *Client) Do(req *rtsp.Request) (*rtsp.Response, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	resp, _, err := c.doLocked(req, c.opt.Timeout)
	return resp, err
}

// DoRaw writes b to the connection as it is and returns the next response
// the server sends, whatever its CSeq: for tests that send malformed
// requests. b should hold exactly one request.
func (c *Client) DoRaw(b []byte) (*rtsp.Response, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	return c.exchange(func() error {
		_, err := c.nc.Write(b)
		return err
	}, 0, true, c.opt.Timeout)
}

// doLocked sends req with reqMu held, answering a 401 once (twice when the
// server says the nonce was stale). authErr tells why a final 401 could not
// be answered.
func (c *Client) doLocked(req *rtsp.Request, timeout time.Duration) (resp *rtsp.Response, authErr, err error) {
	if req.Header == nil {
		req.Header = rtsp.Header{}
	}
	if req.URL == nil {
		req.URL = c.URL()
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.opt.UserAgent)
	}
	if len(c.opt.Require) > 0 && req.Header.Get("Require") == "" {
		req.Header.Set("Require", strings.Join(c.opt.Require, ", "))
	}
	if req.Header.Get("Session") == "" {
		if s := c.Session(); s != "" {
			req.Header.Set("Session", s)
		}
	}
	userCSeq := req.Header.Get("CSeq") != ""
	userAuth := req.Header.Get("Authorization") != ""
	uri := requestURI(req.URL)
	for attempt := 0; ; attempt++ {
		if !userCSeq || attempt > 0 {
			c.cseq++
			req.Header.Set("CSeq", strconv.FormatUint(uint64(c.cseq), 10))
		}
		if c.auth != nil && !userAuth {
			v, err := c.auth.Authorize(string(req.Method), uri)
			if err != nil {
				return nil, nil, fmt.Errorf("client: %s: authorization: %w", req.Method, err)
			}
			if v != "" {
				req.Header.Set("Authorization", v)
			}
		}
		resp, err = c.send(req, timeout)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode != rtsp.StatusUnauthorized || userAuth || userCSeq || attempt >= 2 {
			return resp, nil, nil
		}
		if c.auth == nil {
			return resp, ErrAuthRequired, nil
		}
		// RFC 7616 §3.3: answer the challenge once; a second 401 means
		// wrong credentials unless it says the nonce was stale.
		if err := c.auth.HandleChallenges(resp.Header.Values("WWW-Authenticate")); err != nil {
			return resp, err, nil
		}
	}
}

// send writes req and waits for the response with its CSeq.
func (c *Client) send(req *rtsp.Request, timeout time.Duration) (*rtsp.Response, error) {
	cseq, err := req.CSeq()
	return c.exchange(func() error { return req.Write(c.nc) }, cseq, err != nil, timeout)
}

// exchange registers the pending response, runs write under the write lock
// and waits for the response.
func (c *Client) exchange(write func() error, cseq uint32, anyCSeq bool, timeout time.Duration) (*rtsp.Response, error) {
	if c.closed() {
		return nil, ErrClosed
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	p := &pendingRequest{cseq: cseq, anyCSeq: anyCSeq, ch: make(chan *rtsp.Response, 1)}
	c.pmu.Lock()
	c.pending = p
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		if c.pending == p {
			c.pending = nil
		}
		c.pmu.Unlock()
	}()

	c.wmu.Lock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	err := write()
	if err != nil {
		// Part of the message may be on the wire: the stream is no
		// longer in sync, so the connection is done for.
		c.nc.Close()
	}
	c.wmu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("client: write request: %w", err)
	}

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case resp := <-p.ch:
		return resp, nil
	case <-timer.C:
		return nil, ErrTimeout
	case <-c.readDone:
		// A response read just before the connection ended still counts.
		select {
		case resp := <-p.ch:
			return resp, nil
		default:
		}
		return nil, c.readErr
	case <-c.done:
		return nil, ErrClosed
	}
}

// deliverResponse hands a response from the read loop to the request
// waiting for it. A response nobody waits for (it came after its request
// timed out) is dropped. One without a usable CSeq goes to the waiting
// request: RFC 2326 §12.17 requires CSeq, but a server that leaves it out
// still answers in order.
func (c *Client) deliverResponse(resp *rtsp.Response) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	p := c.pending
	if p == nil {
		return
	}
	cs, err := resp.CSeq()
	if p.anyCSeq || err != nil || cs == p.cseq {
		c.pending = nil
		select {
		case p.ch <- resp:
		default:
		}
	}
}

// requestURI is the Request-URI as rtsp.Request.Write sends it, which is
// what Digest credentials hash (RFC 7616 §3.4: digest-uri).
func requestURI(u *url.URL) string {
	if u.Scheme == "" && u.Host == "" && u.Path == "*" && u.RawQuery == "" {
		return "*"
	}
	x := *u
	x.User = nil
	return x.String()
}

// statusError turns a non-2xx response into a *StatusError.
func statusError(m rtsp.Method, resp *rtsp.Response, authErr error) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &StatusError{Method: m, Response: resp, Err: authErr}
}

// request sends a request made by one of the Client's methods and turns a
// non-2xx answer into an error.
func (c *Client) request(req *rtsp.Request) (*rtsp.Response, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	resp, authErr, err := c.doLocked(req, c.opt.Timeout)
	if err != nil {
		return nil, err
	}
	if err := statusError(req.Method, resp, authErr); err != nil {
		return resp, err
	}
	return resp, nil
}
