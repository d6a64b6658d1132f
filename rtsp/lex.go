package rtsp

// tokenTable marks the bytes allowed in a token (RFC 2326 §15.1: any CHAR
// except CTLs or tspecials).
var tokenTable = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range []byte("()<>@,;:\\\"/[]?={} \t") {
		t[c] = false
	}
	return t
}()

// isToken reports whether s is a non-empty token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenTable[s[i]] {
			return false
		}
	}
	return true
}

// isCTL reports whether c is a control character other than HT.
func isCTL(c byte) bool { return (c < 0x20 && c != '\t') || c == 0x7f }

// hasCTL reports whether s contains a control character other than HT.
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if isCTL(s[i]) {
			return true
		}
	}
	return false
}

// trimOWS trims spaces and tabs from both ends of s.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// splitOutsideQuotes calls fn for each part of s separated by sep outside
// double quotes, and reports false when a quote is left open.
func splitOutsideQuotes(s string, sep byte, fn func(part string) error) (bool, error) {
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			if err := fn(s[start:i]); err != nil {
				return true, err
			}
			start = i + 1
		}
	}
	if quoted {
		return false, nil
	}
	return true, fn(s[start:])
}

// parseUint parses a non-empty string of at most maxDigits ASCII digits
// whose value is at most max. It accepts no sign, space or leading '+'.
func parseUint(s string, maxDigits int, max uint64) (uint64, bool) {
	if s == "" || len(s) > maxDigits {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > max {
		return 0, false
	}
	return n, true
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != lower(prefix[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
