// Command capi is rtspkit's C library: built with -buildmode=c-archive or
// c-shared (make capi), it exports the K230 board's C wrapper of its RTSP
// server (RtspServer_create, Init, CreateSession, GetRtspUrl, Start,
// SendVideoData, SendAudioData, Stop, DestroySession, DeInit, destroy) and
// of its pusher (RtspPusher_*), with the names, types and meaning of the
// board's header, so that firmware and C programs written for the board's
// live555-based server link against this one instead. rtspkit.h, next to
// this file, is the header C code includes; the README's "On the board"
// says how to build and link.
//
// How the boundary is kept safe:
//
//   - A C handle (KdRtspServer *, KdRtspPusher *) is a byte of C memory
//     that names a Go object in a table (handles.go); C never holds a Go
//     pointer, and a NULL, unknown or destroyed handle is an error code,
//     not a crash.
//   - Every exported function recovers a Go panic into RTSPKIT_EINTERNAL
//     (errors.go): none crosses into C.
//   - Every call is safe from several C threads: the Go objects below are,
//     and the little state kept here (the URL strings, the session cache)
//     has its own locks.
//   - Memory handed to C (GetRtspUrl's strings) is C memory, freed when its
//     session or its server is destroyed, as the header promises.
//
// The hot path (SendVideoData) looks the session up in a cache keyed by
// the C string read in place, so a frame costs no allocation here beyond
// what the server's ingest does (none).
//
// main is empty: a c-archive's Go runtime starts when the library is
// loaded, and C calls in.
package main

func main() {}
