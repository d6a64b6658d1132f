// Package aac carries MPEG-4 AAC audio: it reads and writes ADTS framing
// (ISO/IEC 14496-3 §1.A.2.2 and 13818-7), the AudioSpecificConfig that SDP
// transmits as the hexadecimal config= parameter (ISO/IEC 14496-3 §1.6.2.1),
// and the RTP payload format mpeg4-generic of RFC 3640 in its AAC-hbr mode
// (§3.3.6), which is what ffmpeg, VLC, GStreamer and live555 use for AAC.
//
// A server that receives ADTS from an encoder splits it into raw access
// units with SplitADTS (or NextADTS for a byte stream that arrives in pieces),
// derives the AudioSpecificConfig with ConfigFromADTS, announces it with
// FMTPValue, and turns access units into RTP packets with a Packetizer. A
// client parses the fmtp line with ParseFMTP and turns RTP packets back into
// access units with a Depacketizer; AppendADTS re-frames them for a file.
//
// Nothing here allocates per packet in steady state, and nothing panics on
// malformed input: lengths read from the input are checked against the bytes
// actually present.
package aac
