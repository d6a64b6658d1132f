package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// session is the RTSP side of one reader: DESCRIBE, SETUP of the first
// media, PLAY, and an OPTIONS keepalive. It is the leanest client that both
// servers accept; it uses our rtsp and sdp packages for the messages.
type session struct {
	conn    net.Conn
	br      *bufio.Reader
	base    *url.URL // aggregate URL for PLAY
	id      string   // Session header value
	cseq    int
	writeMu sync.Mutex
}

func dialSession(rawURL string, timeout time.Duration) (*session, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		// The benchmark is for this machine's loopback only.
		return nil, fmt.Errorf("refusing non-loopback host %q", h)
	}
	c, err := net.DialTimeout("tcp", u.Host, timeout)
	if err != nil {
		return nil, err
	}
	s := &session{conn: c, br: bufio.NewReaderSize(c, 16<<10), base: u}
	return s, nil
}

func (s *session) send(m rtsp.Method, u *url.URL, h rtsp.Header) error {
	s.cseq++
	if h == nil {
		h = rtsp.Header{}
	}
	h.Set("CSeq", strconv.Itoa(s.cseq))
	h.Set("User-Agent", "rtspkit-bench-swarm")
	if s.id != "" {
		h.Set("Session", s.id)
	}
	req := &rtsp.Request{Method: m, URL: u, Header: h}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return req.Write(s.conn)
}

// do sends a request and reads its response; frames that arrive first
// (interleaved data before the PLAY response) go to onFrame.
func (s *session) do(m rtsp.Method, u *url.URL, h rtsp.Header, onFrame func(ch uint8, p []byte)) (*rtsp.Response, error) {
	if err := s.send(m, u, h); err != nil {
		return nil, err
	}
	var fbuf []byte
	for {
		b, err := s.br.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] == rtsp.InterleavedMarker {
			if fbuf == nil {
				fbuf = make([]byte, rtsp.MaxInterleavedPayload)
			}
			ch, p, err := rtsp.ReadInterleavedFrame(s.br, fbuf)
			if err != nil {
				return nil, err
			}
			if onFrame != nil {
				onFrame(ch, p)
			}
			continue
		}
		resp, err := rtsp.ReadResponse(s.br)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %d %s", m, resp.StatusCode, resp.Reason)
		}
		return resp, nil
	}
}

// setup runs DESCRIBE and SETUP with the given transport spec and returns
// the server's Transport header.
func (s *session) setup(transport string) (rtsp.Transport, error) {
	h := rtsp.Header{}
	h.Set("Accept", "application/sdp")
	resp, err := s.do(rtsp.Describe, s.base, h, nil)
	if err != nil {
		return rtsp.Transport{}, err
	}
	desc, err := sdp.Parse(resp.Body)
	if err != nil {
		return rtsp.Transport{}, fmt.Errorf("SDP: %w", err)
	}
	if len(desc.Media) == 0 {
		return rtsp.Transport{}, errors.New("SDP without media")
	}
	base := s.base
	if cb := resp.Header.Get("Content-Base"); cb != "" {
		if b, err := rtsp.ParseContentBase(cb); err == nil {
			base = b
		}
	}
	track, err := rtsp.ResolveControl(base, desc.Media[0].Control())
	if err != nil {
		return rtsp.Transport{}, err
	}
	if agg, err := rtsp.ResolveControl(base, desc.Control()); err == nil {
		s.base = agg
	}
	h = rtsp.Header{}
	h.Set("Transport", transport)
	resp, err = s.do(rtsp.Setup, track, h, nil)
	if err != nil {
		return rtsp.Transport{}, err
	}
	sess, err := rtsp.ParseSession(resp.Header.Get("Session"))
	if err != nil {
		return rtsp.Transport{}, fmt.Errorf("the Session header: %w", err)
	}
	s.id = sess.ID
	return rtsp.ParseTransport(resp.Header.Get("Transport"))
}

func (s *session) play(onFrame func(ch uint8, p []byte)) error {
	h := rtsp.Header{}
	h.Set("Range", "npt=0.000-")
	_, err := s.do(rtsp.Play, s.base, h, onFrame)
	return err
}

// keepalive sends OPTIONS every period until stop closes. The responses
// are skipped by whoever reads the connection.
func (s *session) keepalive(period time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := s.send(rtsp.Options, s.base, nil); err != nil {
				return
			}
		}
	}
}
