package onvif

import (
	"errors"
	"io"
)

// soapVersion is the SOAP version of a request, which its response uses.
type soapVersion int

const (
	soap12 soapVersion = iota
	soap11
)

// request is a parsed SOAP request: its version, its Header (nil when
// absent) and the operation element, the first child of its Body.
type request struct {
	version soapVersion
	header  *node
	op      *node
}

// parseEnvelope parses a SOAP 1.2 envelope, or a SOAP 1.1 one: ONVIF
// mandates 1.2 (Core §5.7, "Binding": the WSDL SOAP 1.2 bindings shall be
// used), but a few old clients still send 1.1 and cost nothing to
// understand. Every failure is a fault to send back.
func parseEnvelope(r io.Reader) (*request, *fault) {
	root, err := parseTree(r)
	if errors.Is(err, errDOCTYPE) {
		return nil, faultWellFormed("DOCTYPE is not allowed in a SOAP message")
	}
	if err != nil {
		return nil, faultWellFormed("XML well-formed violation: " + err.Error())
	}
	req := &request{}
	switch {
	case root.Local == "Envelope" && root.Space == nsSOAP12:
		req.version = soap12
	case root.Local == "Envelope" && root.Space == nsSOAP11:
		req.version = soap11
	default:
		// Core §5.8.2.2: "an invalid element information item instead
		// of the expected Envelope element information item".
		return nil, faultVersionMismatch()
	}
	req.header = root.child(root.Space, "Header")
	body := root.child(root.Space, "Body")
	if body == nil {
		return req, &fault{Code: "Sender", Subcodes: []string{"ter:Tag"}, Reason: "No Tag: the envelope has no Body"}
	}
	if len(body.Kids) == 0 {
		return req, &fault{Code: "Sender", Subcodes: []string{"ter:Tag"}, Reason: "No Tag: the Body has no operation"}
	}
	req.op = body.Kids[0]
	return req, nil
}

// writeEnvelope writes a whole response envelope in version v, declaring
// every prefix the bodies use, with body writing the Body's content.
func writeEnvelope(w *xw, v soapVersion, body func(w *xw)) {
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	env, ns := "env", nsSOAP12
	if v == soap11 {
		env, ns = "soap", nsSOAP11
	}
	w.start(env+":Envelope",
		"xmlns:"+env, ns,
		"xmlns:tds", nsDevice,
		"xmlns:trt", nsMedia,
		"xmlns:tt", nsSchema,
		"xmlns:ter", nsError)
	w.start(env + ":Body")
	body(w)
	w.end(env + ":Body")
	w.end(env + ":Envelope")
}
