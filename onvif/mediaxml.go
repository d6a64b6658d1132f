package onvif

import (
	"math"
	"strconv"
)

// writeProfile writes a tt:Profile as element name (trt:Profiles in
// GetProfiles, trt:Profile in GetProfile), its configurations in the
// schema's order. fixed="true": profiles are the server's sessions and
// cannot be deleted through ONVIF.
func writeProfile(w *xw, name string, p *Profile) {
	w.start(name, "token", p.Token, "fixed", "true")
	w.leaf("tt:Name", p.Name)
	if p.Video != nil {
		writeVideoSourceConfig(w, "tt:VideoSourceConfiguration", p)
	}
	if p.Audio != nil {
		writeAudioSourceConfig(w, "tt:AudioSourceConfiguration", p)
	}
	if p.Video != nil {
		writeVideoEncoderConfig(w, "tt:VideoEncoderConfiguration", p)
	}
	if p.Audio != nil {
		writeAudioEncoderConfig(w, "tt:AudioEncoderConfiguration", p)
	}
	w.end(name)
}

// writeVideoSource writes a trt:VideoSources entry.
func writeVideoSource(w *xw, p *Profile) {
	w.start("trt:VideoSources", "token", videoSourceToken(p))
	w.leafFloat("tt:Framerate", p.Video.FrameRate)
	w.start("tt:Resolution")
	w.leafInt("tt:Width", p.Video.Width)
	w.leafInt("tt:Height", p.Video.Height)
	w.end("tt:Resolution")
	w.end("trt:VideoSources")
}

// writeVideoSourceConfig writes a tt:VideoSourceConfiguration: the whole
// picture of the session's source. UseCount is 1, each configuration
// belonging to one profile.
func writeVideoSourceConfig(w *xw, name string, p *Profile) {
	w.start(name, "token", videoSourceConfToken(p))
	w.leaf("tt:Name", p.Name)
	w.leafInt("tt:UseCount", 1)
	w.leaf("tt:SourceToken", videoSourceToken(p))
	w.empty("tt:Bounds", "x", "0", "y", "0", "width", strconv.Itoa(p.Video.Width), "height", strconv.Itoa(p.Video.Height))
	w.end(name)
}

// writeVideoEncoderConfig writes a tt:VideoEncoderConfiguration with what
// the stream says about itself. The Multicast element is required by the
// schema; the server picks a session's group itself at SETUP, so it
// carries no address here.
func writeVideoEncoderConfig(w *xw, name string, p *Profile) {
	v := p.Video
	w.start(name, "token", videoEncoderToken(p))
	w.leaf("tt:Name", p.Name)
	w.leafInt("tt:UseCount", 1)
	w.leaf("tt:Encoding", v.Encoding)
	w.start("tt:Resolution")
	w.leafInt("tt:Width", v.Width)
	w.leafInt("tt:Height", v.Height)
	w.end("tt:Resolution")
	w.leafFloat("tt:Quality", 5)
	w.start("tt:RateControl")
	w.leafInt("tt:FrameRateLimit", int(math.Round(v.FrameRate)))
	w.leafInt("tt:EncodingInterval", 1)
	w.leafInt("tt:BitrateLimit", v.BitrateKbps)
	w.end("tt:RateControl")
	if v.Encoding == "H264" {
		w.start("tt:H264")
		w.leafInt("tt:GovLength", v.GovLength)
		prof := v.H264Profile
		if prof == "" {
			prof = "Main"
		}
		w.leaf("tt:H264Profile", prof)
		w.end("tt:H264")
	}
	writeMulticast(w)
	w.leaf("tt:SessionTimeout", "PT60S")
	w.end(name)
}

// writeVideoEncoderOptions writes trt:Options, a
// tt:VideoEncoderConfigurationOptions whose ranges are the current values.
func writeVideoEncoderOptions(w *xw, v *Video) {
	fps := int(math.Round(v.FrameRate))
	rng := func(name string, lo, hi int) {
		w.start(name)
		w.leafInt("tt:Min", lo)
		w.leafInt("tt:Max", hi)
		w.end(name)
	}
	w.start("trt:Options")
	rng("tt:QualityRange", 5, 5)
	elem := map[string]string{"H264": "tt:H264", "JPEG": "tt:JPEG"}[v.Encoding]
	if elem != "" {
		w.start(elem)
		w.start("tt:ResolutionsAvailable")
		w.leafInt("tt:Width", v.Width)
		w.leafInt("tt:Height", v.Height)
		w.end("tt:ResolutionsAvailable")
		if elem == "tt:H264" {
			rng("tt:GovLengthRange", v.GovLength, v.GovLength)
		}
		rng("tt:FrameRateRange", fps, fps)
		rng("tt:EncodingIntervalRange", 1, 1)
		if elem == "tt:H264" {
			prof := v.H264Profile
			if prof == "" {
				prof = "Main"
			}
			w.leaf("tt:H264ProfilesSupported", prof)
		}
		w.end(elem)
	}
	w.end("trt:Options")
}

// writeAudioSourceConfig writes a tt:AudioSourceConfiguration.
func writeAudioSourceConfig(w *xw, name string, p *Profile) {
	w.start(name, "token", audioSourceConfToken(p))
	w.leaf("tt:Name", p.Name)
	w.leafInt("tt:UseCount", 1)
	w.leaf("tt:SourceToken", audioSourceToken(p))
	w.end(name)
}

// writeAudioEncoderConfig writes a tt:AudioEncoderConfiguration; its
// SampleRate is in kHz (ONVIF schema).
func writeAudioEncoderConfig(w *xw, name string, p *Profile) {
	a := p.Audio
	w.start(name, "token", audioEncoderToken(p))
	w.leaf("tt:Name", p.Name)
	w.leafInt("tt:UseCount", 1)
	w.leaf("tt:Encoding", a.Encoding)
	w.leafInt("tt:Bitrate", a.BitrateKbps)
	w.leafInt("tt:SampleRate", a.SampleRate/1000)
	writeMulticast(w)
	w.leaf("tt:SessionTimeout", "PT60S")
	w.end(name)
}

// writeMulticast writes an empty tt:MulticastConfiguration.
func writeMulticast(w *xw) {
	w.start("tt:Multicast")
	w.start("tt:Address")
	w.leaf("tt:Type", "IPv4")
	w.leaf("tt:IPv4Address", "0.0.0.0")
	w.end("tt:Address")
	w.leafInt("tt:Port", 0)
	w.leafInt("tt:TTL", 1)
	w.leafBool("tt:AutoStart", false)
	w.end("tt:Multicast")
}

// configKind is one kind of configuration the media service lists
// (GetXxxConfigurations) and returns by token (GetXxxConfiguration).
type configKind struct {
	name  string // "VideoSourceConfiguration"...
	audio bool
	has   func(p *Profile) bool
	token func(p *Profile) string
	write func(w *xw, name string, p *Profile)
}

var (
	hasVideo = func(p *Profile) bool { return p.Video != nil }
	hasAudio = func(p *Profile) bool { return p.Audio != nil }

	videoSourceConfig  = configKind{"VideoSourceConfiguration", false, hasVideo, videoSourceConfToken, writeVideoSourceConfig}
	videoEncoderConfig = configKind{"VideoEncoderConfiguration", false, hasVideo, videoEncoderToken, writeVideoEncoderConfig}
	audioSourceConfig  = configKind{"AudioSourceConfiguration", true, hasAudio, audioSourceConfToken, writeAudioSourceConfig}
	audioEncoderConfig = configKind{"AudioEncoderConfiguration", true, hasAudio, audioEncoderToken, writeAudioEncoderConfig}
)

// listConfigs returns the handler of GetXxxConfigurations.
func listConfigs(k configKind) func(c *call) *fault {
	return func(c *call) *fault {
		ps, f := c.profiles()
		if f != nil {
			return f
		}
		if k.audio && !anyAudio(ps) {
			return faultActionNotSupported("ter:AudioNotSupported")
		}
		resp := "trt:Get" + k.name + "sResponse"
		c.w.start(resp)
		for i := range ps {
			if k.has(&ps[i]) {
				k.write(c.w, "trt:Configurations", &ps[i])
			}
		}
		c.w.end(resp)
		return nil
	}
}

// oneConfig returns the handler of GetXxxConfiguration: an unknown token
// is env:Sender ter:InvalidArgVal ter:NoConfig.
func oneConfig(k configKind) func(c *call) *fault {
	return func(c *call) *fault {
		ps, f := c.profiles()
		if f != nil {
			return f
		}
		if k.audio && !anyAudio(ps) {
			return faultActionNotSupported("ter:AudioNotSupported")
		}
		tok := c.req.op.text("ConfigurationToken")
		for i := range ps {
			if k.has(&ps[i]) && k.token(&ps[i]) == tok {
				resp := "trt:Get" + k.name + "Response"
				c.w.start(resp)
				k.write(c.w, "trt:Configuration", &ps[i])
				c.w.end(resp)
				return nil
			}
		}
		return faultInvalidArgVal("ter:NoConfig", "The requested configuration does not exist")
	}
}
