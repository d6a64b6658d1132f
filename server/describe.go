package server

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/h26x"
)

var errNotReady = errors.New("stream has not sent its parameter sets yet")

// sdp describes the mount (RFC 8866), for DESCRIBE. Track controls are
// relative to the Content-Base, which is the mount URL with a slash.
func (m *mount) sdp(local netip.Addr, base string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ip4 := "IP4"
	if local.Is6() {
		ip4 = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\n")
	fmt.Fprintf(&b, "o=- %d 1 IN %s %s\r\n", m.clock.epoch.UnixNano()/1000, ip4, local)
	fmt.Fprintf(&b, "s=%s\r\n", m.name)
	fmt.Fprintf(&b, "c=IN %s %s\r\n", ip4, map[bool]string{true: "::", false: "0.0.0.0"}[local.Is6()])
	fmt.Fprintf(&b, "t=0 0\r\n")
	fmt.Fprintf(&b, "a=tool:%s\r\n", serverName)
	fmt.Fprintf(&b, "a=control:*\r\n")
	for _, t := range m.tracks {
		if err := m.describeTrack(&b, t); err != nil {
			return nil, err
		}
	}
	return []byte(b.String()), nil
}

func (m *mount) describeTrack(b *strings.Builder, t *track) error {
	pt := strconv.Itoa(int(t.stream.PayloadType))
	if t.video {
		fmt.Fprintf(b, "m=video 0 RTP/AVP %s\r\n", pt)
		switch m.video {
		case VideoH264:
			fmt.Fprintf(b, "a=rtpmap:%s H264/90000\r\n", pt)
			in := m.vid.(*h26xIngest)
			fmtp := "packetization-mode=1"
			if in.haveParams() {
				fmtp += ";profile-level-id=" + h26x.H264ProfileLevelID(in.sps)
				fmtp += ";sprop-parameter-sets=" + h26x.H264SpropParameterSets(in.sps, in.pps)
			}
			fmt.Fprintf(b, "a=fmtp:%s %s\r\n", pt, fmtp)
		case VideoH265:
			fmt.Fprintf(b, "a=rtpmap:%s H265/90000\r\n", pt)
			in := m.vid.(*h26xIngest)
			if in.haveParams() {
				fmtp := ""
				if sps, err := h26x.ParseH265SPS(in.sps); err == nil {
					fmtp = sps.PTL.FmtpParams() + ";"
				}
				fmtp += "sprop-vps=" + h26x.H265SpropValue(in.vps)
				fmtp += ";sprop-sps=" + h26x.H265SpropValue(in.sps)
				fmtp += ";sprop-pps=" + h26x.H265SpropValue(in.pps)
				fmt.Fprintf(b, "a=fmtp:%s %s\r\n", pt, fmtp)
			}
		case VideoMJPEG:
			fmt.Fprintf(b, "a=rtpmap:%s JPEG/90000\r\n", pt)
		}
	} else {
		fmt.Fprintf(b, "m=audio 0 RTP/AVP %s\r\n", pt)
		switch m.audio {
		case AudioPCMU:
			fmt.Fprintf(b, "a=rtpmap:0 PCMU/8000\r\n")
		case AudioPCMA:
			fmt.Fprintf(b, "a=rtpmap:8 PCMA/8000\r\n")
		case AudioAAC:
			in := m.aud.(*aacIngest)
			if !in.have {
				return errNotReady
			}
			fmt.Fprintf(b, "a=rtpmap:%s %s\r\n", pt, aac.RTPMapValue(in.cfg))
			v, err := aac.FMTPValue(in.cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, "a=fmtp:%s %s\r\n", pt, v)
		}
	}
	fmt.Fprintf(b, "a=control:%s\r\n", t.control)
	return nil
}
