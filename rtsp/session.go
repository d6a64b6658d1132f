package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// Session is a Session header value (RFC 2326 §12.37): the session
// identifier and, in responses, how long the server keeps an idle session.
type Session struct {
	ID string
	// Timeout is the ";timeout=" parameter in seconds; 0 when absent
	// (RFC 2326 §12.37 then means 60 s).
	Timeout int
}

// maxSessionTimeout bounds the timeout parameter (about 31 years).
const maxSessionTimeout = 999_999_999

// ParseSession parses a Session header value. The identifier may hold any
// visible ASCII except ';', ',', '"' and '\\' (RFC 2326 §3.4 only allows
// letters, digits and "$-_.+", but servers in the field use more);
// parameters other than timeout are ignored.
func ParseSession(s string) (Session, error) {
	id, params, _ := strings.Cut(s, ";")
	id = trimOWS(id)
	if !validSessionID(id) {
		return Session{}, fmt.Errorf("%w: invalid session id %q", ErrMalformed, id)
	}
	sess := Session{ID: id}
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, value, _ := strings.Cut(p, "=")
		if !strings.EqualFold(trimOWS(name), "timeout") {
			continue
		}
		n, ok := parseUint(trimOWS(value), 9, maxSessionTimeout)
		if !ok {
			return Session{}, fmt.Errorf("%w: invalid session timeout %q", ErrMalformed, value)
		}
		sess.Timeout = int(n)
	}
	return sess, nil
}

func validSessionID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c <= ' ' || c >= 0x7f, c == ';', c == ',', c == '"', c == '\\':
			return false
		}
	}
	return true
}

// String returns "id" or "id;timeout=N".
func (s Session) String() string {
	if s.Timeout > 0 {
		return s.ID + ";timeout=" + strconv.Itoa(s.Timeout)
	}
	return s.ID
}
