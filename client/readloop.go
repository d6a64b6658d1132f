package client

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rtspkit/rtspkit/rtsp"
)

// readLoop reads the RTSP connection until it ends: responses go to the
// waiting request, interleaved frames to their track, requests from the
// server (RFC 2326 allows a few) are answered.
func (c *Client) readLoop() {
	defer close(c.readDone)
	for {
		msg, err := c.rd.Read()
		if err != nil {
			switch {
			case c.closed():
				c.readErr = ErrClosed
			case errors.Is(err, io.EOF):
				c.readErr = fmt.Errorf("%w: server closed the connection", ErrClosed)
			default:
				c.readErr = fmt.Errorf("%w: %w", ErrClosed, err)
			}
			c.nc.Close()
			return
		}
		switch msg.Kind {
		case rtsp.KindResponse:
			c.deliverResponse(msg.Response)
		case rtsp.KindRequest:
			c.answer(msg.Request)
		case rtsp.KindFrame:
			c.onInterleaved(msg.Channel, msg.Payload, time.Now())
		}
	}
}

// answer replies to a request from the server: OPTIONS and an empty
// GET_PARAMETER (keep-alive pings, RFC 2326 §10.1, §10.8) get 200, anything
// else (ANNOUNCE, REDIRECT, SET_PARAMETER...) 501 Not Implemented.
func (c *Client) answer(req *rtsp.Request) {
	code := rtsp.StatusNotImplemented
	if req.Method == rtsp.Options || (req.Method == rtsp.GetParameter && len(req.Body) == 0) {
		code = rtsp.StatusOK
	}
	resp := rtsp.NewResponse(req, code)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.opt.Timeout))
	if err := resp.Write(c.nc); err != nil {
		c.nc.Close()
	}
}

// onInterleaved hands an interleaved frame to the track whose channel it
// is; frames on other channels are dropped.
func (c *Client) onInterleaved(ch uint8, payload []byte, arrival time.Time) {
	c.mu.Lock()
	t := c.channels[ch]
	c.mu.Unlock()
	if t == nil {
		return
	}
	if ch == t.rtpChannel {
		t.onRTP(payload, arrival)
	} else {
		t.onRTCP(payload, arrival)
	}
}

// writeInterleaved sends one frame on the RTSP connection.
func (c *Client) writeInterleaved(ch uint8, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.opt.Timeout))
	err := rtsp.WriteInterleavedFrame(c.nc, ch, payload)
	if err != nil && !errors.Is(err, rtsp.ErrFrameTooLarge) {
		c.nc.Close()
	}
	return err
}
