// Package rtcp reads and writes RTCP packets (RFC 3550 §6): sender and
// receiver reports, source descriptions, BYE, and a raw form that keeps APP,
// RTCP feedback (RFC 4585 RTPFB/PSFB), XR and unknown types intact; it
// converts NTP timestamps, keeps receiver statistics per RFC 3550 Appendix
// A.1, A.3 and A.8, and maps a sender's RTP clock to the wall clock for its
// sender reports.
//
// Unmarshal splits and validates a compound packet per RFC 3550 §6.1 and
// Appendix A.2: version 2, every length field consistent with the data, the
// lengths adding up to the datagram, padding only in the last packet. It is
// tolerant where real senders differ from the RFC: a compound need not start
// with SR or RR (RFC 5506 reduced-size RTCP, and cameras that send a lone
// SDES or BYE), and it need not carry a CNAME. Nothing in the input can make
// it allocate more than a small multiple of the input's size.
//
// Marshalling writes into the caller's buffer: AppendCompound and
// MarshalCompoundTo allocate nothing when the buffer is large enough.
package rtcp
