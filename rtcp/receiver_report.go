package rtcp

import "encoding/binary"

// receiverReportFixed is the size of an RR without report blocks.
const receiverReportFixed = 8

// ReceiverReport is an RR packet (RFC 3550 §6.4.2): reception reports from
// a participant that is not sending, or that reports on more than 31
// sources.
type ReceiverReport struct {
	// SSRC is the reporter's source.
	SSRC uint32
	// Reports are up to 31 reception report blocks; an RR may have none.
	Reports []ReceptionReport
	// ProfileExtensions are profile-defined bytes after the blocks, kept as
	// they are (a multiple of 4 bytes). After Unmarshal they alias the input.
	ProfileExtensions []byte
}

// MarshalSize is the number of bytes MarshalTo writes.
func (r *ReceiverReport) MarshalSize() int {
	return receiverReportFixed + len(r.Reports)*ReceptionReportSize + len(r.ProfileExtensions)
}

// MarshalTo writes the packet into buf.
func (r *ReceiverReport) MarshalTo(buf []byte) (int, error) {
	if len(r.Reports) > MaxCount {
		return 0, ErrTooMany
	}
	if len(r.ProfileExtensions)%4 != 0 {
		return 0, ErrAlignment
	}
	size := r.MarshalSize()
	if err := checkSize(buf, size); err != nil {
		return 0, err
	}
	putHeader(buf, false, uint8(len(r.Reports)), TypeReceiverReport, size)
	binary.BigEndian.PutUint32(buf[4:], r.SSRC)
	off := receiverReportFixed
	for i := range r.Reports {
		r.Reports[i].marshalTo(buf[off:])
		off += ReceptionReportSize
	}
	off += copy(buf[off:], r.ProfileExtensions)
	return off, nil
}

// Unmarshal parses buf, which must be exactly one RR packet. Reports reuses
// its capacity; ProfileExtensions aliases buf.
func (r *ReceiverReport) Unmarshal(buf []byte) error {
	h, body, err := parse(buf, TypeReceiverReport)
	if err != nil {
		return err
	}
	if len(body) < receiverReportFixed-HeaderSize {
		return ErrLength
	}
	r.SSRC = binary.BigEndian.Uint32(body)
	reports, rest, err := unmarshalReports(r.Reports, body[4:], int(h.Count))
	if err != nil {
		return err
	}
	r.Reports = reports
	r.ProfileExtensions = profileExtensions(rest)
	return nil
}
