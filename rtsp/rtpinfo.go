package rtsp

import (
	"fmt"
	"strconv"
	"strings"
)

// RTPInfoEntry is one stream of an RTP-Info header (RFC 2326 §12.33):
// its URL and the RTP sequence number and timestamp that correspond to
// the start of the Range in the PLAY response. nil means absent.
type RTPInfoEntry struct {
	URL     string
	Seq     *uint16
	RTPTime *uint32
	// SSRC is RFC 7826's ssrc parameter (8 hex digits).
	SSRC *uint32
}

// RTPInfo is an RTP-Info header value: one entry per stream.
type RTPInfo []RTPInfoEntry

// maxRTPInfoEntries bounds how many entries ParseRTPInfo returns.
const maxRTPInfoEntries = 64

// ParseRTPInfo parses an RTP-Info header value. It is tolerant of what
// cameras send: a URL may contain ';' and ',' (it ends only where
// ";seq=", ";rtptime=", ";ssrc=" or ",url=" begins), it may be quoted as
// in RFC 7826, and entries may lack parameters. A seq larger than 16 bits
// (RFC 2326's own examples have seq=12312232) is reduced to its low 16
// bits, which is what an RTP receiver compares. Unknown parameters are
// ignored.
func ParseRTPInfo(s string) (RTPInfo, error) {
	if hasCTL(s) {
		return nil, fmt.Errorf("%w: RTP-Info: control character", ErrMalformed)
	}
	var info RTPInfo
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		if len(info) == maxRTPInfoEntries {
			return nil, fmt.Errorf("%w: RTP-Info: more than %d entries", ErrMalformed, maxRTPInfoEntries)
		}
		if !hasPrefixFold(s, "url=") {
			return nil, fmt.Errorf("%w: RTP-Info entry %q does not start with url=", ErrMalformed, s)
		}
		s = s[len("url="):]
		var e RTPInfoEntry
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: RTP-Info: unterminated quoted url", ErrMalformed)
			}
			e.URL = s[1 : 1+end]
			s = s[2+end:]
		} else {
			end := rtpInfoURLEnd(s)
			e.URL = trimOWS(s[:end])
			s = s[end:]
		}
		if e.URL == "" || strings.ContainsAny(e.URL, `"`) {
			return nil, fmt.Errorf("%w: RTP-Info: invalid url %q", ErrMalformed, e.URL)
		}
		// Parameters up to the next entry.
		for {
			s = trimOWS(s)
			if s == "" || s[0] == ',' {
				break
			}
			if s[0] != ';' {
				return nil, fmt.Errorf("%w: RTP-Info: unexpected %q after url", ErrMalformed, s)
			}
			s = s[1:]
			end := strings.IndexAny(s, ";,")
			if end < 0 {
				end = len(s)
			}
			if err := e.setParam(s[:end]); err != nil {
				return nil, err
			}
			s = s[end:]
		}
		info = append(info, e)
	}
	if len(info) == 0 {
		return nil, fmt.Errorf("%w: empty RTP-Info", ErrMalformed)
	}
	return info, nil
}

// rtpInfoURLEnd returns where an unquoted url ends in s.
func rtpInfoURLEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ';':
			rest := strings.TrimLeft(s[i+1:], " \t")
			if hasPrefixFold(rest, "seq=") || hasPrefixFold(rest, "rtptime=") || hasPrefixFold(rest, "ssrc=") {
				return i
			}
		case ',':
			if hasPrefixFold(strings.TrimLeft(s[i+1:], " \t"), "url=") {
				return i
			}
		}
	}
	return len(s)
}

func (e *RTPInfoEntry) setParam(p string) error {
	name, value, _ := strings.Cut(p, "=")
	name, value = trimOWS(name), trimOWS(value)
	switch strings.ToLower(name) {
	case "seq":
		n, ok := parseUint(value, 10, 1<<32-1)
		if !ok {
			return fmt.Errorf("%w: RTP-Info: invalid seq %q", ErrMalformed, value)
		}
		v := uint16(n)
		e.Seq = &v
	case "rtptime":
		n, ok := parseUint(value, 10, 1<<32-1)
		if !ok {
			return fmt.Errorf("%w: RTP-Info: invalid rtptime %q", ErrMalformed, value)
		}
		v := uint32(n)
		e.RTPTime = &v
	case "ssrc":
		n, err := strconv.ParseUint(value, 16, 32)
		if err != nil || len(value) > 8 {
			return fmt.Errorf("%w: RTP-Info: invalid ssrc %q", ErrMalformed, value)
		}
		v := uint32(n)
		e.SSRC = &v
	}
	return nil
}

// String returns the header value: entries "url=U;seq=N;rtptime=T"
// separated by ",". A URL containing ';', ',' or a space is quoted (RFC
// 7826 form) so that the value parses back to the same entries.
func (info RTPInfo) String() string {
	var b strings.Builder
	for i, e := range info {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("url=")
		if strings.ContainsAny(e.URL, ";, \t") {
			b.WriteString(`"` + e.URL + `"`)
		} else {
			b.WriteString(e.URL)
		}
		if e.Seq != nil {
			b.WriteString(";seq=")
			b.WriteString(strconv.Itoa(int(*e.Seq)))
		}
		if e.RTPTime != nil {
			b.WriteString(";rtptime=")
			b.WriteString(strconv.FormatUint(uint64(*e.RTPTime), 10))
		}
		if e.SSRC != nil {
			fmt.Fprintf(&b, ";ssrc=%08X", *e.SSRC)
		}
	}
	return b.String()
}
