package rtcp

import "encoding/binary"

// senderReportFixed is the size of an SR without report blocks: header,
// SSRC and the 20-byte sender info.
const senderReportFixed = 28

// SenderReport is an SR packet (RFC 3550 §6.4.1): what an active sender has
// sent, the wall-clock time matching one RTP timestamp (which receivers use
// to synchronise streams), and optionally reception reports.
type SenderReport struct {
	// SSRC is the sender's source.
	SSRC uint32
	// NTPTime is the wall-clock time of the report in NTP format (see
	// NTPTime and TimeFromNTP).
	NTPTime uint64
	// RTPTime is the RTP timestamp of the same instant as NTPTime.
	RTPTime uint32
	// PacketCount and OctetCount count the RTP packets and payload octets
	// (no headers, no padding) sent since the start or the last SSRC change.
	PacketCount uint32
	OctetCount  uint32
	// Reports are up to 31 reception report blocks.
	Reports []ReceptionReport
	// ProfileExtensions are the bytes after the report blocks, defined by a
	// profile; kept as they are (a multiple of 4 bytes). After Unmarshal
	// they alias the input.
	ProfileExtensions []byte
}

// MarshalSize is the number of bytes MarshalTo writes.
func (s *SenderReport) MarshalSize() int {
	return senderReportFixed + len(s.Reports)*ReceptionReportSize + len(s.ProfileExtensions)
}

// MarshalTo writes the packet into buf.
func (s *SenderReport) MarshalTo(buf []byte) (int, error) {
	if len(s.Reports) > MaxCount {
		return 0, ErrTooMany
	}
	if len(s.ProfileExtensions)%4 != 0 {
		return 0, ErrAlignment
	}
	size := s.MarshalSize()
	if err := checkSize(buf, size); err != nil {
		return 0, err
	}
	putHeader(buf, false, uint8(len(s.Reports)), TypeSenderReport, size)
	binary.BigEndian.PutUint32(buf[4:], s.SSRC)
	binary.BigEndian.PutUint64(buf[8:], s.NTPTime)
	binary.BigEndian.PutUint32(buf[16:], s.RTPTime)
	binary.BigEndian.PutUint32(buf[20:], s.PacketCount)
	binary.BigEndian.PutUint32(buf[24:], s.OctetCount)
	off := senderReportFixed
	for i := range s.Reports {
		s.Reports[i].marshalTo(buf[off:])
		off += ReceptionReportSize
	}
	off += copy(buf[off:], s.ProfileExtensions)
	return off, nil
}

// Unmarshal parses buf, which must be exactly one SR packet. Reports reuses
// its capacity; ProfileExtensions aliases buf.
func (s *SenderReport) Unmarshal(buf []byte) error {
	h, body, err := parse(buf, TypeSenderReport)
	if err != nil {
		return err
	}
	if len(body) < senderReportFixed-HeaderSize {
		return ErrLength
	}
	s.SSRC = binary.BigEndian.Uint32(body)
	s.NTPTime = binary.BigEndian.Uint64(body[4:])
	s.RTPTime = binary.BigEndian.Uint32(body[12:])
	s.PacketCount = binary.BigEndian.Uint32(body[16:])
	s.OctetCount = binary.BigEndian.Uint32(body[20:])
	reports, rest, err := unmarshalReports(s.Reports, body[24:], int(h.Count))
	if err != nil {
		return err
	}
	s.Reports = reports
	s.ProfileExtensions = profileExtensions(rest)
	return nil
}

// profileExtensions returns rest clipped, or nil when empty.
func profileExtensions(rest []byte) []byte {
	if len(rest) == 0 {
		return nil
	}
	return rest[:len(rest):len(rest)]
}
