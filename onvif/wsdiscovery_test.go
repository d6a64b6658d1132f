package onvif

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Probes as real clients send them.
const (
	// npmProbe is node onvif's Discovery.probe (lib/discovery.js): the
	// dn prefix declared on the Envelope, Types unprefixed in the
	// discovery namespace.
	npmProbe = `<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><Header>` +
		`<wsa:MessageID xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:uuid:8a5e1c9e-1111-4c4c-9f9f-000000000001</wsa:MessageID>` +
		`<wsa:To xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>` +
		`<wsa:Action xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>` +
		`</Header><Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<Types>dn:NetworkVideoTransmitter</Types><Scopes /></Probe></Body></Envelope>`
	// libonvifProbe is libonvif's (onvif-util): tds:Device under
	// another prefix declared on Types itself.
	libonvifProbe = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header>` +
		`<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>uuid:6bbdae2d-f229-42c8-a27b-93880fb80826</a:MessageID>` +
		`<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
		`<s:Body><Probe xmlns="http://schemas.xmlsoap.org/ws/2005/04/discovery"><d:Types xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dp0="http://www.onvif.org/ver10/device/wsdl">dp0:Device</d:Types></Probe></s:Body></s:Envelope>`
)

// probeWith returns a Probe with the given Types and Scopes elements.
func probeWith(id, types, scopes string) string {
	return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
		`<s:Header><a:MessageID>` + id + `</a:MessageID><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>` +
		`<s:Body><d:Probe>` + types + scopes + `</d:Probe></s:Body></s:Envelope>`
}

// testDiscovery is a Discovery without sockets, for answer().
func testDiscovery(t *testing.T) *Discovery {
	t.Helper()
	svc, err := New(Config{Profiles: testProfiles(), Name: "rtspd", Device: DeviceInfo{HardwareID: "D1-566"}, Location: "country/china"})
	require.NoError(t, err)
	return &Discovery{svc: svc, port: 8080, ifs: []hostInterface{{Name: "lo", Index: 1, IPv4: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8")}}}}
}

func TestProbeMatching(t *testing.T) {
	d := testDiscovery(t)
	for _, tc := range []struct {
		name  string
		probe string
		match bool
	}{
		{"node onvif", npmProbe, true},
		{"libonvif", libonvifProbe, true},
		{"empty probe", probeWith("urn:uuid:1", "", ""), true},
		{"both types", probeWith("urn:uuid:1", `<d:Types xmlns:tds="http://www.onvif.org/ver10/device/wsdl">dn:NetworkVideoTransmitter tds:Device</d:Types>`, ""), true},
		{"undeclared prefix", probeWith("urn:uuid:1", `<d:Types>tdn:NetworkVideoTransmitter</d:Types>`, ""), true},
		{"other type", probeWith("urn:uuid:1", `<d:Types xmlns:p="urn:printers">p:Printer</d:Types>`, ""), false},
		{"same name, other namespace", probeWith("urn:uuid:1", `<d:Types xmlns:p="urn:printers">p:Device</d:Types>`, ""), false},
		{"a matching and another type", probeWith("urn:uuid:1", `<d:Types xmlns:p="urn:printers">dn:NetworkVideoTransmitter p:Printer</d:Types>`, ""), false},
		{"scope prefix", probeWith("urn:uuid:1", "", `<d:Scopes>onvif://www.onvif.org/location/country</d:Scopes>`), true},
		{"scope authority only", probeWith("urn:uuid:1", "", `<d:Scopes>onvif://www.onvif.org</d:Scopes>`), true},
		{"scope case of the authority", probeWith("urn:uuid:1", "", `<d:Scopes>ONVIF://WWW.ONVIF.ORG/name/rtspd</d:Scopes>`), true},
		{"two scopes", probeWith("urn:uuid:1", "", `<d:Scopes>onvif://www.onvif.org/name/rtspd onvif://www.onvif.org/type/video_encoder</d:Scopes>`), true},
		{"scope not a segment prefix (Core §7.3.2.2)", probeWith("urn:uuid:1", "", `<d:Scopes>onvif://www.onvif.org/hardware/D1</d:Scopes>`), false},
		{"other name", probeWith("urn:uuid:1", "", `<d:Scopes>onvif://www.onvif.org/name/other</d:Scopes>`), false},
		{"rfc3986 rule", probeWith("urn:uuid:1", "", `<d:Scopes MatchBy="http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986">onvif://www.onvif.org/hardware/D1-566</d:Scopes>`), true},
		{"strcmp0 exact", probeWith("urn:uuid:1", "", `<d:Scopes MatchBy="http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0">onvif://www.onvif.org/name/rtspd</d:Scopes>`), true},
		{"strcmp0 prefix", probeWith("urn:uuid:1", "", `<d:Scopes MatchBy="http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0">onvif://www.onvif.org/name</d:Scopes>`), false},
		{"unknown rule", probeWith("urn:uuid:1", "", `<d:Scopes MatchBy="urn:example:rule">onvif://www.onvif.org/name/rtspd</d:Scopes>`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply := d.answer([]byte(tc.probe), nil)
			if !tc.match {
				require.Nil(t, reply)
				return
			}
			require.NotNil(t, reply)
			p, err := parseProbe([]byte(tc.probe))
			require.NoError(t, err)
			root := parse(t, string(reply))
			require.Equal(t, nsSOAP12, root.Space)
			h := root.child(nsSOAP12, "Header")
			require.Equal(t, actionProbeMatches, h.text("Action"))
			require.Equal(t, p.messageID, h.child(nsWSA, "RelatesTo").Text)
			require.NotEqual(t, p.messageID, h.text("MessageID"))
			m := root.find("ProbeMatch")
			require.Equal(t, nsWSD, m.Space)
			require.Equal(t, d.svc.EndpointUUID(), m.find("Address").Text)
			require.Equal(t, "http://127.0.0.1:8080/onvif/device_service", m.text("XAddrs"))
			types := m.child(nsWSD, "Types")
			var got []qname
			for _, f := range strings.Fields(types.Text) {
				sp, lo, ok := types.qname(f)
				require.True(t, ok, "prefix of %s declared", f)
				got = append(got, qname{sp, lo, true})
			}
			require.Equal(t, deviceTypes, got)
			require.Contains(t, m.text("Scopes"), "onvif://www.onvif.org/name/rtspd")
		})
	}
}

func TestProbeIgnored(t *testing.T) {
	d := testDiscovery(t)
	hello := helloMessage(d.announce(d.ifs[0].IPv4))
	_, err := parseProbe(hello)
	require.ErrorIs(t, err, errNotProbe, "our own Hello, looped back")
	require.Nil(t, d.answer(hello, nil))
	for _, bad := range []string{
		"", "garbage", `<x/>`, `<!DOCTYPE x><x/>`,
		probeWith(strings.Repeat("x", maxMessageIDLen+1), "", ""),
		probeWith("urn:uuid:1", "<d:Types>"+strings.Repeat("dn:NetworkVideoTransmitter ", maxProbeTypes+1)+"</d:Types>", ""),
		probeWith("urn:uuid:1", "", "<d:Scopes>"+strings.Repeat("onvif://www.onvif.org ", maxProbeScopes+1)+"</d:Scopes>"),
		strings.Repeat(" ", maxDatagram+1),
	} {
		require.Nil(t, d.answer([]byte(bad), nil), "%.80q", bad)
	}
}

func TestHelloAndBye(t *testing.T) {
	d := testDiscovery(t)
	a := d.announce(d.ifs[0].IPv4)
	root := parse(t, string(helloMessage(a)))
	h := root.child(nsSOAP12, "Header")
	require.Equal(t, actionHello, h.text("Action"))
	require.Equal(t, toDiscovery, h.text("To"))
	hello := root.find("Hello")
	require.Equal(t, nsWSD, hello.Space)
	require.Equal(t, d.svc.EndpointUUID(), hello.find("Address").Text)
	require.Equal(t, "http://127.0.0.1:8080/onvif/device_service", hello.text("XAddrs"))
	require.Contains(t, hello.text("Types"), "tds:Device")
	seq := h.child(nsWSD, "AppSequence")
	require.NotEmpty(t, seq.attr("MessageNumber"))

	root = parse(t, string(byeMessage(d.announce(nil))))
	require.Equal(t, actionBye, root.child(nsSOAP12, "Header").text("Action"))
	require.Equal(t, d.svc.EndpointUUID(), root.find("Bye").find("Address").Text)
	require.NotEqual(t, seq.attr("MessageNumber"), root.find("AppSequence").attr("MessageNumber"), "message numbers increase")
}

func TestURIScopeMatch(t *testing.T) {
	ours := "onvif://www.onvif.org/location/country/china"
	for probe, want := range map[string]bool{
		"onvif://www.onvif.org/location/country/china":         true,
		"onvif://www.onvif.org/location/country/china/":        true,
		"onvif://www.onvif.org/location/country":               true,
		"onvif://www.onvif.org/location/coun":                  false,
		"onvif://www.onvif.org/location/country/china/beijing": false,
		"http://www.onvif.org/location":                        false,
		"onvif://example.org/location":                         false,
		"onvif://www.onvif.org/location/country%2Fchina":       false,
	} {
		require.Equal(t, want, uriScopeMatch(probe, ours), probe)
	}
}
