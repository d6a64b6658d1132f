package onvif

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// node is one element of a parsed message: the few messages this package
// reads are small, so a tree is simpler than a streaming decoder per
// operation, and it lets a handler look a field up by namespace and name
// wherever the client put it.
type node struct {
	Space, Local string
	Attr         []xml.Attr
	Text         string // character data directly inside, trimmed
	Kids         []*node
	// ns maps the prefixes in scope at this element to their namespaces,
	// for QName values in text (WS-Discovery's d:Types): encoding/xml
	// resolves the prefixes of names but not of text.
	ns map[string]string
	// raw is the name as written, to check the end tag against.
	raw xml.Name
}

// Limits of a parsed message. A SOAP request is at most maxBodyBytes; these
// bound the work and memory one message can cost within that.
const (
	maxDepth    = 32
	maxNodes    = 2048
	maxTextSize = 8 << 10
)

// errDOCTYPE is returned for a message carrying a DTD: SOAP 1.2 Part 1 §5
// forbids a document type declaration in a SOAP message, and refusing it
// outright is the simplest defence against entity expansion, whatever the
// parser would do with it.
var errDOCTYPE = errors.New("onvif: a SOAP message must not contain a DOCTYPE")

// parseTree parses one XML document into a tree. It refuses DTDs and
// processing instructions other than the XML declaration, unknown entities
// (encoding/xml in strict mode knows only the five predefined ones, so
// nothing external is ever fetched or expanded), and documents past the
// limits above.
func parseTree(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var root *node
	var stack []*node
	count := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxNodes {
				return nil, fmt.Errorf("onvif: more than %d elements", maxNodes)
			}
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("onvif: elements nested deeper than %d", maxDepth)
			}
			if root != nil && len(stack) == 0 {
				return nil, errors.New("onvif: content after the root element")
			}
			var parent map[string]string
			if len(stack) > 0 {
				parent = stack[len(stack)-1].ns
			}
			n := &node{ns: scope(parent, t.Attr), raw: t.Name}
			n.Space, n.Local = n.resolve(t.Name, true)
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				sp, lo := n.resolve(a.Name, false)
				n.Attr = append(n.Attr, xml.Attr{Name: xml.Name{Space: sp, Local: lo}, Value: a.Value})
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Kids = append(p.Kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errors.New("onvif: unbalanced end element")
			}
			n := stack[len(stack)-1]
			if t.Name != n.raw {
				return nil, fmt.Errorf("onvif: element <%s> closed by </%s>", rawName(n.raw), rawName(t.Name))
			}
			n.Text = strings.TrimSpace(n.Text)
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, errors.New("onvif: text outside the root element")
				}
				continue
			}
			n := stack[len(stack)-1]
			if len(n.Text)+len(t) > maxTextSize {
				return nil, fmt.Errorf("onvif: text longer than %d bytes", maxTextSize)
			}
			n.Text += string(t)
		case xml.Directive:
			return nil, errDOCTYPE
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("onvif: processing instruction %q", t.Target)
			}
		}
	}
	if root == nil {
		return nil, errors.New("onvif: no root element")
	}
	if len(stack) > 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return root, nil
}

// rawName spells a name as written, prefix:local.
func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// scope returns the namespace bindings in force inside an element with the
// given attributes: the parent's, plus the element's own declarations. The
// parent's map is shared when the element declares nothing.
func scope(parent map[string]string, attrs []xml.Attr) map[string]string {
	var m map[string]string
	for _, a := range attrs {
		prefix, ok := "", false
		switch {
		case a.Name.Space == "xmlns":
			prefix, ok = a.Name.Local, true
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ok = true
		}
		if !ok {
			continue
		}
		if m == nil {
			m = make(map[string]string, len(parent)+1)
			for k, v := range parent {
				m[k] = v
			}
		}
		m[prefix] = a.Value
	}
	if m == nil {
		return parent
	}
	return m
}

// resolve turns a raw (prefix, local) name into (namespace, local). An
// element without prefix takes the default namespace; an attribute does
// not (Namespaces in XML §6.2). An undeclared prefix resolves to itself, so
// that a sloppy client's message is still understood by local name.
func (n *node) resolve(name xml.Name, element bool) (string, string) {
	if name.Space == "" {
		if element {
			return n.ns[""], name.Local
		}
		return "", name.Local
	}
	if name.Space == "xml" {
		return "http://www.w3.org/XML/1998/namespace", name.Local
	}
	if v, ok := n.ns[name.Space]; ok {
		return v, name.Local
	}
	return name.Space, name.Local
}

// qname resolves a QName written as text in this element ("dn:Device"),
// with the namespaces in scope here. ok is false when its prefix is not
// declared.
func (n *node) qname(s string) (space, local string, ok bool) {
	prefix, local, found := strings.Cut(s, ":")
	if !found {
		return n.ns[""], s, true
	}
	space, ok = n.ns[prefix]
	return space, local, ok
}

// child returns the first child with that namespace and local name; an
// empty space matches any namespace, for the fields clients write in
// varying namespaces (ONVIF request fields are in the service's namespace,
// but some clients put them in tt: or in none).
func (n *node) child(space, local string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.Kids {
		if k.Local == local && (space == "" || k.Space == space) {
			return k
		}
	}
	return nil
}

// children returns every child with that local name (any namespace).
func (n *node) children(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.Kids {
		if k.Local == local {
			out = append(out, k)
		}
	}
	return out
}

// text returns the text of the child with that local name (any
// namespace), or "".
func (n *node) text(local string) string {
	if c := n.child("", local); c != nil {
		return c.Text
	}
	return ""
}

// attr returns the value of the attribute with that local name (any
// namespace), or "".
func (n *node) attr(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
