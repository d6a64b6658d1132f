package aac

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// EncodingName is the RTP encoding name of RFC 3640 (a=rtpmap).
const EncodingName = "mpeg4-generic"

// Modes of RFC 3640 that this package writes or reads by name.
const (
	ModeAACHbr = "AAC-hbr"
	ModeAACLbr = "AAC-lbr"
)

// StreamTypeAudio is streamType for audio (ISO/IEC 14496-1 Table 6).
const StreamTypeAudio = 5

// ErrFMTP is returned for mpeg4-generic format parameters that cannot
// describe a stream this package can read.
var ErrFMTP = errors.New("aac: invalid mpeg4-generic format parameters")

// FMTP holds the mpeg4-generic format parameters of RFC 3640 §4.1, as they
// appear after the payload type on an SDP a=fmtp line.
type FMTP struct {
	StreamType     int
	ProfileLevelID int
	Mode           string
	// Config is the decoded config= value: for audio an
	// AudioSpecificConfig (see AudioConfig).
	Config []byte
	AUHeaderLayout
	ConstantDuration       int
	MaxDisplacement        int
	DeInterleaveBufferSize int
}

// ProfileLevelID returns the MPEG-4 audioProfileLevelIndication (ISO/IEC
// 14496-3 Table 1.14) that RFC 3640 asks for in profile-level-id: the lowest
// level of the AAC, High Efficiency AAC or HE-AAC v2 profile that admits
// the configuration's channels and sampling frequency (AAC Profile L2, 0x29,
// for mono or stereo up to 48 kHz), or 0xFE, "no audio profile specified",
// for object types outside those profiles. ffmpeg and live555 write 1 (Main
// Audio Profile L1) for everything; receivers do not act on the value.
func ProfileLevelID(cfg AudioSpecificConfig) int {
	ch := cfg.ChannelCount()
	rate := cfg.ClockRate()
	if cfg.ObjectType != ObjectTypeAACLC || ch == 0 || ch > 6 {
		return 0xFE
	}
	switch {
	case cfg.PS: // HE-AAC v2 L2/L3/L4/L5: 0x30-0x33
		if rate <= 48000 && ch <= 2 {
			return 0x30
		}
		if rate <= 96000 {
			return 0x33
		}
	case cfg.SBR: // HE-AAC L2/L3/L4/L5: 0x2C-0x2F
		switch {
		case ch <= 2 && rate <= 48000:
			return 0x2C
		case rate <= 48000:
			return 0x2E
		case rate <= 96000:
			return 0x2F
		}
	default: // AAC L1/L2/L4/L5: 0x28-0x2B
		switch {
		case ch <= 2 && rate <= 24000:
			return 0x28
		case ch <= 2 && rate <= 48000:
			return 0x29
		case rate <= 48000:
			return 0x2A
		case rate <= 96000:
			return 0x2B
		}
	}
	return 0xFE
}

// FMTPForConfig returns the AAC-hbr parameters for a configuration:
// streamType 5, profile-level-id from ProfileLevelID, sizeLength 13,
// indexLength 3, indexDeltaLength 3 and the marshalled config.
func FMTPForConfig(cfg AudioSpecificConfig) (FMTP, error) {
	b, err := cfg.Marshal()
	if err != nil {
		return FMTP{}, err
	}
	return FMTP{
		StreamType:     StreamTypeAudio,
		ProfileLevelID: ProfileLevelID(cfg),
		Mode:           ModeAACHbr,
		Config:         b,
		AUHeaderLayout: LayoutAACHbr,
	}, nil
}

// FMTPValue returns the a=fmtp value (without the payload type) for AAC-hbr
// with cfg, e.g. "streamtype=5;profile-level-id=41;mode=AAC-hbr;
// sizelength=13;indexlength=3;indexdeltalength=3;config=1188" (one line).
func FMTPValue(cfg AudioSpecificConfig) (string, error) {
	f, err := FMTPForConfig(cfg)
	if err != nil {
		return "", err
	}
	return f.String(), nil
}

// RTPMapValue returns the a=rtpmap value (without the payload type) for
// cfg: "mpeg4-generic/<clock>/<channels>", with the channel count left out
// when the configuration does not give it.
func RTPMapValue(cfg AudioSpecificConfig) string {
	s := EncodingName + "/" + strconv.Itoa(cfg.ClockRate())
	if n := cfg.ChannelCount(); n > 0 {
		s += "/" + strconv.Itoa(n)
	}
	return s
}

// AudioConfig parses Config as an AudioSpecificConfig.
func (f *FMTP) AudioConfig() (AudioSpecificConfig, error) {
	var c AudioSpecificConfig
	err := c.Unmarshal(f.Config)
	return c, err
}

// String formats the parameters in lower case separated by ';', leaving out
// the optional ones that are zero.
func (f FMTP) String() string {
	var sb strings.Builder
	add := func(k string, v int, always bool) {
		if v == 0 && !always {
			return
		}
		if sb.Len() > 0 {
			sb.WriteByte(';')
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(strconv.Itoa(v))
	}
	add("streamtype", f.StreamType, true)
	add("profile-level-id", f.ProfileLevelID, true)
	if f.Mode != "" {
		sb.WriteString(";mode=")
		sb.WriteString(f.Mode)
	}
	add("sizelength", f.SizeLength, false)
	add("indexlength", f.IndexLength, false)
	add("indexdeltalength", f.IndexDeltaLength, false)
	add("ctsdeltalength", f.CTSDeltaLength, false)
	add("dtsdeltalength", f.DTSDeltaLength, false)
	if f.RandomAccessIndication {
		add("randomaccessindication", 1, true)
	}
	add("streamstateindication", f.StreamStateIndication, false)
	add("auxiliarydatasizelength", f.AuxiliaryDataSizeLength, false)
	add("constantsize", f.ConstantSize, false)
	add("constantduration", f.ConstantDuration, false)
	add("maxdisplacement", f.MaxDisplacement, false)
	add("de-interleavebuffersize", f.DeInterleaveBufferSize, false)
	if len(f.Config) > 0 {
		sb.WriteString(";config=")
		sb.WriteString(hex.EncodeToString(f.Config))
	}
	return sb.String()
}

// maxParam bounds numeric parameters that are not bit lengths.
const maxParam = 1 << 24

// ParseFMTP parses an mpeg4-generic a=fmtp value (without the payload
// type). Parameter names are case-insensitive (RFC 3640 §4.1 writes them in
// mixed case, ffmpeg in lower case), blanks around ';' and '=' are ignored,
// and unknown parameters are skipped. When mode is AAC-hbr or AAC-lbr and
// no AU-header length is given, the mode's layout is assumed. The result's
// layout is validated.
func ParseFMTP(s string) (FMTP, error) {
	var f FMTP
	seenLayout := false
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return f, fmt.Errorf("%w: %q has no value", ErrFMTP, part)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.TrimSpace(v)
		var dst *int
		limit := maxFieldBits
		switch k {
		case "mode":
			f.Mode = v
			continue
		case "config":
			b, err := hex.DecodeString(v)
			if err != nil {
				return f, fmt.Errorf("%w: config: %w", ErrFMTP, err)
			}
			f.Config = b
			continue
		case "randomaccessindication":
			f.RandomAccessIndication = v == "1"
			seenLayout = true
			continue
		case "streamtype":
			dst, limit = &f.StreamType, 255
		case "profile-level-id":
			dst, limit = &f.ProfileLevelID, 255
		case "sizelength":
			dst = &f.SizeLength
		case "indexlength":
			dst = &f.IndexLength
		case "indexdeltalength":
			dst = &f.IndexDeltaLength
		case "ctsdeltalength":
			dst = &f.CTSDeltaLength
		case "dtsdeltalength":
			dst = &f.DTSDeltaLength
		case "streamstateindication":
			dst = &f.StreamStateIndication
		case "auxiliarydatasizelength":
			dst = &f.AuxiliaryDataSizeLength
		case "constantsize":
			dst, limit = &f.ConstantSize, maxParam
		case "constantduration":
			dst, limit = &f.ConstantDuration, maxParam
		case "maxdisplacement":
			dst, limit = &f.MaxDisplacement, maxParam
		case "de-interleavebuffersize":
			dst, limit = &f.DeInterleaveBufferSize, maxParam
		default:
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > limit {
			return f, fmt.Errorf("%w: %s=%q", ErrFMTP, k, v)
		}
		*dst = n
		switch k {
		case "sizelength", "indexlength", "indexdeltalength", "ctsdeltalength", "dtsdeltalength",
			"streamstateindication", "constantsize":
			seenLayout = true
		}
	}
	if !seenLayout {
		switch {
		case strings.EqualFold(f.Mode, ModeAACHbr):
			f.AUHeaderLayout = LayoutAACHbr
		case strings.EqualFold(f.Mode, ModeAACLbr):
			f.AUHeaderLayout = LayoutAACLbr
		}
	}
	if err := f.AUHeaderLayout.Validate(); err != nil {
		return f, err
	}
	return f, nil
}
