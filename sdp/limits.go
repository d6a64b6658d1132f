package sdp

// Default bounds applied by Unmarshal and Parse. They are far above what
// any camera or encoder emits (a typical RTSP description is under 2 KiB,
// a few dozen lines and two or three media) and low enough that a hostile
// peer cannot make the parser build a large model.
const (
	// DefaultMaxSize is the largest description accepted, in bytes.
	DefaultMaxSize = 64 << 10
	// DefaultMaxLines is the largest number of non-blank lines accepted.
	DefaultMaxLines = 4096
	// DefaultMaxMedia is the largest number of "m=" sections accepted.
	DefaultMaxMedia = 64
	// DefaultMaxAttributes is the largest number of "a=" lines accepted in
	// one section (the session level or one media description).
	DefaultMaxAttributes = 1024
)

// Limits bounds what UnmarshalLimits accepts. A zero field means the
// matching Default constant, so Limits{} is the default.
type Limits struct {
	MaxSize       int // bytes
	MaxLines      int // non-blank lines
	MaxMedia      int // media descriptions
	MaxAttributes int // attributes per section
}

// withDefaults returns l with each zero (or negative) field replaced by its
// default.
func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxSize
	}
	if l.MaxLines <= 0 {
		l.MaxLines = DefaultMaxLines
	}
	if l.MaxMedia <= 0 {
		l.MaxMedia = DefaultMaxMedia
	}
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = DefaultMaxAttributes
	}
	return l
}
