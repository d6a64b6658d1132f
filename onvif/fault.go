package onvif

import (
	"net/http"
	"unicode/utf8"
)

// A fault is a SOAP fault as ONVIF defines them (Core Specification
// §5.8.2, "SOAP errors"): a SOAP 1.2 code (env:Sender, env:Receiver...),
// up to two ONVIF subcodes in the ter: namespace, and a reason. The
// generic faults are Core §5.8.2.2 Table "Generic faults"; the operation
// specific ones are listed with each operation in the Media Service
// Specification.
type fault struct {
	Code     string // "Sender", "Receiver", "VersionMismatch", "MustUnderstand"
	Subcodes []string
	Reason   string
	// Status is the HTTP status; 0 means the SOAP 1.2 HTTP binding's
	// (SOAP 1.2 Part 2 §7.5.1.2): 400 for Sender, 500 otherwise.
	Status int
}

// status returns the HTTP status of the fault for a SOAP 1.2 request.
func (f *fault) status() int {
	if f.Status != 0 {
		return f.Status
	}
	if f.Code == "Sender" {
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// The faults this package returns.
func faultWellFormed(reason string) *fault {
	return &fault{Code: "Sender", Subcodes: []string{"ter:WellFormed"}, Reason: reason}
}

func faultVersionMismatch() *fault {
	return &fault{Code: "VersionMismatch", Reason: "SOAP version mismatch"}
}

// faultNotAuthorized is what a device that supports the username token
// profile only answers a request without valid credentials: "an HTTP 400
// error on the HTTP level and a SOAP:Fault env:Sender ter:NotAuthorized
// error on the WS level" (Core Specification §5.9.1, "Authentication over
// HTTP and HTTPS"; §5.12 in versions up to 20.06). HTTP 401 is for
// devices that also do HTTP digest, which this one does not.
func faultNotAuthorized() *fault {
	return &fault{Code: "Sender", Subcodes: []string{"ter:NotAuthorized"}, Reason: "Sender not Authorized", Status: http.StatusBadRequest}
}

// faultActionNotSupported answers an operation of a known service that is
// not implemented (Core §5.1.2: "the device should respond to a request
// with the error codes env:Receiver, ter:ActionNotSupported"), with an
// optional specific subcode.
func faultActionNotSupported(sub string) *fault {
	f := &fault{Code: "Receiver", Subcodes: []string{"ter:ActionNotSupported"}, Reason: "Optional Action Not Implemented"}
	if sub != "" {
		f.Subcodes = append(f.Subcodes, sub)
	}
	return f
}

func faultUnknownAction() *fault {
	return &fault{Code: "Sender", Subcodes: []string{"ter:UnknownAction"}, Reason: "Unknown Action"}
}

// faultInvalidArgVal is env:Sender ter:InvalidArgVal with a specific
// subcode, such as ter:NoProfile or ter:InvalidStreamSetup.
func faultInvalidArgVal(sub, reason string) *fault {
	return &fault{Code: "Sender", Subcodes: []string{"ter:InvalidArgVal", sub}, Reason: reason}
}

// writeFault writes the fault as the body of an envelope of version v.
// SOAP 1.1 has no subcodes (SOAP 1.1 §4.4): its faultcode is soap:Client
// or soap:Server and the ONVIF subcodes go in the detail.
func writeFault(w *xw, v soapVersion, f *fault) {
	f.Reason = boundReason(f.Reason)
	if v == soap11 {
		code := "soap:Server"
		if f.Code == "Sender" {
			code = "soap:Client"
		} else if f.Code == "VersionMismatch" || f.Code == "MustUnderstand" {
			code = "soap:" + f.Code
		}
		w.start("soap:Fault")
		w.leaf("faultcode", code)
		w.leaf("faultstring", f.Reason)
		if len(f.Subcodes) > 0 {
			w.start("detail")
			for _, s := range f.Subcodes {
				w.leaf("ter:Subcode", s)
			}
			w.end("detail")
		}
		w.end("soap:Fault")
		return
	}
	w.start("env:Fault")
	w.start("env:Code")
	w.leaf("env:Value", "env:"+f.Code)
	for _, s := range f.Subcodes {
		w.start("env:Subcode")
		w.leaf("env:Value", s)
	}
	for range f.Subcodes {
		w.end("env:Subcode")
	}
	w.end("env:Code")
	w.start("env:Reason")
	w.leaf("env:Text", f.Reason, "xml:lang", "en")
	w.end("env:Reason")
	w.end("env:Fault")
}

// maxReason bounds a fault's reason: a parse error may quote what the
// client sent, which must not come back at any length (found by
// FuzzSOAPRequest: a 10 KB element name echoed whole).
const maxReason = 256

// boundReason cuts reason to maxReason bytes at a character boundary.
func boundReason(reason string) string {
	if len(reason) <= maxReason {
		return reason
	}
	cut := maxReason
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut] + "..."
}
