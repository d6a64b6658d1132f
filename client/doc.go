// Package client is an RTSP 1.0 client (RFC 2326) that plays a stream:
// DESCRIBE, SETUP over UDP, TCP interleaved or multicast, PLAY, PAUSE,
// TEARDOWN, keep-alives and RTCP receiver reports, with Basic and Digest
// authentication. It serves as a library for players and recorders, as the
// load and conformance client of the server package's tests, and in tools.
//
// A session goes like this:
//
//	c, err := client.Dial(ctx, "rtsp://user:pass@camera/stream", client.Options{Transport: client.TransportTCP})
//	desc, err := c.Describe()
//	for i := range desc.Tracks {
//		err = c.Setup(i)
//	}
//	c.OnFrame = func(track int, f client.Frame) { ... }
//	_, err = c.Play()
//	...
//	c.Close()
//
// Media arrives through three callbacks, set before Play: OnPacket gets
// every RTP packet in sequence order (UDP packets pass through a bounded
// reordering buffer), OnRTCP the server's RTCP, and OnFrame the units
// rebuilt by the payload-format packages: H.264 and H.265 access units
// (package h26x), AAC access units (aac), G.711 samples (g711) and JPEG
// pictures (mjpeg). Stats gives per-track counters: packets, bytes, losses,
// reordering, duplicates, jitter, the last sender report.
//
// Callbacks run on the Client's receiving goroutines: the RTSP connection's
// reader for TCP (all tracks), one goroutine per UDP socket otherwise.
// Calls for one track never overlap; calls for different tracks may.
// A callback must return quickly and must not wait for a response from the
// server (calling Pause from OnFrame with TCP transport would block the
// reader that has to read the response, until Options.Timeout).
//
// Nothing the server sends can make the Client panic or grow without
// bound: messages are read within rtsp.Limits, frames within the payload
// packages' limits, and UDP datagrams are accepted only from the server's
// address. Close always returns, and leaves no goroutine behind.
package client
