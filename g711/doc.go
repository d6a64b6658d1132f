// Package g711 carries ITU-T G.711 audio over RTP (RFC 3551 §4.5.14): PCMU
// (µ-law, static payload type 0) and PCMA (A-law, payload type 8), 8000
// samples per second, one byte per sample, one channel.
//
// Packetizer cuts encoded bytes that arrive in chunks of any size into
// packets of a fixed duration with continuous timestamps; Depacketizer
// checks the timestamps of received packets; the Encode/Decode functions
// convert between 16-bit linear PCM and the two companding laws.
package g711
