package onvif

import (
	"crypto/sha1"
	"encoding/hex"
)

// A Profile is one ONVIF media profile: one server session, with the
// configurations the media service reports for it (Media Service
// Specification §5.2, "Media profiles"). Every profile has one video
// source and encoder of its own, or one audio source and encoder, or both,
// since every rtspkit session is a separate stream.
type Profile struct {
	// Token identifies the profile in requests (tt:ReferenceToken, 64
	// characters at most). ServerProfiles uses the session name, or a hash
	// of it when the name is longer.
	Token string
	// Name is shown to users; the session name.
	Name string
	// URI is the RTSP URL GetStreamUri returns.
	URI string
	// Video is nil for an audio-only session; Audio is nil without audio.
	Video *Video
	Audio *Audio
}

// Video describes a profile's video: what GetVideoSources,
// GetVideoSourceConfigurations and GetVideoEncoderConfigurations report.
type Video struct {
	// Encoding is "H264", "H265" or "JPEG". ONVIF media ver10 knows only
	// JPEG, MPEG4 and H264 (tt:VideoEncoding); H265 is reported as
	// cameras with H.265 do, and media2-aware clients understand it.
	Encoding string
	// Width and Height are the picture size; 0 when unknown yet (no SPS
	// seen).
	Width, Height int
	// FrameRate in frames per second; 0 when unknown.
	FrameRate float64
	// BitrateKbps is the measured or configured bit rate; 0 when unknown.
	BitrateKbps int
	// H264Profile is "Baseline", "Main", "Extended" or "High" for H.264
	// (tt:H264Profile); "" otherwise.
	H264Profile string
	// GovLength is the keyframe interval in frames; 0 when unknown.
	GovLength int
}

// Audio describes a profile's audio.
type Audio struct {
	// Encoding is "G711" or "AAC" (tt:AudioEncoding).
	Encoding string
	// SampleRate in Hz and Channels.
	SampleRate, Channels int
	// BitrateKbps; 0 when unknown.
	BitrateKbps int
}

// A ProfileSource lists the media profiles, one per session, as they are
// now: it is called for every media request, so sessions created or
// closed later appear and disappear. It must be safe for concurrent use.
type ProfileSource interface {
	Profiles() ([]Profile, error)
}

// ProfileFunc adapts a function to a ProfileSource.
type ProfileFunc func() ([]Profile, error)

// Profiles calls f.
func (f ProfileFunc) Profiles() ([]Profile, error) { return f() }

// maxToken is the length limit of tt:ReferenceToken (ONVIF schema: a
// string of at most 64 characters).
const maxToken = 64

// tokenFor returns prefix+name when it fits in a ReferenceToken, otherwise
// prefix and a hash of name, so that long session names still give
// stable, distinct tokens.
func tokenFor(prefix, name string) string {
	if len(prefix)+len(name) <= maxToken {
		return prefix + name
	}
	sum := sha1.Sum([]byte(name))
	return prefix + "h" + hex.EncodeToString(sum[:12])
}

// Tokens of a profile's configurations, derived from its token.
func videoSourceToken(p *Profile) string     { return tokenFor("VideoSource_", p.Token) }
func videoSourceConfToken(p *Profile) string { return tokenFor("VideoSourceConfig_", p.Token) }
func videoEncoderToken(p *Profile) string    { return tokenFor("VideoEncoder_", p.Token) }
func audioSourceToken(p *Profile) string     { return tokenFor("AudioSource_", p.Token) }
func audioSourceConfToken(p *Profile) string { return tokenFor("AudioSourceConfig_", p.Token) }
func audioEncoderToken(p *Profile) string    { return tokenFor("AudioEncoder_", p.Token) }
