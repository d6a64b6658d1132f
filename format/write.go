package format

import (
	"strconv"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/sdp"
)

// Attributes returns the attributes that describe f in a media description:
// a=rtpmap, then a=fmtp when f has parameters.
//
// The rtpmap is written even for the static payload types, which RFC 3551
// §6 would let a sender leave out, because some players look for it. It is
// left out only when it cannot be written: no codec or no clock rate. The
// encoding is the Codec as it is, except for AAC, which is written in
// aac.EncodingName's lower case, "mpeg4-generic", as RFC 3640 §4.1 spells it
// and as this module's server always has (names compare ignoring case).
//
// The fmtp is written with f.PayloadType, whatever f.FMTP.PayloadType says.
func (f Format) Attributes() []sdp.Attribute {
	attrs := make([]sdp.Attribute, 0, 2)
	if f.Codec != "" && f.ClockRate > 0 {
		attrs = append(attrs, sdp.RTPMap{PayloadType: f.PayloadType, Encoding: f.encoding(), ClockRate: f.ClockRate, Channels: f.Channels}.Attribute())
	}
	if len(f.FMTP.Params) > 0 {
		fm := f.FMTP
		fm.PayloadType = f.PayloadType
		attrs = append(attrs, fm.Attribute())
	}
	return attrs
}

// encoding is the encoding name written in a=rtpmap.
func (f Format) encoding() string {
	if f.Codec == AAC {
		return aac.EncodingName
	}
	return string(f.Codec)
}

// Media returns a media description carrying f alone, as an RTSP server
// describes a track (RFC 2326 Appendix C): "m=<type> 0 RTP/AVP <pt>" (port 0:
// SETUP chooses the transport), the Attributes, then a=control:<control>
// when control is not empty. The media type is f.Codec.Media(); for a codec
// outside the constants it is empty, and the caller sets it (a Format does
// not keep the m= line's type) before marshalling.
func (f Format) Media(control string) *sdp.Media {
	md := &sdp.Media{
		Type:       f.Codec.Media(),
		Protocol:   "RTP/AVP",
		Formats:    []string{strconv.Itoa(int(f.PayloadType))},
		Attributes: f.Attributes(),
	}
	if control != "" {
		md.Attributes = append(md.Attributes, sdp.Attribute{Key: "control", Value: control})
	}
	return md
}
