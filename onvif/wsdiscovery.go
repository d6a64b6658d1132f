package onvif

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// WS-Discovery 2005/04 messages: the Probe a client multicasts, and the
// Hello, Bye and ProbeMatches a device (a Target Service) sends, with the
// ONVIF rules of Core chapter 7, "Device discovery".
const (
	actionProbe        = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
	actionProbeMatches = "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
	actionHello        = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello"
	actionBye          = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Bye"
	// toDiscovery is the wsa:To of multicast messages (WS-Discovery
	// §2.4); toAnonymous that of a reply to the sender.
	toDiscovery = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
	toAnonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// Bounds of a Probe: more types or scopes than any client sends, a
// MessageID longer than any UUID URI, and the message is ignored, so that
// a probe cannot make us echo much or work long.
const (
	maxDatagram     = 16 << 10
	maxProbeTypes   = 16
	maxProbeScopes  = 32
	maxMessageIDLen = 256
)

// qname is a resolved type name; resolved is false when its prefix was
// not declared, and then only the local name is compared.
type qname struct {
	space, local string
	resolved     bool
}

// probe is a parsed Probe message.
type probe struct {
	messageID string
	types     []qname
	scopes    []string
	matchBy   string
}

// errNotProbe is parseProbe's answer for a valid message that is not a
// Probe: another device's Hello, our own looped back, a ProbeMatch.
var errNotProbe = errors.New("onvif: not a WS-Discovery Probe")

// parseProbe parses a datagram as a SOAP envelope holding a Probe.
func parseProbe(b []byte) (*probe, error) {
	if len(b) > maxDatagram {
		return nil, errors.New("onvif: datagram too large")
	}
	root, err := parseTree(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	if root.Local != "Envelope" || (root.Space != nsSOAP12 && root.Space != nsSOAP11) {
		return nil, errors.New("onvif: not a SOAP envelope")
	}
	header := root.child(root.Space, "Header")
	if a := header.child("", "Action"); a != nil && a.Text != actionProbe {
		return nil, errNotProbe
	}
	pr := root.child(root.Space, "Body").child(nsWSD, "Probe")
	if pr == nil {
		return nil, errNotProbe
	}
	p := &probe{messageID: header.text("MessageID")}
	if len(p.messageID) > maxMessageIDLen {
		return nil, errors.New("onvif: MessageID too long")
	}
	if t := pr.child("", "Types"); t != nil {
		for _, f := range strings.Fields(t.Text) {
			space, local, ok := t.qname(f)
			p.types = append(p.types, qname{space, local, ok})
		}
	}
	if sc := pr.child("", "Scopes"); sc != nil {
		p.scopes = strings.Fields(sc.Text)
		p.matchBy = strings.TrimSpace(sc.attr("MatchBy"))
	}
	if len(p.types) > maxProbeTypes || len(p.scopes) > maxProbeScopes {
		return nil, errors.New("onvif: too many types or scopes in the Probe")
	}
	return p, nil
}

// deviceTypes are the types a device matches: dn:NetworkVideoTransmitter
// (what ONVIF clients probe for) and tds:Device, which Core §7.3.2.1
// requires in the Types ("An ONVIF compliant device shall include the
// device management service port type, i.e. tds:Device").
var deviceTypes = []qname{
	{nsNetwork, "NetworkVideoTransmitter", true},
	{nsDevice, "Device", true},
}

// typesMatch reports whether every probed type is one of ours (WS-Discovery
// §5.1); a Probe without Types matches any device.
func typesMatch(probed []qname) bool {
	for _, t := range probed {
		found := false
		for _, o := range deviceTypes {
			if t.local == o.local && (!t.resolved || t.space == o.space) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// announcement is what Hello and ProbeMatch tell about the device.
type announcement struct {
	endpoint string   // urn:uuid:...
	scopes   []string // space-separated in the message
	xaddrs   []string
	instance uint32 // AppSequence InstanceId
	number   uint32 // AppSequence MessageNumber
}

// discoveryMessage writes a WS-Discovery envelope: action, a fresh
// MessageID, RelatesTo when relatesTo is set, and the body.
func discoveryMessage(action, to, relatesTo string, a *announcement, body func(w *xw)) []byte {
	w := &xw{}
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	w.start("env:Envelope", "xmlns:env", nsSOAP12, "xmlns:wsa", nsWSA, "xmlns:d", nsWSD,
		"xmlns:dn", nsNetwork, "xmlns:tds", nsDevice)
	w.start("env:Header")
	w.leaf("wsa:MessageID", randomUUID())
	if relatesTo != "" {
		w.leaf("wsa:RelatesTo", relatesTo)
	}
	w.leaf("wsa:To", to)
	w.leaf("wsa:Action", action)
	w.empty("d:AppSequence", "InstanceId", strconv.FormatUint(uint64(a.instance), 10),
		"MessageNumber", strconv.FormatUint(uint64(a.number), 10))
	w.end("env:Header")
	w.start("env:Body")
	body(w)
	w.end("env:Body")
	w.end("env:Envelope")
	return w.b.Bytes()
}

// writeMatch writes the content of a Hello or ProbeMatch: endpoint
// reference, types, scopes, XAddrs (Core §7.3.2.3: "A device shall include
// the <d:XAddrs> element with the address(es) for the device service")
// and metadata version.
func writeMatch(w *xw, a *announcement) {
	w.start("wsa:EndpointReference")
	w.leaf("wsa:Address", a.endpoint)
	w.end("wsa:EndpointReference")
	w.leaf("d:Types", "dn:NetworkVideoTransmitter tds:Device")
	w.leaf("d:Scopes", strings.Join(a.scopes, " "))
	w.leaf("d:XAddrs", strings.Join(a.xaddrs, " "))
	w.leafInt("d:MetadataVersion", 1)
}

// helloMessage, byeMessage and probeMatchesMessage build the three
// messages a device sends.
func helloMessage(a *announcement) []byte {
	return discoveryMessage(actionHello, toDiscovery, "", a, func(w *xw) {
		w.start("d:Hello")
		writeMatch(w, a)
		w.end("d:Hello")
	})
}

func byeMessage(a *announcement) []byte {
	return discoveryMessage(actionBye, toDiscovery, "", a, func(w *xw) {
		w.start("d:Bye")
		w.start("wsa:EndpointReference")
		w.leaf("wsa:Address", a.endpoint)
		w.end("wsa:EndpointReference")
		w.end("d:Bye")
	})
}

// probeMatchesMessage answers a Probe: RelatesTo is the Probe's MessageID
// (WS-Discovery §5.3), so the client can tell which probe it answers.
func probeMatchesMessage(a *announcement, relatesTo string) []byte {
	return discoveryMessage(actionProbeMatches, toAnonymous, relatesTo, a, func(w *xw) {
		w.start("d:ProbeMatches")
		w.start("d:ProbeMatch")
		writeMatch(w, a)
		w.end("d:ProbeMatch")
		w.end("d:ProbeMatches")
	})
}
