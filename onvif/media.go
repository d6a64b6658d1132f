package onvif

// registerMedia adds the media service (ver10) operations this package
// answers (Media Service Specification §5).
func (s *Service) registerMedia() {
	add := func(local string, fn func(c *call) *fault) {
		s.ops[opKey{nsMedia, local}] = opDef{fn: fn}
	}
	add("GetServiceCapabilities", (*call).getMediaServiceCapabilities)
	add("GetProfiles", (*call).getProfiles)
	add("GetProfile", (*call).getProfile)
	add("GetStreamUri", (*call).getStreamURI)
	add("GetSnapshotUri", (*call).getSnapshotURI)
	add("GetVideoSources", (*call).getVideoSources)
	add("GetVideoSourceConfigurations", listConfigs(videoSourceConfig))
	add("GetVideoSourceConfiguration", oneConfig(videoSourceConfig))
	add("GetVideoEncoderConfigurations", listConfigs(videoEncoderConfig))
	add("GetVideoEncoderConfiguration", oneConfig(videoEncoderConfig))
	add("GetVideoEncoderConfigurationOptions", (*call).getVideoEncoderOptions)
	add("GetAudioSources", (*call).getAudioSources)
	add("GetAudioSourceConfigurations", listConfigs(audioSourceConfig))
	add("GetAudioSourceConfiguration", oneConfig(audioSourceConfig))
	add("GetAudioEncoderConfigurations", listConfigs(audioEncoderConfig))
	add("GetAudioEncoderConfiguration", oneConfig(audioEncoderConfig))
}

// profiles returns the current profiles; a failing source is env:Receiver
// ter:Action ("Action Failed", Core §5.8.2.2).
func (c *call) profiles() ([]Profile, *fault) {
	ps, err := c.svc.cfg.Profiles.Profiles()
	if err != nil {
		c.svc.cfg.Logger.Warn("onvif: listing profiles", "err", err)
		return nil, &fault{Code: "Receiver", Subcodes: []string{"ter:Action"}, Reason: "Action Failed"}
	}
	return ps, nil
}

// profileCount is the number of profiles now, 0 when they cannot be
// listed.
func (s *Service) profileCount() int {
	ps, err := s.cfg.Profiles.Profiles()
	if err != nil {
		return 0
	}
	return len(ps)
}

// profile returns the profile named by the request's ProfileToken, or the
// ter:NoProfile fault every media operation that takes one defines.
func (c *call) profile() (*Profile, *fault) {
	ps, f := c.profiles()
	if f != nil {
		return nil, f
	}
	tok := c.req.op.text("ProfileToken")
	for i := range ps {
		if ps[i].Token == tok {
			return &ps[i], nil
		}
	}
	return nil, faultInvalidArgVal("ter:NoProfile", "The requested profile does not exist")
}

// getProfiles answers GetProfiles: one profile per session.
func (c *call) getProfiles() *fault {
	ps, f := c.profiles()
	if f != nil {
		return f
	}
	c.w.start("trt:GetProfilesResponse")
	for i := range ps {
		writeProfile(c.w, "trt:Profiles", &ps[i])
	}
	c.w.end("trt:GetProfilesResponse")
	return nil
}

// getProfile answers GetProfile.
func (c *call) getProfile() *fault {
	p, f := c.profile()
	if f != nil {
		return f
	}
	c.w.start("trt:GetProfileResponse")
	writeProfile(c.w, "trt:Profile", p)
	c.w.end("trt:GetProfileResponse")
	return nil
}

// getStreamURI answers GetStreamUri (Media Service Specification §5.15.1).
// Every transport is set up by RTSP on the session's one URL, so the URI
// is the same for all; what the StreamSetup asks for must be a transport
// the server serves (Config.Transports), otherwise the answer is the
// operation's env:Sender ter:InvalidArgVal ter:InvalidStreamSetup.
func (c *call) getStreamURI() *fault {
	p, f := c.profile()
	if f != nil {
		return f
	}
	setup := c.req.op.child("", "StreamSetup")
	stream := setup.text("Stream")
	proto := setup.child("", "Transport").text("Protocol")
	if !c.svc.cfg.Transports.admit(stream, proto) {
		return faultInvalidArgVal("ter:InvalidStreamSetup", "Specification of StreamType or Transport part in StreamSetup is not supported")
	}
	if p.URI == "" {
		return &fault{Code: "Receiver", Subcodes: []string{"ter:Action", "ter:IncompleteConfiguration"}, Reason: "The profile has no stream"}
	}
	c.w.start("trt:GetStreamUriResponse")
	writeMediaURI(c.w, p.URI)
	c.w.end("trt:GetStreamUriResponse")
	return nil
}

// admit reports whether a StreamSetup's stream type and protocol are
// served. Both may be absent (a sloppy client): any served transport will
// do then. "TCP" is taken as RTSP interleaving, which is what clients mean
// by it; RTP over bare TCP does not exist in practice.
func (t Transports) admit(stream, proto string) bool {
	switch stream {
	case "RTP-Multicast":
		return t.Multicast && (proto == "" || proto == "UDP" || proto == "RTSP")
	case "RTP-Unicast", "":
	default:
		return false
	}
	switch proto {
	case "UDP":
		return t.UDP
	case "RTSP", "TCP":
		return t.TCP
	case "HTTP":
		return t.HTTP
	case "":
		return true
	}
	return false
}

// writeMediaURI writes tt:MediaUri as §5.15.1 and §5.16.1 require: valid
// indefinitely (InvalidAfterConnect and InvalidAfterReboot false, Timeout
// PT0S).
func writeMediaURI(w *xw, uri string) {
	w.start("trt:MediaUri")
	w.leaf("tt:Uri", uri)
	w.leafBool("tt:InvalidAfterConnect", false)
	w.leafBool("tt:InvalidAfterReboot", false)
	w.leaf("tt:Timeout", "PT0S")
	w.end("trt:MediaUri")
}

// getSnapshotURI answers GetSnapshotUri (Media Service Specification
// §5.16.1) with Config.SnapshotURI's answer. The operation is a "should"
// for a media service; without a snapshot it is an optional action not
// implemented: env:Receiver ter:ActionNotSupported (Core §5.1.2).
func (c *call) getSnapshotURI() *fault {
	p, f := c.profile()
	if f != nil {
		return f
	}
	uri := ""
	if c.svc.cfg.SnapshotURI != nil {
		uri = c.svc.cfg.SnapshotURI(p.Token)
	}
	if uri == "" {
		return faultActionNotSupported("")
	}
	c.w.start("trt:GetSnapshotUriResponse")
	writeMediaURI(c.w, uri)
	c.w.end("trt:GetSnapshotUriResponse")
	return nil
}

// getVideoSources answers GetVideoSources: one source per session with
// video.
func (c *call) getVideoSources() *fault {
	ps, f := c.profiles()
	if f != nil {
		return f
	}
	c.w.start("trt:GetVideoSourcesResponse")
	for i := range ps {
		if ps[i].Video != nil {
			writeVideoSource(c.w, &ps[i])
		}
	}
	c.w.end("trt:GetVideoSourcesResponse")
	return nil
}

// getAudioSources answers GetAudioSources; without any audio it is the
// operation's env:Receiver ter:ActionNotSupported ter:AudioNotSupported.
func (c *call) getAudioSources() *fault {
	ps, f := c.profiles()
	if f != nil {
		return f
	}
	if !anyAudio(ps) {
		return faultActionNotSupported("ter:AudioNotSupported")
	}
	c.w.start("trt:GetAudioSourcesResponse")
	for i := range ps {
		if ps[i].Audio != nil {
			c.w.start("trt:AudioSources", "token", audioSourceToken(&ps[i]))
			c.w.leafInt("tt:Channels", max(ps[i].Audio.Channels, 1))
			c.w.end("trt:AudioSources")
		}
	}
	c.w.end("trt:GetAudioSourcesResponse")
	return nil
}

func anyAudio(ps []Profile) bool {
	for i := range ps {
		if ps[i].Audio != nil {
			return true
		}
	}
	return false
}

// getVideoEncoderOptions answers GetVideoEncoderConfigurationOptions for
// the configuration or profile named (ConfigurationToken, ProfileToken),
// or the first profile with video. The configurations are the streams as
// the encoder makes them and cannot be set through ONVIF, so every range
// is the current value; tools such as onvif-util ("get video") ask for
// the options before showing the configuration.
func (c *call) getVideoEncoderOptions() *fault {
	ps, f := c.profiles()
	if f != nil {
		return f
	}
	conf, prof := c.req.op.text("ConfigurationToken"), c.req.op.text("ProfileToken")
	var p *Profile
	for i := range ps {
		if ps[i].Video == nil {
			continue
		}
		if (conf == "" || videoEncoderToken(&ps[i]) == conf) && (prof == "" || ps[i].Token == prof) {
			p = &ps[i]
			break
		}
	}
	if p == nil {
		return faultInvalidArgVal("ter:NoConfig", "The requested configuration does not exist")
	}
	c.w.start("trt:GetVideoEncoderConfigurationOptionsResponse")
	writeVideoEncoderOptions(c.w, p.Video)
	c.w.end("trt:GetVideoEncoderConfigurationOptionsResponse")
	return nil
}
