// Package rtp reads and writes RTP packets (RFC 3550) without allocating,
// unwraps 16-bit sequence numbers, turns a media clock into RTP timestamps,
// and holds Batch: the packets of one media unit, written once by a payload
// format's packetizer and shared read-only by every reader of a stream, and
// ReorderBuffer, which puts packets received over UDP back in order.
//
// Unmarshal never copies: a parsed Packet's Payload and ExtensionPayload
// alias the buffer they came from. Marshal writes into a caller's buffer.
package rtp
