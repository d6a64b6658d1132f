package format

import (
	"fmt"
	"strings"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/sdp"
)

// Format is one RTP payload format of a media description: what an m= line,
// its a=rtpmap and its a=fmtp say about one payload type. The constructors
// below build the Formats a sender announces; FromMedia reads one from SDP;
// NewPacketizer and NewDepacketizer carry its media.
type Format struct {
	// Codec is the encoding name, upper-cased; "" when the SDP gives none
	// (a dynamic payload type without a=rtpmap).
	Codec Codec
	// PayloadType is the RTP payload type, 0-127 (RFC 3550 §5.1).
	PayloadType uint8
	// ClockRate is the RTP timestamp rate in Hz; 0 when unknown.
	ClockRate uint32
	// Channels is the audio channel count from the rtpmap; 0 when absent,
	// which RFC 8866 §6.6 reads as one channel.
	Channels int
	// FMTP holds the format parameters: the zero value when there are
	// none, otherwise with PayloadType equal to the Format's.
	FMTP sdp.FMTP
}

// jpegPayloadType is the static payload type of JPEG (RFC 3551 Table 5).
const jpegPayloadType = 26

// NewH264 returns the H.264 format a sender announces (RFC 6184 §8.1):
// packetization-mode=1, which is what the packetizer writes (STAP-A and
// FU-A, §6.3), and, when sps and pps are both given, profile-level-id from
// the SPS and sprop-parameter-sets, so that a player can set up its decoder
// before the first keyframe arrives.
func NewH264(pt uint8, sps, pps []byte) Format {
	v := "packetization-mode=1"
	if len(sps) > 0 && len(pps) > 0 {
		// h26x returns "" for an SPS too short to hold a profile; an
		// empty profile-level-id would be worse than none.
		if id := h26x.H264ProfileLevelID(sps); id != "" {
			v += ";profile-level-id=" + id
		}
		v += ";sprop-parameter-sets=" + h26x.H264SpropParameterSets(sps, pps)
	}
	return Format{Codec: H264, PayloadType: pt, ClockRate: H264.ClockRate(), FMTP: newFMTP(pt, v)}
}

// NewH265 returns the H.265 format a sender announces (RFC 7798 §7.1). When
// vps, sps and pps are all given, the fmtp carries the profile, tier and
// level of the SPS (when it parses) and the three parameter sets
// (sprop-vps, sprop-sps, sprop-pps); otherwise there is no fmtp at all, the
// defaults of §7.1 (Main profile, Main tier, level 3.1) being no better a
// guess than silence.
func NewH265(pt uint8, vps, sps, pps []byte) Format {
	f := Format{Codec: H265, PayloadType: pt, ClockRate: H265.ClockRate()}
	if len(vps) == 0 || len(sps) == 0 || len(pps) == 0 {
		return f
	}
	v := ""
	if s, err := h26x.ParseH265SPS(sps); err == nil {
		v = s.PTL.FmtpParams() + ";"
	}
	v += "sprop-vps=" + h26x.H265SpropValue(vps)
	v += ";sprop-sps=" + h26x.H265SpropValue(sps)
	v += ";sprop-pps=" + h26x.H265SpropValue(pps)
	f.FMTP = newFMTP(pt, v)
	return f
}

// NewJPEG returns the Motion-JPEG format: the static payload type 26 at
// 90000 Hz (RFC 3551 Table 5). RFC 2435 has no format parameters: every
// packet describes its picture.
func NewJPEG() Format {
	return Format{Codec: JPEG, PayloadType: jpegPayloadType, ClockRate: JPEG.ClockRate()}
}

// NewG711 returns the G.711 format of c, PCMU or PCMA: its static payload
// type (0 or 8) at 8000 Hz (RFC 3551 §4.5.14, Table 4). Another codec gives
// an error wrapping ErrUnsupported.
func NewG711(c Codec) (Format, error) {
	switch c {
	case PCMU:
		return Format{Codec: PCMU, PayloadType: g711.PayloadTypePCMU, ClockRate: g711.ClockRate}, nil
	case PCMA:
		return Format{Codec: PCMA, PayloadType: g711.PayloadTypePCMA, ClockRate: g711.ClockRate}, nil
	}
	return Format{}, fmt.Errorf("%w: %q is not G.711", ErrUnsupported, c)
}

// NewAAC returns the mpeg4-generic format of an AAC stream in AAC-hbr mode
// (RFC 3640 §3.3.6), the mode the packetizer writes: the clock rate is the
// configuration's output sampling rate (§4.1: the rtpmap rate should be the
// sampling rate), the channel count the configuration's, and the fmtp the
// one aac.FMTPValue writes, config= included, without which a receiver
// cannot set up its decoder.
func NewAAC(pt uint8, cfg aac.AudioSpecificConfig) (Format, error) {
	rate := cfg.ClockRate()
	if rate <= 0 {
		return Format{}, fmt.Errorf("format: AAC configuration with sampling rate %d", rate)
	}
	v, err := aac.FMTPValue(cfg)
	if err != nil {
		return Format{}, fmt.Errorf("format: AAC configuration: %w", err)
	}
	return Format{Codec: AAC, PayloadType: pt, ClockRate: uint32(rate), Channels: cfg.ChannelCount(), FMTP: newFMTP(pt, v)}, nil
}

// newFMTP returns the fmtp of payload type pt with the parameters of v,
// "key=value;key=value" as the codec packages write them. Splitting v the
// way sdp.ParseFMTP does keeps the written line byte for byte what the
// codec package wrote.
func newFMTP(pt uint8, v string) sdp.FMTP {
	f := sdp.FMTP{PayloadType: pt}
	for kv := range strings.SplitSeq(v, ";") {
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		f.Params = append(f.Params, sdp.FMTPParam{Key: k, Value: val})
	}
	return f
}
