package server

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/sdp"
)

var errNotReady = errors.New("stream has not sent its audio configuration yet")

// sdp describes the mount for DESCRIBE (RFC 8866; RFC 2326 Appendix C).
// Track controls are relative to the Content-Base, the mount URL with a
// trailing slash.
func (m *mount) sdp(local netip.Addr, back bool) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	addrType, unspecified := "IP4", "0.0.0.0"
	if local.Is6() {
		addrType, unspecified = "IP6", "::"
	}
	s := &sdp.Session{
		Origin: sdp.Origin{
			Username: "-", SessionID: strconv.FormatInt(m.clock.epoch.UnixNano()/1000, 10), SessionVersion: "1",
			NetworkType: "IN", AddressType: addrType, Address: local.String(),
		},
		Name:       m.name,
		Connection: &sdp.Connection{NetworkType: "IN", AddressType: addrType, Address: unspecified},
		Times:      []sdp.Time{{}},
		Attributes: []sdp.Attribute{{Key: "tool", Value: serverName}, {Key: "control", Value: "*"}},
	}
	for _, t := range m.tracks {
		md, err := m.describeTrack(t)
		if err != nil {
			return nil, err
		}
		s.Media = append(s.Media, md)
	}
	if back {
		describeBackchannel(s)
	}
	return s.Marshal()
}

// describeTrack is one media description: the track's format, as its
// ingest knows it now, written by the format layer, and its control.
func (m *mount) describeTrack(t *track) (*sdp.Media, error) {
	var f format.Format
	var err error
	if t.video {
		f, err = m.vid.format()
	} else {
		f, err = m.aud.format()
	}
	if err != nil {
		return nil, err
	}
	return f.Media(t.control), nil
}
