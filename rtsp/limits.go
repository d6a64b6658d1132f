package rtsp

// Default limits applied when a Limits field is zero.
const (
	// DefaultMaxLineBytes bounds the request or status line, CRLF included.
	DefaultMaxLineBytes = 4096
	// DefaultMaxHeaderCount bounds the number of header lines.
	DefaultMaxHeaderCount = 64
	// DefaultMaxHeaderBytes bounds the header block (every header line,
	// CRLFs included, not the start line).
	DefaultMaxHeaderBytes = 16 << 10
	// DefaultMaxBodyBytes bounds Content-Length.
	DefaultMaxBodyBytes = 1 << 20
)

// Limits bounds what reading one message may consume and allocate. A zero
// or negative field means its default; there is no way to lift a limit
// altogether.
type Limits struct {
	MaxLineBytes   int
	MaxHeaderCount int
	MaxHeaderBytes int
	MaxBodyBytes   int
}

// resolved returns l with every unset field replaced by its default.
func (l Limits) resolved() Limits {
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultMaxLineBytes
	}
	if l.MaxHeaderCount <= 0 {
		l.MaxHeaderCount = DefaultMaxHeaderCount
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return l
}
