package rtsp

import (
	"fmt"
	"strings"
)

// Methods is the value of a Public (RFC 2326 §12.28) or Allow (§12.4)
// header: a comma-separated list of methods.
type Methods []Method

// ParseMethods parses a Public or Allow header value. Empty list elements
// are skipped (RFC 2616 §2.1 "#rule"); an element that is not a method
// token is an error wrapping ErrMalformed.
func ParseMethods(s string) (Methods, error) {
	if hasCTL(s) {
		return nil, fmt.Errorf("%w: control character in method list", ErrMalformed)
	}
	var ms Methods
	for part := range strings.SplitSeq(s, ",") {
		part = trimOWS(part)
		if part == "" {
			continue
		}
		m := Method(part)
		if !m.Valid() {
			return nil, fmt.Errorf("%w: invalid method %q in list", ErrMalformed, part)
		}
		ms = append(ms, internMethod(part))
	}
	return ms, nil
}

// String returns the list in wire form, "OPTIONS, DESCRIBE, ...".
func (ms Methods) String() string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(m))
	}
	return b.String()
}

// Has reports whether m is in the list.
func (ms Methods) Has(m Method) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}
