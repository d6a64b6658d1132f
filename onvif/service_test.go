package onvif

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testProfiles is a fixed source: an H.264 camera with G.711 audio and an
// H.265 one without.
func testProfiles() ProfileSource {
	return ProfileFunc(func() ([]Profile, error) {
		return []Profile{
			{Token: "cam", Name: "cam", URI: "rtsp://192.0.2.1:8554/cam",
				Video: &Video{Encoding: "H264", Width: 1920, Height: 1080, FrameRate: 25, BitrateKbps: 4000, H264Profile: "High"},
				Audio: &Audio{Encoding: "G711", SampleRate: 8000, Channels: 1, BitrateKbps: 64}},
			{Token: "hevc", Name: "hevc", URI: "rtsp://192.0.2.1:8554/hevc",
				Video: &Video{Encoding: "H265", Width: 1280, Height: 720, FrameRate: 29.97}},
		}, nil
	})
}

// videoOnly is a source without audio.
func videoOnly() ProfileSource {
	return ProfileFunc(func() ([]Profile, error) {
		return []Profile{{Token: "v", Name: "v", URI: "rtsp://192.0.2.1:8554/v", Video: &Video{Encoding: "JPEG", Width: 320, Height: 240}}}, nil
	})
}

func TestDeviceInformation(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles(), Device: DeviceInfo{Manufacturer: "Acme", Model: "Cam1", FirmwareVersion: "2.0", SerialNumber: "SN1", HardwareID: "HW1"}})
	status, body := soapCall(t, url, "", `<tds:GetDeviceInformation/>`)
	require.Equal(t, http.StatusOK, status, body)
	r := parse(t, body).find("GetDeviceInformationResponse")
	require.NotNil(t, r, body)
	require.Equal(t, nsDevice, r.Space)
	require.Equal(t, "Acme", r.text("Manufacturer"))
	require.Equal(t, "Cam1", r.text("Model"))
	require.Equal(t, "2.0", r.text("FirmwareVersion"))
	require.Equal(t, "SN1", r.text("SerialNumber"))
	require.Equal(t, "HW1", r.text("HardwareId"))
}

func TestDefaultsAreStable(t *testing.T) {
	a, err := New(Config{Profiles: testProfiles(), Hostname: "h"})
	require.NoError(t, err)
	b, err := New(Config{Profiles: testProfiles(), Hostname: "h"})
	require.NoError(t, err)
	c, err := New(Config{Profiles: testProfiles(), Hostname: "other"})
	require.NoError(t, err)
	require.Regexp(t, `^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, a.EndpointUUID())
	require.Equal(t, a.EndpointUUID(), b.EndpointUUID(), "same configuration, same endpoint reference")
	require.NotEqual(t, a.EndpointUUID(), c.EndpointUUID())
	d, err := New(Config{Profiles: testProfiles(), EndpointUUID: "7F8A1C2E-0000-4000-8000-000000000001"})
	require.NoError(t, err)
	require.Equal(t, "urn:uuid:7f8a1c2e-0000-4000-8000-000000000001", d.EndpointUUID())
	_, err = New(Config{Profiles: testProfiles(), EndpointUUID: "not-a-uuid"})
	require.Error(t, err)
	_, err = New(Config{})
	require.Error(t, err, "Profiles is required")
}

func TestCapabilitiesListServedTransports(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		tr                   Transports
		multicast, rtspTCP   bool
		udp, tcp, mcast, web bool
	}{
		{"default", Transports{}, false, true, true, true, false, false},
		{"server with multicast", Transports{UDP: true, TCP: true, Multicast: true}, true, true, true, true, true, false},
		{"tcp only", Transports{TCP: true}, false, true, false, true, false, false},
		{"with http", Transports{UDP: true, TCP: true, HTTP: true}, false, true, true, true, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := newService(t, Config{Profiles: testProfiles(), Transports: tc.tr})
			_, body := soapCall(t, url, "", `<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>`)
			caps := parse(t, body).find("Capabilities")
			require.NotNil(t, caps, body)
			media := caps.child(nsSchema, "Media")
			require.NotNil(t, media, body)
			require.Regexp(t, `^http://127\.0\.0\.1:\d+/onvif/media_service$`, media.text("XAddr"))
			require.Regexp(t, `^http://127\.0\.0\.1:\d+/onvif/device_service$`, caps.child(nsSchema, "Device").text("XAddr"))
			sc := media.child(nsSchema, "StreamingCapabilities")
			require.Equal(t, boolAttr(tc.multicast), sc.text("RTPMulticast"))
			require.Equal(t, boolAttr(tc.rtspTCP), sc.text("RTP_RTSP_TCP"))
			require.Equal(t, "false", sc.text("RTP_TCP"))
			require.Equal(t, "2", media.find("MaximumNumberOfProfiles").Text)

			_, body = soapCall(t, url, "", `<trt:GetServiceCapabilities/>`)
			st := parse(t, body).find("StreamingCapabilities")
			require.NotNil(t, st, body)
			require.Equal(t, boolAttr(tc.multicast), st.attr("RTPMulticast"))
			require.Equal(t, boolAttr(tc.rtspTCP), st.attr("RTP_RTSP_TCP"))

			// GetStreamUri admits exactly the transports served.
			for _, c := range []struct {
				stream, proto string
				ok            bool
			}{
				{"RTP-Unicast", "UDP", tc.udp},
				{"RTP-Unicast", "RTSP", tc.tcp},
				{"RTP-Unicast", "TCP", tc.tcp},
				{"RTP-Unicast", "HTTP", tc.web},
				{"RTP-Multicast", "UDP", tc.mcast},
				{"RTP-Unicast", "SCTP", false},
				{"RTP-Broadcast", "UDP", false},
			} {
				status, body := soapCall(t, url, "", streamURIRequest("cam", c.stream, c.proto))
				if c.ok {
					require.Equal(t, http.StatusOK, status, "%s/%s: %s", c.stream, c.proto, body)
					require.Equal(t, "rtsp://192.0.2.1:8554/cam", parse(t, body).find("Uri").Text)
					continue
				}
				require.Equal(t, http.StatusBadRequest, status, "%s/%s: %s", c.stream, c.proto, body)
				code, subs := faultOf(t, body)
				require.Equal(t, "env:Sender", code)
				require.Equal(t, []string{"ter:InvalidArgVal", "ter:InvalidStreamSetup"}, subs)
			}
		})
	}
}

func streamURIRequest(token, stream, proto string) string {
	return `<trt:GetStreamUri><trt:StreamSetup><tt:Stream>` + stream + `</tt:Stream><tt:Transport><tt:Protocol>` + proto +
		`</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>` + token + `</trt:ProfileToken></trt:GetStreamUri>`
}

func TestGetServices(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	_, body := soapCall(t, url, "", `<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>`)
	svcs := parse(t, body).findAll("Service")
	require.Len(t, svcs, 2, body)
	require.Equal(t, nsDevice, svcs[0].text("Namespace"))
	require.True(t, strings.HasSuffix(svcs[0].text("XAddr"), DevicePath))
	require.Equal(t, nsMedia, svcs[1].text("Namespace"))
	require.True(t, strings.HasSuffix(svcs[1].text("XAddr"), MediaPath))
	require.NotNil(t, svcs[1].find("StreamingCapabilities"), "capabilities included")
	require.Equal(t, "true", svcs[0].find("Security").attr("UsernameToken"))

	_, body = soapCall(t, url, "", `<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>`)
	require.Nil(t, parse(t, body).find("StreamingCapabilities"), "no capabilities asked for")

	// The XAddrs follow the address the client used (Core §8.1.2.2).
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(envelope12("", `<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>`)))
	require.NoError(t, err)
	req.Host = "camera.example:8080"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, "http://camera.example:8080"+DevicePath, parse(t, string(b)).find("XAddr").Text)
}

func TestGetCapabilitiesCategories(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	_, body := soapCall(t, url, "", `<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>`)
	caps := parse(t, body).find("Capabilities")
	require.NotNil(t, caps.child(nsSchema, "Media"))
	require.Nil(t, caps.child(nsSchema, "Device"))
	status, body := soapCall(t, url, "", `<tds:GetCapabilities><tds:Category>PTZ</tds:Category></tds:GetCapabilities>`)
	require.Equal(t, http.StatusInternalServerError, status)
	code, subs := faultOf(t, body)
	require.Equal(t, "env:Receiver", code)
	require.Equal(t, []string{"ter:ActionNotSupported", "ter:NoSuchService"}, subs)
}

func TestSystemDateAndTime(t *testing.T) {
	at := time.Date(2031, 7, 4, 23, 59, 58, 0, time.FixedZone("x", 3600))
	_, url := newService(t, Config{Profiles: testProfiles(), Now: func() time.Time { return at }})
	_, body := soapCall(t, url, "", `<tds:GetSystemDateAndTime/>`)
	utc := parse(t, body).find("UTCDateTime")
	require.NotNil(t, utc, body)
	require.Equal(t, "2031", utc.find("Year").Text)
	require.Equal(t, "7", utc.find("Month").Text)
	require.Equal(t, "4", utc.find("Day").Text)
	require.Equal(t, "22", utc.find("Hour").Text, "UTC")
	require.Equal(t, "59", utc.find("Minute").Text)
	require.Equal(t, "58", utc.find("Second").Text)
}

func TestScopesHostnameNetwork(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles(), Name: "Front door", Location: "hall", Hostname: "cam-7",
		Device: DeviceInfo{HardwareID: "K230"}, Scopes: []string{"onvif://www.onvif.org/extra/x"}})
	_, body := soapCall(t, url, "", `<tds:GetScopes/>`)
	var items []string
	for _, s := range parse(t, body).findAll("ScopeItem") {
		items = append(items, s.Text)
	}
	require.Equal(t, []string{
		"onvif://www.onvif.org/Profile/Streaming",
		"onvif://www.onvif.org/type/video_encoder",
		"onvif://www.onvif.org/type/audio_encoder",
		"onvif://www.onvif.org/name/Front%20door",
		"onvif://www.onvif.org/hardware/K230",
		"onvif://www.onvif.org/location/hall",
		"onvif://www.onvif.org/extra/x",
	}, items)

	_, body = soapCall(t, url, "", `<tds:GetHostname/>`)
	require.Equal(t, "cam-7", parse(t, body).find("HostnameInformation").text("Name"))

	_, body = soapCall(t, url, "", `<tds:GetNetworkInterfaces/>`)
	ifs := parse(t, body).findAll("NetworkInterfaces")
	require.NotEmpty(t, ifs, body)
	for _, ifc := range ifs {
		require.NotEmpty(t, ifc.attr("token"))
		require.NotEmpty(t, ifc.find("Address").Text)
	}
}

func TestProfilesAndConfigurations(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	_, body := soapCall(t, url, "", `<trt:GetProfiles/>`)
	ps := parse(t, body).findAll("Profiles")
	require.Len(t, ps, 2, body)
	cam := ps[0]
	require.Equal(t, "cam", cam.attr("token"))
	vec := cam.child(nsSchema, "VideoEncoderConfiguration")
	require.Equal(t, "H264", vec.text("Encoding"))
	require.Equal(t, "1920", vec.find("Width").Text)
	require.Equal(t, "1080", vec.find("Height").Text)
	require.Equal(t, "25", vec.find("FrameRateLimit").Text)
	require.Equal(t, "4000", vec.find("BitrateLimit").Text)
	require.Equal(t, "High", vec.find("H264Profile").Text)
	aec := cam.child(nsSchema, "AudioEncoderConfiguration")
	require.Equal(t, "G711", aec.text("Encoding"))
	require.Equal(t, "8", aec.text("SampleRate"), "kHz")
	// The source configuration names the video source GetVideoSources
	// lists: node onvif pairs them to find its active source.
	src := cam.child(nsSchema, "VideoSourceConfiguration").text("SourceToken")
	hevc := ps[1]
	require.Equal(t, "H265", hevc.find("Encoding").Text)
	require.Equal(t, "30", hevc.find("FrameRateLimit").Text)
	require.Nil(t, hevc.child(nsSchema, "AudioEncoderConfiguration"))

	_, body = soapCall(t, url, "", `<trt:GetVideoSources/>`)
	vs := parse(t, body).findAll("VideoSources")
	require.Len(t, vs, 2)
	require.Equal(t, src, vs[0].attr("token"))
	require.Equal(t, "29.97", vs[1].text("Framerate"))

	_, body = soapCall(t, url, "", `<trt:GetProfile><trt:ProfileToken>hevc</trt:ProfileToken></trt:GetProfile>`)
	require.Equal(t, "hevc", parse(t, body).find("Profile").attr("token"))
	status, body := soapCall(t, url, "", `<trt:GetProfile><trt:ProfileToken>nope</trt:ProfileToken></trt:GetProfile>`)
	require.Equal(t, http.StatusBadRequest, status)
	_, subs := faultOf(t, body)
	require.Equal(t, []string{"ter:InvalidArgVal", "ter:NoProfile"}, subs)

	for _, op := range []string{"GetVideoSourceConfigurations", "GetVideoEncoderConfigurations"} {
		_, body = soapCall(t, url, "", `<trt:`+op+`/>`)
		require.Len(t, parse(t, body).findAll("Configurations"), 2, op)
	}
	for _, op := range []string{"GetAudioSourceConfigurations", "GetAudioEncoderConfigurations"} {
		_, body = soapCall(t, url, "", `<trt:`+op+`/>`)
		require.Len(t, parse(t, body).findAll("Configurations"), 1, op)
	}
	_, body = soapCall(t, url, "", `<trt:GetAudioSources/>`)
	require.Len(t, parse(t, body).findAll("AudioSources"), 1)

	tok := parse(t, body).find("AudioSources").attr("token")
	require.NotEmpty(t, tok)
	_, body = soapCall(t, url, "", `<trt:GetVideoEncoderConfiguration><trt:ConfigurationToken>VideoEncoder_hevc</trt:ConfigurationToken></trt:GetVideoEncoderConfiguration>`)
	require.Equal(t, "H265", parse(t, body).find("Configuration").text("Encoding"))
	_, body = soapCall(t, url, "", `<trt:GetVideoEncoderConfiguration><trt:ConfigurationToken>nope</trt:ConfigurationToken></trt:GetVideoEncoderConfiguration>`)
	_, subs = faultOf(t, body)
	require.Equal(t, []string{"ter:InvalidArgVal", "ter:NoConfig"}, subs)
}

func TestAudioCallsWithoutAudio(t *testing.T) {
	_, url := newService(t, Config{Profiles: videoOnly()})
	for _, op := range []string{"GetAudioSources", "GetAudioSourceConfigurations", "GetAudioEncoderConfigurations"} {
		status, body := soapCall(t, url, "", `<trt:`+op+`/>`)
		require.Equal(t, http.StatusInternalServerError, status, op)
		code, subs := faultOf(t, body)
		require.Equal(t, "env:Receiver", code, op)
		require.Equal(t, []string{"ter:ActionNotSupported", "ter:AudioNotSupported"}, subs, op)
	}
	_, body := soapCall(t, url, "", `<tds:GetScopes/>`)
	require.NotContains(t, body, "audio_encoder")
}

func TestSnapshotURI(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	status, body := soapCall(t, url, "", `<trt:GetSnapshotUri><trt:ProfileToken>cam</trt:ProfileToken></trt:GetSnapshotUri>`)
	require.Equal(t, http.StatusInternalServerError, status)
	code, subs := faultOf(t, body)
	require.Equal(t, "env:Receiver", code)
	require.Equal(t, []string{"ter:ActionNotSupported"}, subs)
	_, body = soapCall(t, url, "", `<trt:GetServiceCapabilities/>`)
	require.Equal(t, "false", parse(t, body).find("Capabilities").attr("SnapshotUri"))

	_, url = newService(t, Config{Profiles: testProfiles(), SnapshotURI: func(tok string) string {
		if tok == "cam" {
			return "http://192.0.2.1/snap.jpg"
		}
		return ""
	}})
	status, body = soapCall(t, url, "", `<trt:GetSnapshotUri><trt:ProfileToken>cam</trt:ProfileToken></trt:GetSnapshotUri>`)
	require.Equal(t, http.StatusOK, status, body)
	mu := parse(t, body).find("MediaUri")
	require.Equal(t, "http://192.0.2.1/snap.jpg", mu.text("Uri"))
	require.Equal(t, "PT0S", mu.text("Timeout"))
	_, body = soapCall(t, url, "", `<trt:GetSnapshotUri><trt:ProfileToken>hevc</trt:ProfileToken></trt:GetSnapshotUri>`)
	_, subs = faultOf(t, body)
	require.Equal(t, []string{"ter:ActionNotSupported"}, subs, "no JPEG for that profile")
	_, body = soapCall(t, url, "", `<trt:GetServiceCapabilities/>`)
	require.Equal(t, "true", parse(t, body).find("Capabilities").attr("SnapshotUri"))
}

func TestProfileSourceFailure(t *testing.T) {
	_, url := newService(t, Config{Profiles: ProfileFunc(func() ([]Profile, error) { return nil, errors.New("boom") })})
	status, body := soapCall(t, url, "", `<trt:GetProfiles/>`)
	require.Equal(t, http.StatusInternalServerError, status)
	code, subs := faultOf(t, body)
	require.Equal(t, "env:Receiver", code)
	require.Equal(t, []string{"ter:Action"}, subs)
	require.NotContains(t, body, "boom", "internal errors are not reported (Core §5.8.2.4)")
}

func TestUnknownOperations(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	status, body := soapCall(t, url, "", `<tds:SystemReboot/>`)
	require.Equal(t, http.StatusInternalServerError, status)
	code, subs := faultOf(t, body)
	require.Equal(t, "env:Receiver", code)
	require.Equal(t, []string{"ter:ActionNotSupported"}, subs)

	status, body = soapCall(t, url, "", `<x:Frobnicate xmlns:x="urn:example"/>`)
	require.Equal(t, http.StatusBadRequest, status)
	code, subs = faultOf(t, body)
	require.Equal(t, "env:Sender", code)
	require.Equal(t, []string{"ter:UnknownAction"}, subs)
}

func TestMalformedRequests(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles(), MaxBodyBytes: 4096})
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		sub        string
	}{
		{"not xml", "hello", 400, "env:Sender", "ter:WellFormed"},
		{"truncated", `<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body><tds:GetHostname xmlns:tds="` + nsDevice + `"/>`, 400, "env:Sender", "ter:WellFormed"},
		{"mismatched tags", `<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body></s:Envelope></s:Body>`, 400, "env:Sender", "ter:WellFormed"},
		{"not an envelope", `<Envelope/>`, 500, "env:VersionMismatch", ""},
		{"no body", `<s:Envelope xmlns:s="` + nsSOAP12 + `"/>`, 400, "env:Sender", "ter:Tag"},
		{"empty body", `<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body/></s:Envelope>`, 400, "env:Sender", "ter:Tag"},
		{"unknown entity", `<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body>&foo;</s:Body></s:Envelope>`, 400, "env:Sender", "ter:WellFormed"},
		{"deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), 400, "env:Sender", "ter:WellFormed"},
		{"too large", envelope12("", `<tds:GetHostname/>`+strings.Repeat(" ", 5000)), 413, "env:Sender", "ter:InvalidArgs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, url, "application/soap+xml", tc.body)
			require.Equal(t, tc.status, status, body)
			code, subs := faultOf(t, body)
			require.Equal(t, tc.code, code, body)
			if tc.sub != "" {
				require.Equal(t, tc.sub, subs[0])
			}
		})
	}
}

// TestDOCTYPERefused sends the classic entity attacks: an internal
// entity expansion ("billion laughs") and an external entity naming a
// local file. Both are refused before anything is expanded or read.
func TestDOCTYPERefused(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	for _, body := range []string{
		`<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
			`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body><tds:GetHostname xmlns:tds="` + nsDevice + `">&b;</tds:GetHostname></s:Body></s:Envelope>`,
		`<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body><tds:GetDeviceInformation xmlns:tds="` + nsDevice + `">&xxe;</tds:GetDeviceInformation></s:Body></s:Envelope>`,
	} {
		status, resp := post(t, url, "application/soap+xml", body)
		require.Equal(t, http.StatusBadRequest, status, resp)
		code, subs := faultOf(t, resp)
		require.Equal(t, "env:Sender", code)
		require.Equal(t, []string{"ter:WellFormed"}, subs)
		require.Contains(t, resp, "DOCTYPE")
		require.NotContains(t, resp, "aaaaaaaaaa")
		require.NotContains(t, resp, "root:")
		require.NotContains(t, resp, "GetHostnameResponse")
	}
}

func TestHTTPErrors(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, "POST", resp.Header.Get("Allow"))

	status, _ := post(t, strings.Replace(url, DevicePath, "/onvif/other", 1), "application/soap+xml", envelope12("", `<tds:GetHostname/>`))
	require.Equal(t, http.StatusNotFound, status)
}

// TestSOAP11 checks that a SOAP 1.1 request gets a SOAP 1.1 answer, and
// that media operations are answered on the device service's path too.
func TestSOAP11(t *testing.T) {
	_, url := newService(t, Config{Profiles: testProfiles()})
	req := `<soap:Envelope xmlns:soap="` + nsSOAP11 + `"><soap:Body><GetStreamUri xmlns="` + nsMedia + `">` +
		`<StreamSetup><Stream xmlns="` + nsSchema + `">RTP-Unicast</Stream><Transport xmlns="` + nsSchema + `"><Protocol>RTSP</Protocol></Transport></StreamSetup>` +
		`<ProfileToken>cam</ProfileToken></GetStreamUri></soap:Body></soap:Envelope>`
	resp, err := http.Post(url, "text/xml; charset=utf-8", strings.NewReader(req))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/xml; charset=utf-8", resp.Header.Get("Content-Type"))
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	root := parse(t, string(b))
	require.Equal(t, nsSOAP11, root.Space)
	require.Equal(t, "rtsp://192.0.2.1:8554/cam", root.find("Uri").Text)

	status, body := post(t, url, "text/xml", `<soap:Envelope xmlns:soap="`+nsSOAP11+`"><soap:Body><GetProfile xmlns="`+nsMedia+`"><ProfileToken>x</ProfileToken></GetProfile></soap:Body></soap:Envelope>`)
	require.Equal(t, http.StatusInternalServerError, status, "SOAP 1.1 faults are 500 (SOAP 1.1 §6.2)")
	f := parse(t, body).find("Fault")
	require.Equal(t, "soap:Client", f.text("faultcode"))
	require.Contains(t, body, "ter:NoProfile")
}
