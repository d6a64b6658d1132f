// Package onvif is a small ONVIF Profile S device for rtspkit's server: the
// device service (GetDeviceInformation, GetCapabilities, GetServices,
// GetServiceCapabilities, GetSystemDateAndTime, GetNetworkInterfaces,
// GetScopes, GetHostname), the ver10 media service (profiles, sources,
// encoder configurations, GetStreamUri, GetSnapshotUri) and WS-Discovery
// (Hello, Bye, ProbeMatches), so that NVRs and ONVIF tools find the camera
// and play its sessions without being told their RTSP URLs.
//
// It is written on encoding/xml and net/http alone: the messages it
// answers are few and fixed, and a general SOAP stack would bring more
// attack surface than features. Requests are parsed into a small bounded
// tree (no DTD, no external entity, 64 KiB at most); responses are written
// by hand in the SOAP version the request used (1.2, or 1.1 for old
// clients).
//
// A Service takes its media profiles from a ProfileSource, one profile per
// server session: ServerProfiles builds them from a *server.Server (codec,
// picture size and frame rate from the SPS, the session's URL), and a
// ProfileFunc lets tests and other programs supply their own. Credentials,
// when configured, are checked as WS-UsernameToken PasswordDigest with a
// clock-skew window and replay protection (see wsse.go); ONVIF's PRE_AUTH
// operations stay open, as the Core Specification requires.
//
//	svc, _ := onvif.New(onvif.Config{Profiles: onvif.ServerProfiles(srv, 25)})
//	go svc.Serve(ctx, ln)                         // http://host:port/onvif/device_service
//	disc, _ := svc.StartDiscovery(onvif.DiscoveryConfig{Port: port})
//	defer disc.Close()                            // Bye
package onvif
