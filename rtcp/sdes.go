package rtcp

import "encoding/binary"

// SDESType is the type of an SDES item (RFC 3550 §6.5, IANA "RTP SDES item
// types").
type SDESType uint8

// SDES item types. Type 0 ends a chunk's item list and never appears in
// Items.
const (
	SDESCNAME    SDESType = 1  // canonical end-point identifier, user@host
	SDESName     SDESType = 2  // user name
	SDESEmail    SDESType = 3  // e-mail address
	SDESPhone    SDESType = 4  // phone number
	SDESLocation SDESType = 5  // geographic location
	SDESTool     SDESType = 6  // application or tool name
	SDESNote     SDESType = 7  // notice or status
	SDESPriv     SDESType = 8  // private extension: prefix length, prefix, value
	SDESMID      SDESType = 15 // media identification, RFC 8843
)

// SDESItem is one item of a chunk. Text holds the item's bytes as they are,
// up to 255 of them; for SDESPriv that is the prefix length octet, the
// prefix and the value (see PrivItem and Priv). Items of types this package
// has no name for are kept the same way.
type SDESItem struct {
	Type SDESType
	Text string
}

// PrivItem builds a PRIV item (RFC 3550 §6.5.8) from its prefix and value;
// a prefix longer than 255 bytes is cut. The item marshals only if the
// whole, 1+len(prefix)+len(value), fits in 255 bytes.
func PrivItem(prefix, value string) SDESItem {
	if len(prefix) > 255 {
		prefix = prefix[:255]
	}
	return SDESItem{Type: SDESPriv, Text: string([]byte{byte(len(prefix))}) + prefix + value}
}

// Priv splits a PRIV item into prefix and value; ok is false when the item
// is not a well-formed PRIV item.
func (i SDESItem) Priv() (prefix, value string, ok bool) {
	if i.Type != SDESPriv || len(i.Text) == 0 || int(i.Text[0]) > len(i.Text)-1 {
		return "", "", false
	}
	n := int(i.Text[0])
	return i.Text[1 : 1+n], i.Text[1+n:], true
}

// SDESChunk is the description of one source: its SSRC or CSRC and items.
type SDESChunk struct {
	Source uint32
	Items  []SDESItem
}

// CNAME returns the chunk's first CNAME item, or "".
func (c *SDESChunk) CNAME() string {
	for _, it := range c.Items {
		if it.Type == SDESCNAME {
			return it.Text
		}
	}
	return ""
}

// size is the chunk's wire size: SSRC, items, the null item type and
// padding to a 32-bit boundary (RFC 3550 §6.5).
func (c *SDESChunk) size() int {
	n := 4
	for _, it := range c.Items {
		n += 2 + len(it.Text)
	}
	return (n + 1 + 3) &^ 3
}

// SourceDescription is an SDES packet (RFC 3550 §6.5): up to 31 chunks,
// each describing one source. Every compound a participant sends should
// carry its CNAME.
type SourceDescription struct {
	Chunks []SDESChunk
}

// NewCNAME returns an SDES packet with one chunk holding the CNAME of ssrc.
func NewCNAME(ssrc uint32, cname string) *SourceDescription {
	return &SourceDescription{Chunks: []SDESChunk{{Source: ssrc, Items: []SDESItem{{Type: SDESCNAME, Text: cname}}}}}
}

// MarshalSize is the number of bytes MarshalTo writes.
func (s *SourceDescription) MarshalSize() int {
	n := HeaderSize
	for i := range s.Chunks {
		n += s.Chunks[i].size()
	}
	return n
}

// MarshalTo writes the packet into buf.
func (s *SourceDescription) MarshalTo(buf []byte) (int, error) {
	if len(s.Chunks) > MaxCount {
		return 0, ErrTooMany
	}
	for i := range s.Chunks {
		for _, it := range s.Chunks[i].Items {
			if it.Type == 0 {
				return 0, ErrItemType
			}
			if len(it.Text) > 255 {
				return 0, ErrTooLong
			}
		}
	}
	size := s.MarshalSize()
	if err := checkSize(buf, size); err != nil {
		return 0, err
	}
	putHeader(buf, false, uint8(len(s.Chunks)), TypeSourceDescription, size)
	off := HeaderSize
	for i := range s.Chunks {
		c := &s.Chunks[i]
		end := off + c.size()
		binary.BigEndian.PutUint32(buf[off:], c.Source)
		off += 4
		for _, it := range c.Items {
			buf[off] = byte(it.Type)
			buf[off+1] = byte(len(it.Text))
			off += 2 + copy(buf[off+2:], it.Text)
		}
		clear(buf[off:end]) // the null item type and padding
		off = end
	}
	return off, nil
}

// walkSDES checks the count chunks of an SDES body and returns the number
// of items. When s is not nil it also appends the chunks to s.Chunks, their
// items to items (which must have room for all of them, so that it never
// reallocates) with text cut from text, a string copy of body.
func walkSDES(body []byte, count int, s *SourceDescription, text string, items []SDESItem) (int, error) {
	n := 0
	off := 0
	for range count {
		if len(body)-off < 8 { // SSRC and at least one word of items
			return 0, ErrLength
		}
		first := len(items)
		if s != nil {
			s.Chunks = append(s.Chunks, SDESChunk{Source: binary.BigEndian.Uint32(body[off:])})
		}
		off += 4
		for {
			if off >= len(body) {
				return 0, ErrLength // no end marker
			}
			t := body[off]
			if t == 0 {
				// End of the list, then null octets to the next 32-bit
				// boundary; chunks start on one, so off%4 counts from the
				// chunk's start. The padding's value is not checked.
				off = (off + 1 + 3) &^ 3
				if off > len(body) {
					return 0, ErrLength
				}
				break
			}
			if off+2 > len(body) {
				return 0, ErrLength
			}
			end := off + 2 + int(body[off+1])
			if end > len(body) {
				return 0, ErrLength
			}
			if s != nil {
				items = append(items, SDESItem{Type: SDESType(t), Text: text[off+2 : end]})
			}
			n++
			off = end
		}
		if s != nil && len(items) > first {
			s.Chunks[len(s.Chunks)-1].Items = items[first:len(items):len(items)]
		}
	}
	if off != len(body) {
		return 0, ErrLength
	}
	return n, nil
}

// Unmarshal parses buf, which must be exactly one SDES packet. The text of
// all items shares one string allocated for the packet, and the items one
// slice; nothing aliases buf.
func (s *SourceDescription) Unmarshal(buf []byte) error {
	h, body, err := parse(buf, TypeSourceDescription)
	if err != nil {
		return err
	}
	count := int(h.Count)
	n, err := walkSDES(body, count, nil, "", nil)
	if err != nil {
		return err
	}
	s.Chunks = s.Chunks[:0]
	if count == 0 {
		return nil
	}
	var items []SDESItem
	if n > 0 {
		items = make([]SDESItem, 0, n)
	}
	s.Chunks = make([]SDESChunk, 0, count)
	_, err = walkSDES(body, count, s, string(body), items)
	return err
}
