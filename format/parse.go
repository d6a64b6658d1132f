package format

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/sdp"
)

// FromMedia reads the format of a media description: its first payload
// type, the one a single-format receiver uses, with the rtpmap and fmtp of
// that payload type.
//
// It is liberal, as cameras and encoders need: it fails only when the m=
// line has no RTP payload type at all (no formats, or a first format that is
// not a number from 0 to 127), as nothing then identifies a format. Beyond
// that, what it cannot read is left out rather than refused, and the caller
// decides whether the result is enough (Codec.Known, NewDepacketizer):
//
//   - no rtpmap for the payload type: the static assignment of RFC 3551 §6
//     when there is one (senders may leave it out), else Codec "" and
//     ClockRate 0; the same for a malformed rtpmap;
//   - no fmtp, or a malformed one: FMTP is the zero value. An fmtp labelled
//     with another payload type, when it is the media's only one and the
//     media has a single format, is taken (some Hikvision cameras write
//     "m=audio 0 RTP/AVP 104" with "a=fmtp:97"), and relabelled with the
//     payload type, so that writing the Format back gives a consistent line.
func FromMedia(md *sdp.Media) (Format, error) {
	if md == nil {
		return Format{}, errors.New("format: nil media description")
	}
	pt, err := md.PayloadType()
	if err != nil {
		return Format{}, fmt.Errorf("format: m=%s has no RTP payload type: %w", md.Type, err)
	}
	f := Format{PayloadType: pt}
	rm, err := md.RTPMap(pt)
	if err != nil {
		// A malformed rtpmap hides the static assignment; a static
		// payload type means what RFC 3551 says whatever the line holds.
		var ok bool
		rm, ok = sdp.StaticRTPMap(pt)
		if ok {
			err = nil
		}
	}
	if err == nil {
		f.Codec = Codec(strings.ToUpper(rm.Encoding))
		f.ClockRate = rm.ClockRate
		f.Channels = rm.Channels
	}
	if fm, err := md.FMTP(pt); err == nil && len(fm.Params) > 0 {
		fm.PayloadType = pt
		f.FMTP = fm
	}
	return f, nil
}

// ParameterSets returns the parameter sets the fmtp carries for H.264
// (sprop-parameter-sets: SPS and PPS, RFC 6184 §8.1) or H.265 (sprop-vps,
// sprop-sps, sprop-pps, RFC 7798 §7.1), in that order: the NAL units a
// decoder needs before the first keyframe, which a receiver may also put in
// front of it. It is nil for other codecs or when the fmtp has none, and an
// error when a value is not valid base64.
func (f Format) ParameterSets() ([][]byte, error) {
	switch f.Codec {
	case H264:
		v, ok := f.FMTP.Get("sprop-parameter-sets")
		if !ok {
			return nil, nil
		}
		return h26x.ParseH264SpropParameterSets(v)
	case H265:
		var out [][]byte
		for _, k := range []string{"sprop-vps", "sprop-sps", "sprop-pps"} {
			v, ok := f.FMTP.Get(k)
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

// AACConfig returns the mpeg4-generic parameters of an AAC format (RFC 3640
// §4.1): the AU-header layout a depacketizer needs, and the config= that
// AudioConfig decodes for the decoder. It fails, wrapping ErrUnsupported,
// for another codec, and with aac.ParseFMTP's error when the fmtp does not
// describe a stream (no fmtp at all included: RFC 3640 makes it mandatory).
func (f Format) AACConfig() (aac.FMTP, error) {
	if f.Codec != AAC {
		return aac.FMTP{}, fmt.Errorf("%w: %q has no AAC configuration", ErrUnsupported, f.Codec)
	}
	fm, err := aac.ParseFMTP(fmtpParams(f.FMTP))
	if err != nil {
		return aac.FMTP{}, fmt.Errorf("format: AAC fmtp: %w", err)
	}
	return fm, nil
}

// fmtpParams returns the parameters of f as the text after the payload
// type, "a=1;b=2", which the codec packages' ParseFMTP functions read.
func fmtpParams(f sdp.FMTP) string {
	_, rest, _ := strings.Cut(f.String(), " ")
	return rest
}
