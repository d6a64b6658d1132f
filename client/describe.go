package client

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// Codec names a track's RTP payload format: the encoding name of its
// a=rtpmap (or of its static payload type, RFC 3551 §6), upper-cased. It
// is the format package's Codec: one vocabulary for the server, the client
// and the command. Other names than the constants are possible and get
// only OnPacket.
type Codec = format.Codec

// Codecs with a depacketizer (format's constants under the names this
// package has always had).
const (
	CodecH264 = format.H264 // RFC 6184
	CodecH265 = format.H265 // RFC 7798
	CodecAAC  = format.AAC  // RFC 3640 AAC-hbr or AAC-lbr ("MPEG4-GENERIC")
	CodecPCMU = format.PCMU // G.711 µ-law, RFC 3551 §4.5.14
	CodecPCMA = format.PCMA // G.711 A-law
	CodecJPEG = format.JPEG // RFC 2435
)

// Description is a presentation as DESCRIBE told it: the parsed SDP and,
// for each media description, a Track with its control URL resolved.
type Description struct {
	// SDP is the parsed session description (RFC 8866).
	SDP *sdp.Session
	// Raw is the response body as received.
	Raw []byte
	// BaseURL is what relative controls resolve against: the
	// Content-Base of the response, else its Content-Location, else the
	// DESCRIBE URL (RFC 2326 §C.1.1).
	BaseURL *url.URL
	// ControlURL is the aggregate control URL, for PLAY, PAUSE and
	// TEARDOWN: the session-level a=control resolved, or BaseURL.
	ControlURL *url.URL
	// Tracks has one entry per media description, in order; Setup takes
	// an index into it.
	Tracks []Track
}

// Track is one media description of a Description.
type Track struct {
	// Media is the media type: "video", "audio", "application"...
	Media string
	// Format is the first payload format of the m= line, the one this
	// client depacketizes, as the format package reads it: Codec (the
	// encoding name, upper-cased; "" when the media has no usable
	// rtpmap), PayloadType, ClockRate (0 when unknown), Channels and FMTP,
	// and ParameterSets for H.264 and H.265.
	format.Format
	// Control is the URL to SETUP the track with; nil when its control
	// attribute could not be resolved (Setup then fails).
	Control *url.URL
	// SDP is the media description itself.
	SDP *sdp.Media
}

// Describe asks the server for the presentation's description (RFC 2326
// §10.2), parses it and keeps it for Setup. It may be called again before
// the first Setup.
func (c *Client) Describe() (*Description, error) {
	req := &rtsp.Request{Method: rtsp.Describe, URL: c.URL(), Header: rtsp.Header{}}
	req.Header.Set("Accept", "application/sdp")
	resp, err := c.request(req)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		if !strings.EqualFold(strings.TrimSpace(mt), "application/sdp") {
			return nil, fmt.Errorf("%w: DESCRIBE answered with Content-Type %q", ErrBadResponse, ct)
		}
	}
	s, err := sdp.Parse(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: SDP: %w", ErrBadResponse, err)
	}
	base := req.URL
	for _, h := range []string{"Content-Base", "Content-Location"} {
		if v := resp.Header.Get(h); v != "" {
			if u, err := rtsp.ParseContentBase(v); err == nil {
				base = u
				break
			}
		}
	}
	d := newDescription(s, base)
	d.Raw = resp.Body

	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range c.tracks {
		if t != nil {
			return nil, fmt.Errorf("%w: Describe after Setup", ErrAlreadySetup)
		}
	}
	c.desc = d
	c.tracks = make([]*track, len(d.Tracks))
	return d, nil
}

// newDescription builds the Description of s, with controls resolved
// against base.
func newDescription(s *sdp.Session, base *url.URL) *Description {
	d := &Description{SDP: s, BaseURL: base, ControlURL: base}
	if u, err := rtsp.ResolveControl(base, s.Control()); err == nil {
		d.ControlURL = u
	}
	for _, m := range s.Media {
		t := Track{Media: m.Type, SDP: m}
		if f, err := format.FromMedia(m); err == nil {
			t.Format = f
		}
		if u, err := rtsp.ResolveControl(base, m.Control()); err == nil {
			t.Control = u
		}
		d.Tracks = append(d.Tracks, t)
	}
	return d
}
