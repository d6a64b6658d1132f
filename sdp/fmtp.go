package sdp

import (
	"fmt"
	"strconv"
	"strings"
)

// FMTP is the value of an "a=fmtp" attribute (RFC 8866 §6.15) in the
// "key=value;key=value" form that RTP payload formats use, for example
// "96 packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==".
// Parameters keep their order and spelling.
type FMTP struct {
	// PayloadType is the format the parameters apply to, 0-127.
	PayloadType uint8
	// Params are the parameters in order.
	Params []FMTPParam
}

// FMTPParam is one fmtp parameter. A parameter without '=' (the "0-15" of
// a telephone-event fmtp) has an empty Value.
type FMTPParam struct {
	Key   string
	Value string
}

// ParseFMTP reads an "a=fmtp" value. Parameters are split on ';' and then
// at their first '=', so values may hold '=' and ',' (base64 parameter
// sets do); spaces around keys and values, runs of spaces after the payload
// type, and empty parameters (";;", a trailing ';') are tolerated, and a
// parameter with an empty key is dropped. It fails with ErrSyntax for a
// payload type outside 0-127 or a CR, LF or NUL.
func ParseFMTP(value string) (FMTP, error) {
	var f FMTP
	err := f.Unmarshal(value)
	return f, err
}

// Unmarshal sets f from an "a=fmtp" value; see ParseFMTP.
func (f *FMTP) Unmarshal(value string) error {
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("%w: fmtp holds a CR, LF or NUL", ErrSyntax)
	}
	ptStr, rest := nextField(value)
	pt, err := parsePayloadType(ptStr)
	if err != nil {
		return fmt.Errorf("fmtp: %w", err)
	}
	var params []FMTPParam
	if rest = trimSpace(rest); rest != "" {
		params = make([]FMTPParam, 0, strings.Count(rest, ";")+1)
	}
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ";")
		key, val, _ := strings.Cut(part, "=")
		key = trimSpace(key)
		if key == "" {
			continue
		}
		params = append(params, FMTPParam{Key: key, Value: trimSpace(val)})
	}
	if len(params) == 0 {
		params = nil
	}
	*f = FMTP{PayloadType: pt, Params: params}
	return nil
}

// Get returns the value of the first parameter named key, compared
// ignoring ASCII case (parameter names are case-insensitive, RFC 4855 §3
// as cited by RFC 8866 §5.14), and whether there is one.
func (f FMTP) Get(key string) (string, bool) {
	for _, p := range f.Params {
		if strings.EqualFold(p.Key, key) {
			return p.Value, true
		}
	}
	return "", false
}

// Set replaces the first parameter named key (ignoring ASCII case) with
// key=value, or appends it when there is none.
func (f *FMTP) Set(key, value string) {
	for i := range f.Params {
		if strings.EqualFold(f.Params[i].Key, key) {
			f.Params[i] = FMTPParam{Key: key, Value: value}
			return
		}
	}
	f.Params = append(f.Params, FMTPParam{Key: key, Value: value})
}

// String returns the attribute value: the payload type, a space and the
// parameters joined by ';' (the live555 style, which every parser reads).
// A parameter with an empty Value is written as its key alone. It does
// not check f; see Validate.
func (f FMTP) String() string {
	n := 4
	for _, p := range f.Params {
		n += len(p.Key) + len(p.Value) + 2
	}
	b := make([]byte, 0, n)
	b = strconv.AppendUint(b, uint64(f.PayloadType), 10)
	for i, p := range f.Params {
		if i == 0 {
			b = append(b, ' ')
		} else {
			b = append(b, ';')
		}
		b = append(b, p.Key...)
		if p.Value != "" {
			b = append(b, '=')
			b = append(b, p.Value...)
		}
	}
	return string(b)
}

// Validate reports, wrapping ErrInvalid, why f would not read back as
// itself: a payload type over 127, an empty key, a key holding '=' or ';',
// a value holding ';', a key or value with leading or trailing spaces, or a
// CR, LF or NUL anywhere.
func (f FMTP) Validate() error {
	if f.PayloadType > 127 {
		return fmt.Errorf("%w: fmtp payload type %d", ErrInvalid, f.PayloadType)
	}
	for _, p := range f.Params {
		switch {
		case p.Key == "" || strings.ContainsAny(p.Key, "=;\r\n\x00") || trimSpace(p.Key) != p.Key:
			return fmt.Errorf("%w: fmtp key %s", ErrInvalid, quote(p.Key))
		case strings.ContainsAny(p.Value, ";\r\n\x00") || trimSpace(p.Value) != p.Value:
			return fmt.Errorf("%w: fmtp %s value %s", ErrInvalid, quote(p.Key), quote(p.Value))
		}
	}
	return nil
}

// Attribute returns f as an "a=fmtp" attribute.
func (f FMTP) Attribute() Attribute { return Attribute{Key: "fmtp", Value: f.String()} }
