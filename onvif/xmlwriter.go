package onvif

import (
	"bytes"
	"encoding/xml"
	"strconv"
)

// Namespaces of the messages this package reads and writes (ONVIF Core
// Specification §5.3, Tables "Defined namespaces" and "Referenced
// namespaces").
const (
	nsSOAP12  = "http://www.w3.org/2003/05/soap-envelope"
	nsSOAP11  = "http://schemas.xmlsoap.org/soap/envelope/"
	nsDevice  = "http://www.onvif.org/ver10/device/wsdl"
	nsMedia   = "http://www.onvif.org/ver10/media/wsdl"
	nsSchema  = "http://www.onvif.org/ver10/schema"
	nsError   = "http://www.onvif.org/ver10/error"
	nsNetwork = "http://www.onvif.org/ver10/network/wsdl"
	nsWSD     = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	nsWSA     = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsWSSE    = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
)

// xw writes XML by hand: every element this package emits has a fixed
// prefix declared once on the envelope, which keeps the output compact and
// identical to what cameras send, and readable by the XPath-based clients
// (libonvif) as well as the prefix-stripping ones (node onvif).
type xw struct {
	b bytes.Buffer
}

// start writes an opening tag; attrs are name, value pairs.
func (w *xw) start(name string, attrs ...string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteByte('>')
}

// end writes a closing tag.
func (w *xw) end(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// empty writes a self-closing element.
func (w *xw) empty(name string, attrs ...string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.attrs(attrs)
	w.b.WriteString("/>")
}

// leaf writes an element holding text.
func (w *xw) leaf(name, text string, attrs ...string) {
	w.start(name, attrs...)
	_ = xml.EscapeText(&w.b, []byte(text))
	w.end(name)
}

// leafInt and leafBool write numbers and xs:boolean values.
func (w *xw) leafInt(name string, v int) { w.leaf(name, strconv.Itoa(v)) }

func (w *xw) leafBool(name string, v bool) { w.leaf(name, strconv.FormatBool(v)) }

// leafFloat writes an xs:float without exponent or trailing zeros (25,
// 29.97).
func (w *xw) leafFloat(name string, v float64) {
	w.leaf(name, strconv.FormatFloat(v, 'f', -1, 64))
}

func (w *xw) attrs(attrs []string) {
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteByte(' ')
		w.b.WriteString(attrs[i])
		w.b.WriteString(`="`)
		_ = xml.EscapeText(&w.b, []byte(attrs[i+1]))
		w.b.WriteByte('"')
	}
}

// boolAttr spells an xs:boolean attribute value.
func boolAttr(v bool) string { return strconv.FormatBool(v) }
