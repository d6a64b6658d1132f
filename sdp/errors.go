package sdp

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (test
// with errors.Is) and add the line number or field that caused them.
var (
	// ErrSyntax reports a session description, or an attribute value given
	// to ParseRTPMap or ParseFMTP, that cannot be read.
	ErrSyntax = errors.New("sdp: syntax error")

	// ErrTooLarge reports input over one of the Limits: the description is
	// refused before, or instead of, building a model of it.
	ErrTooLarge = errors.New("sdp: description exceeds limits")

	// ErrInvalid reports a model that Marshal refuses to write: a value
	// that would break the line structure (CR, LF or NUL), or one that
	// would not read back as the same model.
	ErrInvalid = errors.New("sdp: invalid value")

	// ErrNoAttribute reports that a looked-up attribute is absent.
	ErrNoAttribute = errors.New("sdp: no such attribute")
)

// maxErrValue bounds how much of a hostile value an error message quotes.
const maxErrValue = 48

// quote returns v, cut to maxErrValue bytes, quoted for an error message.
func quote(v string) string {
	if len(v) > maxErrValue {
		v = v[:maxErrValue] + "..."
	}
	return "\"" + sanitize(v) + "\""
}

// sanitize replaces bytes that are not printable ASCII so that error
// messages stay on one line whatever the input held.
func sanitize(v string) string {
	clean := true
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return v
	}
	b := make([]byte, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c >= 0x7f {
			c = '?'
		}
		b[i] = c
	}
	return string(b)
}
