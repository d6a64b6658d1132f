package client

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// Codec names a track's RTP payload format: the encoding name of its
// a=rtpmap (or of its static payload type, RFC 3551 §6), upper-cased.
// The constants are the ones Frame depacketizing knows; other names are
// possible and get only OnPacket.
type Codec string

// Codecs with a depacketizer.
const (
	CodecH264 Codec = "H264"          // RFC 6184
	CodecH265 Codec = "H265"          // RFC 7798
	CodecAAC  Codec = "MPEG4-GENERIC" // RFC 3640 AAC-hbr or AAC-lbr
	CodecPCMU Codec = "PCMU"          // G.711 µ-law, RFC 3551 §4.5.14
	CodecPCMA Codec = "PCMA"          // G.711 A-law
	CodecJPEG Codec = "JPEG"          // RFC 2435
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
	// PayloadType is the first format of the m= line, the one this client
	// depacketizes.
	PayloadType uint8
	// Codec is the encoding name of PayloadType, upper-cased; "" when the
	// media has no usable rtpmap.
	Codec Codec
	// ClockRate is the RTP timestamp rate in Hz; 0 when unknown.
	ClockRate uint32
	// Channels is the audio channel count of the rtpmap; 0 when absent.
	Channels int
	// FMTP holds the format parameters of PayloadType (zero when absent).
	FMTP sdp.FMTP
	// Control is the URL to SETUP the track with; nil when its control
	// attribute could not be resolved (Setup then fails).
	Control *url.URL
	// SDP is the media description itself.
	SDP *sdp.Media
}

// ParameterSets returns the parameter sets the SDP carries for an H.264
// track (sprop-parameter-sets: SPS and PPS, RFC 6184 §8.1) or an H.265
// track (sprop-vps, sprop-sps, sprop-pps, RFC 7798 §7.1), in that order;
// nil for other codecs or when absent.
func (t Track) ParameterSets() ([][]byte, error) {
	switch t.Codec {
	case CodecH264:
		v, ok := t.FMTP.Get("sprop-parameter-sets")
		if !ok {
			return nil, nil
		}
		return h26x.ParseH264SpropParameterSets(v)
	case CodecH265:
		var out [][]byte
		for _, k := range []string{"sprop-vps", "sprop-sps", "sprop-pps"} {
			v, ok := t.FMTP.Get(k)
			if !ok {
				continue
			}
			nals, err := h26x.ParseH265SpropValue(v)
			if err != nil {
				return nil, err
			}
			out = append(out, nals...)
		}
		return out, nil
	}
	return nil, nil
}

// fmtpParams returns the parameters of f as the text after the payload
// type, "a=1;b=2", which the codec packages' ParseFMTP functions read.
func fmtpParams(f sdp.FMTP) string {
	s := f.String()
	if _, rest, ok := strings.Cut(s, " "); ok {
		return rest
	}
	return ""
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
		if pt, err := m.PayloadType(); err == nil {
			t.PayloadType = pt
			if rm, err := m.RTPMap(pt); err == nil {
				t.Codec = Codec(strings.ToUpper(rm.Encoding))
				t.ClockRate = rm.ClockRate
				t.Channels = rm.Channels
			}
			if f, err := m.FMTP(pt); err == nil {
				t.FMTP = f
			}
		}
		if u, err := rtsp.ResolveControl(base, m.Control()); err == nil {
			t.Control = u
		}
		d.Tracks = append(d.Tracks, t)
	}
	return d
}
