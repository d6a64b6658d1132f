package onvif

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzSOAPRequest feeds arbitrary bodies to the service, with credentials
// configured: nothing may panic, every answer must be a well-formed SOAP
// envelope with one of the statuses the service uses, and a 200 must not
// be a fault.
func FuzzSOAPRequest(f *testing.F) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	token := wsseHeaderNonce("admin", "s3cret", "2030-01-02T03:04:05.000Z", []byte("0123456789abcdef"))
	for _, seed := range []string{
		envelope12("", `<tds:GetSystemDateAndTime/>`),
		envelope12("", `<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>`),
		envelope12("", `<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>`),
		envelope12(token, `<trt:GetProfiles/>`),
		envelope12(token, streamURIRequest("cam", "RTP-Unicast", "RTSP")),
		envelope12(token, `<trt:GetVideoEncoderConfiguration><trt:ConfigurationToken>VideoEncoder_cam</trt:ConfigurationToken></trt:GetVideoEncoderConfiguration>`),
		envelope12(token, `<trt:GetSnapshotUri><trt:ProfileToken>cam</trt:ProfileToken></trt:GetSnapshotUri>`),
		`<soap:Envelope xmlns:soap="` + nsSOAP11 + `"><soap:Body><GetProfiles xmlns="` + nsMedia + `"/></soap:Body></soap:Envelope>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`,
		`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body/></s:Envelope>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	svc, err := New(Config{Profiles: testProfiles(), Username: "admin", Password: "s3cret", Now: func() time.Time { return now },
		SnapshotURI: func(string) string { return "http://192.0.2.1/snap.jpg" }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, DevicePath, strings.NewReader(string(body)))
		rec := httptest.NewRecorder()
		svc.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		root, err := parseTree(rec.Body)
		if err != nil {
			t.Fatalf("answer is not well-formed: %v", err)
		}
		if root.Local != "Envelope" || (root.Space != nsSOAP12 && root.Space != nsSOAP11) {
			t.Fatalf("answer is not a SOAP envelope: {%s}%s", root.Space, root.Local)
		}
		isFault := root.child(root.Space, "Body").child(root.Space, "Fault") != nil
		if isFault == (rec.Code == http.StatusOK) {
			t.Fatalf("status %d with fault=%v", rec.Code, isFault)
		}
	})
}

// FuzzProbe feeds arbitrary datagrams to WS-Discovery's parser and
// matcher: nothing may panic, and a matching Probe gets a well-formed
// ProbeMatches relating to its MessageID.
func FuzzProbe(f *testing.F) {
	for _, seed := range []string{
		npmProbe,
		libonvifProbe,
		probeWith("urn:uuid:1", "", ""),
		probeWith("urn:uuid:2", `<d:Types xmlns:p="urn:printers">p:Printer</d:Types>`, ""),
		probeWith("urn:uuid:3", "", `<d:Scopes MatchBy="http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0">onvif://www.onvif.org/name/rtspd</d:Scopes>`),
		probeWith("urn:uuid:4", "", `<d:Scopes>onvif://www.onvif.org/location/country%2Fchina</d:Scopes>`),
		"<x/>",
		"",
	} {
		f.Add([]byte(seed))
	}
	svc, err := New(Config{Profiles: testProfiles(), Name: "rtspd", Location: "country/china"})
	if err != nil {
		f.Fatal(err)
	}
	d := &Discovery{svc: svc, port: 80}
	ann := d.announce(nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseProbe(b)
		if err != nil {
			return
		}
		_ = typesMatch(p.types)
		_ = scopesMatch(p.matchBy, p.scopes, ann.scopes)
		reply := probeMatchesMessage(ann, p.messageID)
		root, err := parseTree(strings.NewReader(string(reply)))
		if err != nil {
			t.Fatalf("ProbeMatches is not well-formed: %v", err)
		}
		if got := root.child(nsSOAP12, "Header").text("RelatesTo"); got != p.messageID {
			t.Fatalf("RelatesTo %q, MessageID %q", got, p.messageID)
		}
	})
}
