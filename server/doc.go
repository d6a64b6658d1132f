// Package server is an RTSP server (RFC 2326) with the API of the RTSP
// module of the Kendryte K230 CanMV board: a camera program creates a
// server, names a stream, starts it and hands it encoded video (H.264,
// H.265 or MJPEG) and audio (G.711 or AAC) as the encoder delivers them;
// players (ffplay, GStreamer, VLC, NVRs) play it over UDP, TCP or
// multicast.
//
// # The board's calls and their order
//
//	srv := server.New()                               // rtspserver_create
//	srv.Init(8554)                                    // rtspserver_init, or InitConfig(Config{...})
//	srv.CreateSession("test", server.MediaH264, true) // rtspserver_createsession; CreateSessionWithAudio for PCMA or AAC
//	srv.Start()                                       // rtspserver_start: opens the sockets
//	url, _ := srv.GetRTSPURL("test")                  // rtsp://<host>:8554/test
//	srv.SendVideoData("test", pack, ts)               // per encoder pack, any chunking of Annex-B
//	srv.SendAudioData("test", pcm, ts)                // G.711 bytes or ADTS frames
//	srv.Stop()                                        // rtspserver_stop: BYE to players, every socket closed
//	srv.Deinit()                                      // rtspserver_deinit: sessions destroyed
//	srv.Destroy()                                     // rtspserver_destroy
//
// A session (the board's word; an RTSP "mount point") is one stream at
// rtsp://host:port/<name> with one video track and at most one audio track.
// Sessions can be created before or after Start and destroyed with
// DestroySession; Stop then Start serves them again. Sending before Start
// or with no player is fine, and the timestamp argument may be constant, as
// in the board's example: the README's "Timestamps" section gives the rule
// that turns the caller's timestamps (Config.TimestampUnit, milliseconds by
// default) into RTP time. Every misuse returns one of the sentinel errors
// of errors.go (ErrNotInitialized, ErrUnknownSession, ErrBadMedia...), to
// test with errors.Is; bad media is dropped and the stream recovers at the
// next keyframe.
//
// # Config
//
// Config is the whole configuration; the zero value of every field is its
// default: the RTSP port (8554) and listen address, the host put in URLs
// (the primary address), the UDP port range of the shared RTP/RTCP pair
// (8000-8999), the multicast range, port and TTL, the session, request,
// write and DESCRIBE timeouts, Digest credentials, the timestamp unit, the
// packet, frame, reader queue and keyframe cache sizes, the pace of UDP
// players (UDPRate, UDPBurst: README, "UDP pacing"), the connection and
// session limits, and a log/slog Logger (none by default). Init(port) is
// InitConfig(Config{Port: port}): 0 is 8554, -1 a free port.
//
// # Stats
//
// Stats(name) returns a session's counters: UnitsIn, BytesIn and
// MediaDropped count the SendVideoData/SendAudioData calls, their bytes and
// the calls refused as bad or too large; PacketsSent and OctetsSent count
// the RTP packets and payload bytes produced per track, once whatever the
// number of players (the RTCP sender report's counts). Readers lists each
// player (and each session's multicast group, once): its transport and
// address, the packets, bytes and whole frames it was sent or lost for
// being too slow, and its reception of each track (Tracks, indexed like
// PacketsSent): the loss and jitter of the last RTCP report block the
// player sent about that track's SSRC, the jitter a time.Duration
// converted with that track's own RTP clock (90 kHz video, 8 kHz G.711,
// the AAC sample rate).
//
// # Goroutines, ownership and locks
//
// Every method is safe for concurrent use, and two Servers share nothing.
// SendVideoData and SendAudioData copy the data: the caller may reuse its
// buffer when they return. Each call is packetized once, into a frame
// that every player shares read-only and that a reference count returns to
// its session's pool when the last player has written it.
//
// Start creates the goroutines; Stop waits for every one of them: the
// listener's, one per RTSP connection, one reading each of the two UDP
// ports, one for session timeouts and RTCP sender reports, a few fan-out
// workers (one per core, at most four) that send the frames to the
// players, and a writer per TCP player for what its socket could not take
// at once. The caller's goroutine does the ingest itself (access unit
// detection, packetization) and never waits on the network: a frame is
// handed to the workers in one step, and a slow player loses whole frames
// up to the next keyframe rather than holding anyone up.
//
// The locks, and the one order in which two are ever held together.
//
//   - Server.mu guards the lifecycle and the table of sessions. It is held
//     briefly and alone (Start holds it while the sockets open, which
//     takes no other lock).
//   - Each session (mount) has its own lock, under which its calls run
//     (ingest, packetization, the keyframe cache, offering each frame to
//     the players): calls to one session are serialised, calls to
//     different sessions run in parallel. Under it only leaf work happens:
//     the frame pool's lock and non-blocking hand-offs to the workers and
//     to the players' queues.
//   - While started, the runtime's lock guards the connections, the
//     players' RTSP sessions, the UDP address table and the multicast
//     groups. Nothing else is taken under it.
//   - Each player's RTSP session has a lock of its own. SETUP and PLAY
//     hold it while they take the runtime's lock (to register the RTCP
//     source, to find the multicast group) or the session's (mount's)
//     lock (addReader). That is the only nesting: no code takes a
//     player's session lock while holding the runtime's or a mount's, so
//     no two goroutines can wait on each other. (Stats once held the runtime's lock while
//     taking each player's, and with SETUP the other way round that froze
//     the whole server; TestNoFreezeUnderChurnAndStats churns 40 clients
//     against Stats in a loop to keep it so.)
//   - Each connection serialises its writes (responses and interleaved
//     media) with a write lock, and its list of sessions with another;
//     both are leaves.
//
// No lock is held while waiting for a fan-out worker to finish a frame
// (ending a reader) or for a writer goroutine; a worker itself takes no
// lock while sending, only TryLock on a connection's write lock.
package server
