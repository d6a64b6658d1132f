package client

import (
	"net/url"
	"strings"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// Play asks the server to start sending (RFC 2326 §10.5) and returns its
// response. The callbacks (OnPacket, OnRTCP, OnFrame) are read once, here,
// before the request goes out. The RTP-Info header, when present, is
// parsed into each track's TrackStats.RTPInfoSeq and RTPInfoTime. After the
// first Play the Client sends receiver reports and keep-alives (see
// Options).
func (c *Client) Play() (*rtsp.Response, error) {
	if !c.anySetup() {
		return nil, ErrNotSetup
	}
	c.handlers.Store(&handlers{onPacket: c.OnPacket, onRTCP: c.OnRTCP, onFrame: c.OnFrame})
	c.mu.Lock()
	resuming := c.paused
	c.paused = false
	c.mu.Unlock()
	if resuming {
		// A live server resumes where the stream is now, typically at a
		// keyframe: the numbers skipped over the pause are no loss.
		for _, t := range c.setupTracks() {
			t.mu.Lock()
			t.resume, t.resumeFromSet = true, false
			t.mu.Unlock()
		}
	}
	req := &rtsp.Request{Method: rtsp.Play, URL: c.aggregateURL(), Header: rtsp.Header{}}
	resp, err := c.request(req)
	if err != nil {
		return resp, err
	}
	if v := resp.Header.Get("RTP-Info"); v != "" {
		if info, err := rtsp.ParseRTPInfo(v); err == nil {
			c.applyRTPInfo(info)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Checking closed under c.mu orders this before Close's wait for the
	// goroutines: Close marks itself closed before it takes c.mu.
	if !c.loopsStarted && !c.closed() {
		c.loopsStarted = true
		c.startLoops()
	}
	return resp, nil
}

// Pause asks the server to stop sending for a while (RFC 2326 §10.6); Play
// resumes. Keep-alives go on while paused. A live server resumes where its
// stream is then (rtspkit's server: at the next keyframe), so each track's
// sequence restarts at the first packet after the resuming Play, at or
// after its RTP-Info seq: the numbers skipped are not counted lost, no
// frame is marked Damaged for them, and packets from before the pause that
// arrive after it are dropped as Late.
func (c *Client) Pause() (*rtsp.Response, error) {
	if !c.anySetup() {
		return nil, ErrNotSetup
	}
	req := &rtsp.Request{Method: rtsp.Pause, URL: c.aggregateURL(), Header: rtsp.Header{}}
	resp, err := c.request(req)
	if err == nil {
		c.mu.Lock()
		c.paused = true
		c.mu.Unlock()
	}
	return resp, err
}

// Teardown ends the session (RFC 2326 §10.7): it sends an RTCP BYE for
// each track, then TEARDOWN, and stops receiving whatever the answer. The
// tracks and their statistics are forgotten; the Client may Setup again.
func (c *Client) Teardown() (*rtsp.Response, error) {
	if c.Session() == "" {
		return nil, ErrNotSetup
	}
	now := time.Now()
	for _, t := range c.setupTracks() {
		if b, err := t.receiverReport(now, true); err == nil {
			_ = t.sendRTCP(b)
		}
	}
	req := &rtsp.Request{Method: rtsp.Teardown, URL: c.aggregateURL(), Header: rtsp.Header{}}
	resp, err := c.request(req)
	c.mu.Lock()
	tracks := c.tracks
	c.tracks = make([]*track, len(tracks))
	c.channels = [256]*track{}
	c.session = ""
	c.mu.Unlock()
	for _, t := range tracks {
		if t != nil {
			t.closeSockets()
		}
	}
	return resp, err
}

// GetParameter sends a GET_PARAMETER without a body, the usual keep-alive
// (RFC 2326 §10.8), with the session when there is one.
func (c *Client) GetParameter() (*rtsp.Response, error) {
	req := &rtsp.Request{Method: rtsp.GetParameter, URL: c.aggregateURL(), Header: rtsp.Header{}}
	return c.request(req)
}

// aggregateURL is the URL of requests about the whole presentation: the
// session-level control of the description (RFC 2326 §C.1.1), else the
// presentation URL.
func (c *Client) aggregateURL() *url.URL {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.desc != nil && c.desc.ControlURL != nil {
		u := *c.desc.ControlURL
		return &u
	}
	u := *c.u
	return &u
}

func (c *Client) anySetup() bool {
	return len(c.setupTracks()) > 0
}

// setupTracks returns the tracks set up.
func (c *Client) setupTracks() []*track {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*track
	for _, t := range c.tracks {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// applyRTPInfo matches RTP-Info entries to tracks: by URL (exactly, or by
// path, as servers rewrite hosts), else by order when there are as many
// entries as tracks set up.
func (c *Client) applyRTPInfo(info rtsp.RTPInfo) {
	tracks := c.setupTracks()
	used := make([]bool, len(info))
	set := func(t *track, e rtsp.RTPInfoEntry) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if e.Seq != nil {
			v := *e.Seq
			if t.stats.RTPInfoSeq == nil {
				t.stats.RTPInfoSeq = &v
			}
			if t.resume {
				t.resumeFrom, t.resumeFromSet = v, true
			}
		}
		if e.RTPTime != nil && t.stats.RTPInfoTime == nil {
			v := *e.RTPTime
			t.stats.RTPInfoTime = &v
		}
	}
	var unmatched []*track
	for _, t := range tracks {
		found := false
		for j, e := range info {
			if !used[j] && sameResource(e.URL, t.info.Control) {
				used[j], found = true, true
				set(t, e)
				break
			}
		}
		if !found {
			unmatched = append(unmatched, t)
		}
	}
	if len(unmatched) == 0 {
		return
	}
	var left []rtsp.RTPInfoEntry
	for j, e := range info {
		if !used[j] {
			left = append(left, e)
		}
	}
	if len(left) == len(unmatched) {
		for k, t := range unmatched {
			set(t, left[k])
		}
	}
}

// sameResource reports whether an RTP-Info URL names the control URL u.
func sameResource(s string, u *url.URL) bool {
	if u == nil {
		return false
	}
	if s == u.String() {
		return true
	}
	v, err := url.Parse(s)
	if err != nil {
		return false
	}
	a := strings.TrimSuffix(v.Path, "/") + "?" + v.RawQuery
	b := strings.TrimSuffix(u.Path, "/") + "?" + u.RawQuery
	return a == b
}

// startLoops starts the receiver-report and keep-alive goroutines. Called
// with c.mu held.
func (c *Client) startLoops() {
	if iv := c.opt.ReceiverReportInterval; iv > 0 && !c.recording {
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.reportLoop(iv) }()
	}
	iv := c.opt.KeepAliveInterval
	if iv == 0 {
		iv = c.sessionTimeout / 2
		if iv <= 0 {
			iv = DefaultSessionTimeout / 2
		}
		iv = max(iv, 250*time.Millisecond)
	}
	if iv > 0 {
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.keepAliveLoop(iv) }()
	}
}

// reportLoop sends a receiver report for every track each interval.
func (c *Client) reportLoop(iv time.Duration) {
	tick := time.NewTicker(iv)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.readDone:
			return
		case now := <-tick.C:
			for _, t := range c.setupTracks() {
				if b, err := t.receiverReport(now, false); err == nil {
					_ = t.sendRTCP(b)
				}
			}
		}
	}
}

// keepAliveLoop keeps the session alive with GET_PARAMETER, or OPTIONS
// once the server refused GET_PARAMETER.
func (c *Client) keepAliveLoop(iv time.Duration) {
	tick := time.NewTicker(iv)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-c.readDone:
			return
		case <-tick.C:
			if c.Session() == "" {
				continue
			}
			c.mu.Lock()
			m := rtsp.GetParameter
			if c.useOptions {
				m = rtsp.Options
			}
			c.mu.Unlock()
			req := &rtsp.Request{Method: m, URL: c.aggregateURL(), Header: rtsp.Header{}}
			resp, err := c.Do(req)
			if err == nil && m == rtsp.GetParameter &&
				(resp.StatusCode == rtsp.StatusNotImplemented || resp.StatusCode == rtsp.StatusMethodNotAllowed) {
				c.mu.Lock()
				c.useOptions = true
				c.mu.Unlock()
			}
		}
	}
}
