// Package h26x handles H.264 (AVC) and H.265 (HEVC) elementary streams and
// their RTP payload formats: Annex-B start-code scanning without allocation,
// NAL unit types, emulation-prevention removal and an exp-Golomb reader, SPS,
// PPS and slice header parsing, picture order counts (the presentation order
// of streams with B-frames), access-unit boundary detection, the RFC 6184 and
// RFC 7798 packetizers and depacketizers, and the SDP fmtp values both need.
package h26x
