// Package rtsp reads and writes RTSP 1.0 messages (RFC 2326) and the header
// values a streaming server and client need, and accepts what RFC 7826
// (RTSP 2.0) clients send where doing so is harmless.
//
// The package is shaped like net/http and net/textproto: a Header map with
// case-insensitive keys, Request and Response values, ReadRequest,
// ReadResponse and Write methods. Unlike net/http it never trusts a length
// from the peer: every read is bounded by Limits, and violations return the
// sentinel errors ErrLineTooLong, ErrTooManyHeaders, ErrHeaderTooLarge,
// ErrBodyTooLarge or ErrMalformed, which StatusForError maps to a status
// code.
//
// An RTSP connection can carry requests, responses and interleaved binary
// frames (RFC 2326 §10.12) in any order. Reader returns whichever comes
// next; frames are read into a reused buffer without allocation.
//
// Typed headers have a Parse function and a String method that round-trip:
// Transport (§12.39), Session (§12.37), Range (§12.29, §3.6), RTP-Info
// (§12.33), Public (§12.28, Methods), CSeq (§12.17) and Content-Base
// (§12.11). ResolveControl turns an SDP control attribute into the URL a
// player sends in SETUP, and MatchMount tells a server which track of a
// mount a request URL names.
//
// Authentication (Basic and Digest, the WWW-Authenticate and
// Authorization headers) is package auth: RTSP takes it from HTTP
// unchanged, and it is as large as the rest of this package.
package rtsp
