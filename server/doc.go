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
// # The idiomatic core under them
//
// The board's calls are thin adapters over a core shaped after net/http:
//
//	srv, _ := server.NewServer(server.Config{Port: 8554})
//	cam, _ := srv.NewStream("cam", server.VideoH264, server.AudioPCMU)
//	go srv.ListenAndServe(ctx)       // or Serve(ctx, ln) on the caller's listener
//	cam.WriteVideo(pack, ts)         // a Stream handle: no server-wide lock per frame
//	srv.Shutdown(ctx)                // or Close; Serve then returns ErrServerClosed
//
// Start is Serve in the background on Config's address, Stop ends serving
// and allows Start again, SendVideoData(name, ...) is Stream.WriteVideo by
// name and DestroySession is Stream.Close. Codecs are the format
// package's (VideoType and AudioType are format.Codec), so the server,
// the client and the command share one vocabulary.
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
// # Publishing
//
// Streams also come from publishers (Config.PublishPaths: ANNOUNCE, SETUP
// with mode=record, RECORD; publish.go): their RTP is depacketized through
// the format package into the ingest SendVideoData uses, so players read a
// published path like a board session, and with Config.PublisherWait they
// wait for the next publisher when one leaves. Outbound readers
// (Stream.AddOutbound, outbound.go) deliver a session's frames to
// something other than a player of this server, such as the push targets
// of package relay. A session created with the audio backchannel
// (CreateSessionAttr) offers ONVIF two-way audio to players that ask, and
// hands what they send to Config.OnBackChannelData (backchannel.go).
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
// The locks. The four that guard state (the Server's, the runtime's, a
// mount's and a player's RTSP session's) are never held two at once: a
// code path that needs two takes one, copies what it needs, releases it,
// then takes the other, and where the state may have changed in between
// it checks again (a PLAY adds its reader with no lock held, marked
// starting, and undoes it itself when a PAUSE or the session's end came
// meanwhile). So no two goroutines can wait on each other, whatever the
// interleaving. (SETUP once held a session's lock while taking the
// runtime's, and Stats the other way round: that froze the whole server.
// TestNoFreezeUnderChurnAndStats churns 40 clients against Stats in a
// loop to keep it so.)
//
//   - Server.mu guards the lifecycle and the table of sessions. Start
//     holds it while the sockets open, which takes no other lock.
//   - Each session (mount) has its own lock, under which its calls run
//     (ingest, packetization, the keyframe cache, offering each frame to
//     the players): calls to one session are serialised, calls to
//     different sessions run in parallel.
//   - While started, the runtime's lock guards the connections, the
//     players' RTSP sessions, the UDP address table and the multicast
//     groups.
//   - Each player's RTSP session has a lock of its own for its tracks
//     and play state.
//
// Under those only leaf locks are taken, which take nothing themselves:
// a session's frame pool, a reader's last reception reports, the counter
// of a session's timers (inflight), a connection's list of sessions (smu),
// and a connection's write lock (wmu).
//
// Each connection's socket has one writer at a time, under wmu, and wmu
// is always released by the goroutine that took it. A fan-out worker
// writes a TCP player's frame with a non-blocking write under TryLock;
// when only part of the frame fits, the rest becomes the connection's
// (conn.rest) and the worker releases the lock: whoever writes next on
// that connection, the player's writer goroutine or the connection's own
// answering a request, writes the rest first, so the interleaved stream
// never stops in the middle of a packet.
//
// Every goroutine and timer is accounted for. Stop (and Deinit, Destroy)
// return only when the listener's goroutine, each connection's, the UDP
// readers, the housekeeping, the fan-out workers, each TCP player's writer
// and the goroutines that answer 503 or end a failed player's session have
// returned (runtime.goTracked), and when no timer callback of any session
// (the audio pacer, a player's further sender report, a published path
// waiting for its next publisher) is pending or running (mount.timers);
// DestroySession waits for its session's timers. An outbound reader's
// goroutine belongs to its session, which outlives Stop: OutboundReader
// .Stop, DestroySession, Deinit and the end of a published path wait for
// it.
// A DESCRIBE waiting for the first keyframe watches its connection with a
// helper goroutine that it waits for before it answers.
package server
