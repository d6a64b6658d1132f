package server

import (
	"errors"
	"net/netip"
	"strconv"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/sdp"
)

var errNotReady = errors.New("stream has not sent its audio configuration yet")

// sdp describes the mount for DESCRIBE (RFC 8866; RFC 2326 Appendix C).
// Track controls are relative to the Content-Base, the mount URL with a
// trailing slash.
func (m *mount) sdp(local netip.Addr) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	addrType, any := "IP4", "0.0.0.0"
	if local.Is6() {
		addrType, any = "IP6", "::"
	}
	s := &sdp.Session{
		Origin: sdp.Origin{
			Username: "-", SessionID: strconv.FormatInt(m.clock.epoch.UnixNano()/1000, 10), SessionVersion: "1",
			NetworkType: "IN", AddressType: addrType, Address: local.String(),
		},
		Name:       m.name,
		Connection: &sdp.Connection{NetworkType: "IN", AddressType: addrType, Address: any},
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
	return s.Marshal()
}

func (m *mount) describeTrack(t *track) (*sdp.Media, error) {
	pt := t.stream.PayloadType
	md := &sdp.Media{Type: "audio", Protocol: "RTP/AVP", Formats: []string{strconv.Itoa(int(pt))}}
	rtpmap := func(enc string, rate uint32, ch int) {
		md.Attributes = append(md.Attributes, sdp.RTPMap{PayloadType: pt, Encoding: enc, ClockRate: rate, Channels: ch}.Attribute())
	}
	fmtp := func(v string) {
		md.Attributes = append(md.Attributes, sdp.Attribute{Key: "fmtp", Value: strconv.Itoa(int(pt)) + " " + v})
	}
	if t.video {
		md.Type = "video"
		switch m.video {
		case VideoH264:
			rtpmap("H264", 90000, 0)
			in := m.vid.(*h26xIngest)
			v := "packetization-mode=1"
			if in.haveParams() {
				// RFC 6184 §8.1: profile-level-id from the SPS, the
				// parameter sets out of band so a player can set up its
				// decoder before the first keyframe.
				v += ";profile-level-id=" + h26x.H264ProfileLevelID(in.sps)
				v += ";sprop-parameter-sets=" + h26x.H264SpropParameterSets(in.sps, in.pps)
			}
			fmtp(v)
		case VideoH265:
			rtpmap("H265", 90000, 0)
			in := m.vid.(*h26xIngest)
			if in.haveParams() {
				// RFC 7798 §7.1.
				v := ""
				if sps, err := h26x.ParseH265SPS(in.sps); err == nil {
					v = sps.PTL.FmtpParams() + ";"
				}
				v += "sprop-vps=" + h26x.H265SpropValue(in.vps)
				v += ";sprop-sps=" + h26x.H265SpropValue(in.sps)
				v += ";sprop-pps=" + h26x.H265SpropValue(in.pps)
				fmtp(v)
			}
		case VideoMJPEG:
			rtpmap("JPEG", 90000, 0)
		}
	} else {
		switch m.audio {
		case AudioPCMU:
			rtpmap("PCMU", 8000, 0)
		case AudioPCMA:
			rtpmap("PCMA", 8000, 0)
		case AudioAAC:
			in := m.aud.(*aacIngest)
			if !in.have {
				return nil, errNotReady
			}
			// RFC 3640 §4.1: mpeg4-generic/<rate>/<channels>.
			md.Attributes = append(md.Attributes, sdp.Attribute{Key: "rtpmap", Value: strconv.Itoa(int(pt)) + " " + aac.RTPMapValue(in.cfg)})
			v, err := aac.FMTPValue(in.cfg)
			if err != nil {
				return nil, err
			}
			fmtp(v)
		}
	}
	md.Attributes = append(md.Attributes, sdp.Attribute{Key: "control", Value: t.control})
	return md, nil
}
