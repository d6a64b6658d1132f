package h26x

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidSprop means an sprop-parameter-sets (or sprop-vps/sps/pps)
// value, or a profile-level-id, could not be decoded.
var ErrInvalidSprop = errors.New("h26x: invalid SDP parameter value")

// H264ProfileLevelID returns the profile-level-id of RFC 6184 §8.1 for an
// SPS NAL unit: the base16 form of profile_idc, the constraint flags byte
// (profile-iop) and level_idc, the three bytes after the NAL unit header,
// for example "4d401f" for Main profile level 3.1. It returns "" when sps is
// not an SPS of at least 4 bytes.
func H264ProfileLevelID(sps []byte) string {
	if len(sps) < 4 || H264Type(sps) != H264NALSPS {
		return ""
	}
	return hex.EncodeToString(sps[1:4])
}

// ParseH264ProfileLevelID decodes a profile-level-id value (6 hex digits,
// either case) into profile_idc, the constraint flags byte and level_idc.
func ParseH264ProfileLevelID(s string) (profile, constraints, level uint8, err error) {
	var b [3]byte
	if len(s) != 6 {
		return 0, 0, 0, fmt.Errorf("%w: profile-level-id %q is not 6 hex digits", ErrInvalidSprop, s)
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return 0, 0, 0, fmt.Errorf("%w: profile-level-id %q: %v", ErrInvalidSprop, s, err)
	}
	return b[0], b[1], b[2], nil
}

// H264SpropParameterSets returns the sprop-parameter-sets value of RFC 6184
// §8.1: each NAL unit (normally the SPS, then the PPS) in base64 with
// padding, joined by commas. Empty NAL units are skipped.
func H264SpropParameterSets(nals ...[]byte) string {
	return encodeSprop(nals)
}

// ParseH264SpropParameterSets decodes a sprop-parameter-sets value into its
// NAL units. It accepts what cameras send in practice: surrounding spaces,
// missing base64 padding and empty entries (skipped). Each entry must decode
// to a NAL unit with forbidden_zero_bit clear. Errors wrap ErrInvalidSprop.
func ParseH264SpropParameterSets(s string) ([][]byte, error) {
	return decodeSprop(s, 1)
}

// H265SpropValue returns the value of RFC 7798's sprop-vps, sprop-sps or
// sprop-pps (§7.1): the NAL units in base64 joined by commas, the same
// encoding as H.264's sprop-parameter-sets.
func H265SpropValue(nals ...[]byte) string {
	return encodeSprop(nals)
}

// ParseH265SpropValue decodes a sprop-vps, sprop-sps or sprop-pps value, as
// leniently as ParseH264SpropParameterSets; each NAL unit must have a
// complete 2-byte header. Errors wrap ErrInvalidSprop.
func ParseH265SpropValue(s string) ([][]byte, error) {
	return decodeSprop(s, h265NALHeaderSize)
}

func encodeSprop(nals [][]byte) string {
	var b strings.Builder
	for _, nal := range nals {
		if len(nal) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		w := base64.NewEncoder(base64.StdEncoding, &b)
		w.Write(nal)
		w.Close()
	}
	return b.String()
}

// maxSpropNALs bounds the entries of one sprop value; real ones hold one to
// a few parameter sets.
const maxSpropNALs = 64

func decodeSprop(s string, minLen int) ([][]byte, error) {
	var nals [][]byte
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(nals) == maxSpropNALs {
			return nil, fmt.Errorf("%w: more than %d NAL units", ErrInvalidSprop, maxSpropNALs)
		}
		enc := base64.StdEncoding
		if !strings.HasSuffix(part, "=") {
			enc = base64.RawStdEncoding
			if len(part)%4 == 0 {
				enc = base64.StdEncoding
			}
		}
		nal, err := enc.DecodeString(part)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrInvalidSprop, part, err)
		}
		if len(nal) < minLen || nal[0]&0x80 != 0 {
			return nil, fmt.Errorf("%w: %q is not a NAL unit", ErrInvalidSprop, part)
		}
		nals = append(nals, nal)
	}
	return nals, nil
}

// FmtpParams returns the RFC 7798 §7.1 media type parameters that describe
// this profile, tier and level, as "profile-id=1;tier-flag=0;level-id=93".
// profile-space is included only when it is not 0, its default.
func (p H265ProfileTierLevel) FmtpParams() string {
	var b []byte
	if p.ProfileSpace != 0 {
		b = append(b, "profile-space="...)
		b = strconv.AppendUint(b, uint64(p.ProfileSpace), 10)
		b = append(b, ';')
	}
	b = append(b, "profile-id="...)
	b = strconv.AppendUint(b, uint64(p.ProfileIDC), 10)
	b = append(b, ";tier-flag="...)
	if p.Tier {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	b = append(b, ";level-id="...)
	b = strconv.AppendUint(b, uint64(p.LevelIDC), 10)
	return string(b)
}

// InteropConstraints returns RFC 7798's interop-constraints value: the 48
// constraint flag bits as 12 hex digits.
func (p H265ProfileTierLevel) InteropConstraints() string {
	return fmt.Sprintf("%012x", p.ConstraintFlags&(1<<48-1))
}

// ProfileCompatibilityIndicator returns RFC 7798's
// profile-compatibility-indicator value: the 32 compatibility flags as 8
// hex digits.
func (p H265ProfileTierLevel) ProfileCompatibilityIndicator() string {
	return fmt.Sprintf("%08x", p.CompatibilityFlags)
}
