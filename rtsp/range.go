package rtsp

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NPTTime is one end of a normal play time range (RFC 2326 §3.6): "now"
// or an offset from the start of the presentation.
type NPTTime struct {
	Now    bool
	Offset time.Duration // nanosecond precision; digits beyond are dropped
}

// String returns "now" or the offset in seconds, with as many decimals as
// needed ("0", "10.5", "3600.000001").
func (t NPTTime) String() string {
	if t.Now {
		return "now"
	}
	sec := int64(t.Offset / time.Second)
	ns := int64(t.Offset % time.Second)
	s := strconv.FormatInt(sec, 10)
	if ns == 0 {
		return s
	}
	frac := fmt.Sprintf("%09d", ns)
	return s + "." + strings.TrimRight(frac, "0")
}

// Range is a Range header value (RFC 2326 §12.29). NPT ranges are parsed;
// the other units (clock, smpte, smpte-30-drop, smpte-25 and extensions)
// are kept verbatim in Value so that String writes them back unchanged.
type Range struct {
	// Unit is the lower-cased unit: "npt", "clock", "smpte"...
	Unit string
	// Start and End are the NPT ends; nil when absent ("npt=-30" has no
	// Start, "npt=0-" no End). Used only when Unit is "npt".
	Start *NPTTime
	End   *NPTTime
	// Value is the text after "unit=" for units other than npt.
	Value string
	// Time is the ";time=" parameter (utc-time, when the range should
	// take effect), verbatim; "" when absent.
	Time string
}

// Limits of the NPT fields, chosen so that the total fits a Duration.
const (
	maxNPTSecondsDigits = 9 // npt-sec: 999999999 s, about 31 years
	maxNPTHoursDigits   = 6 // npt-hh: 999999 h
)

// ParseRange parses a Range header value:
//
//	npt=123.45-125, npt=12:05:35.3-, npt=now-, npt=-30, npt=0-
//	clock=19961108T142300Z-19961108T143520Z, smpte=10:07:00-10:07:33:05.01
//
// An npt range with no '-' ("npt=5") is read as an open range from that
// point, as some clients mean it. Only the first of several comma-separated
// ranges is kept (RFC 2326 §12.29 allows a list; no server uses it).
func ParseRange(s string) (Range, error) {
	if hasCTL(s) {
		return Range{}, fmt.Errorf("%w: range: control character", ErrMalformed)
	}
	spec, params, _ := strings.Cut(s, ";")
	spec, _, _ = strings.Cut(spec, ",")
	unit, value, ok := strings.Cut(trimOWS(spec), "=")
	unit, value = strings.ToLower(trimOWS(unit)), trimOWS(value)
	if !ok || !isToken(unit) || value == "" {
		return Range{}, fmt.Errorf("%w: range %q is not unit=value", ErrMalformed, s)
	}
	r := Range{Unit: unit}
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		name, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(trimOWS(name), "time") {
			if v = trimOWS(v); v == "" || strings.ContainsAny(v, " ,") {
				return Range{}, fmt.Errorf("%w: range time parameter %q", ErrMalformed, v)
			}
			r.Time = v
		}
	}
	if unit != "npt" {
		if strings.ContainsAny(value, " \t") {
			return Range{}, fmt.Errorf("%w: range value %q", ErrMalformed, value)
		}
		r.Value = value
		return r, nil
	}
	a, b, dash := strings.Cut(value, "-")
	a, b = trimOWS(a), trimOWS(b)
	if a == "" && b == "" {
		return Range{}, fmt.Errorf("%w: npt range %q has no time", ErrMalformed, value)
	}
	if a != "" {
		t, err := parseNPTTime(a)
		if err != nil {
			return Range{}, err
		}
		r.Start = &t
	}
	if dash && b != "" {
		t, err := parseNPTTime(b)
		if err != nil {
			return Range{}, err
		}
		r.End = &t
	}
	return r, nil
}

// parseNPTTime parses npt-time = "now" | npt-sec | npt-hhmmss.
func parseNPTTime(s string) (NPTTime, error) {
	if strings.EqualFold(s, "now") {
		return NPTTime{Now: true}, nil
	}
	bad := fmt.Errorf("%w: invalid npt time %q", ErrMalformed, s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	var sec uint64
	if strings.Contains(whole, ":") {
		// npt-hhmmss = npt-hh ":" npt-mm ":" npt-ss, mm and ss 0-59.
		parts := strings.Split(whole, ":")
		if len(parts) != 3 {
			return NPTTime{}, bad
		}
		h, ok1 := parseUint(parts[0], maxNPTHoursDigits, 999999)
		m, ok2 := parseUint(parts[1], 2, 59)
		sc, ok3 := parseUint(parts[2], 2, 59)
		if !ok1 || !ok2 || !ok3 {
			return NPTTime{}, bad
		}
		sec = h*3600 + m*60 + sc
	} else {
		var ok bool
		if sec, ok = parseUint(whole, maxNPTSecondsDigits, 999_999_999); !ok {
			return NPTTime{}, bad
		}
	}
	d := time.Duration(sec) * time.Second
	if hasFrac {
		// *DIGIT: any number of digits, possibly none; keep nanoseconds.
		scale := time.Duration(100_000_000)
		for i := 0; i < len(frac); i++ {
			c := frac[i]
			if c < '0' || c > '9' {
				return NPTTime{}, bad
			}
			d += time.Duration(c-'0') * scale
			scale /= 10
		}
	}
	return NPTTime{Offset: d}, nil
}

// String returns the range in wire form ("npt=10.5-20", "npt=now-",
// "clock=..."), with ";time=" when Time is set.
func (r Range) String() string {
	var b strings.Builder
	b.WriteString(r.Unit)
	b.WriteByte('=')
	if r.Unit == "npt" {
		if r.Start != nil {
			b.WriteString(r.Start.String())
		}
		b.WriteByte('-')
		if r.End != nil {
			b.WriteString(r.End.String())
		}
	} else {
		b.WriteString(r.Value)
	}
	if r.Time != "" {
		b.WriteString(";time=")
		b.WriteString(r.Time)
	}
	return b.String()
}
