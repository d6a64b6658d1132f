// Package conformance is the project's conformance suite: it starts the
// server in-process, feeds it real encoded media the way the K230 board does
// and the way a careful caller does, plays the stream with real players
// (ffprobe, ffmpeg, GStreamer, VLC) and asserts on what they report. The
// package's code is its tests; this file and matrix.go (the Result and
// Matrix types the suite reports with) are all it exports.
//
// # Running
//
//	go test ./conformance                  # skips cells whose player is missing
//	make test                              # installs the players; a missing one fails
//	RTSPKIT_CELLS='pcmu.*gstreamer' go test -run TestPlayers -v ./conformance
//	RTSPKIT_DUMP=/tmp/dump go test ./conformance   # keep every player's output
//
// Environment: RTSPKIT_REQUIRE_PLAYERS=1 (set by make test) turns a missing
// player, GStreamer element or root privilege into a failure naming the
// Debian package to install. RTSPKIT_CONFORMANCE_PARALLEL sets how many cells
// run at once (default 3). RTSPKIT_CELLS, a regular expression over
// "row/player/transport", runs some cells only. RTSPKIT_DUMP names a folder
// for the players' output, each line with its arrival time relative to PLAY.
// RTSPKIT_MATRIX names the file the matrix goes to (default MATRIX.md here,
// "-" for none); it is written only when every cell ran (TestPlayers and
// TestMulticast, no RTSPKIT_CELLS), headed by the date, the machine, the
// commit and the load, and with the default it also rewrites the table in
// the README's Conformance section: both are never edited by hand.
// The tests skip under -short.
//
// # The streams (rows)
//
// Samples of ../testdata, looped in real time by a pacer goroutine per cell:
// H.264 Main and High 720p25, High with 4 slices per picture, H.265 Main
// 720p25 (libx264, libx265, no B-frames, a keyframe every second), MJPEG
// 320x240 at 10 fps, and H.264 Main with AAC-LC mono 48 kHz, AAC-LC stereo
// 44.1 kHz, G.711 µ-law and A-law 8 kHz (every session has video, so audio
// is tested alongside it). "board" rows send one NAL unit (one JPEG, one AAC
// frame, 20 ms of G.711) per call, always with timestamp 1000; "careful"
// rows send whole access units with real timestamps (Config.TimestampUnit
// Microseconds). Extra rows make the caller harder: a board that stalls
// 300 ms every 2 s and then catches up, and a careful caller whose audio
// capture hands over 200 ms per call.
//
// # The players (columns) and what each cell asserts
//
// Every cell has its own server (RTSP on a free port, its own UDP port
// range, multicast group and port) on 127.0.0.1, so cells run in parallel.
//
//   - ffprobe (udp, tcp, multicast): codec, profile, width and height, or
//     sample rate and channels, equal the source's; r_frame_rate within 1 %
//     of the source; nothing printed at -v error.
//   - ffmpeg (udp, tcp, multicast) and GStreamer rtspsrc with the matching
//     depayloader, parser and decoder (udp, tcp, multicast): the same
//     parameters; no error output (ffmpeg -v error prints nothing;
//     GStreamer exits 0 after an EOS with no ERROR or WARNING); over a
//     5 s window of media time, the decoded units are within 3 % of the
//     window's worth and of what the server was sent over the span
//     decoded, none missing or repeated; timestamps increase; the frame
//     rate derived from them within 1 % of the source's; every unit's pts
//     within 100 ms of its place in the source's schedule; audio and video
//     within 100 ms of each other; the first decoded frame is, by its
//     checksum, the keyframe the GOP cache held at PLAY and not the next
//     live one (a player that joins starts at once, whatever the
//     machine's speed), and it came within 3 s of PLAY (a bound with a
//     wide margin on a loaded 2-core machine, for a server that would
//     hold the cache back).
//   - vlc/rtsp: Debian's VLC has no RTSP client (built with
//     --disable-live555); the cell asserts exactly how it fails and is
//     "cannot", and it fails if a future VLC gains live555.
//   - vlc/rtp: VLC's own RTP input plays static payload types: the suite
//     sets the G.711 track up over RTSP to VLC's port and checks VLC decodes
//     it sample for sample. For dynamic payload types the cell asserts
//     VLC's refusal ("cannot").
//
// Besides the matrix: TestCapture captures one UDP and one TCP session with
// dumpcap and has tshark dissect it (no malformed packet, consecutive
// sequence numbers, one timestamp per access unit, increasing timestamps,
// sender reports consistent with the clock rate and between the streams);
// TestDescribe compares each codec's DESCRIBE with values derived from the
// files and has ffmpeg's SDP demuxer play the same SDP from a file.
//
// # How decoded units are identified
//
// Each decoded frame or audio unit is printed with a checksum: ffmpeg's
// framecrc muxer (Adler-32 of the decoded pixels or samples, with the pts
// passed through: -fps_mode passthrough -enc_time_base -1), GStreamer's
// checksumsink (SHA-1 for video, MD5 for audio, so the two streams are told
// apart on one output). Before the cells run, each player decodes the
// sample files themselves, twice in a row, which maps every checksum to a
// position in the loop (AAC was encoded without perceptual noise
// substitution, whose random generator would make a frame decode
// differently depending on where decoding began). The pacer logs when it
// sent every unit; the last decoded unit is live, which fixes its loop, and
// walking the positions back numbers every decoded unit. From that: units
// lost or repeated, how many were sent over the span, and each unit's
// offset from its media time, whose median per stream gives the A/V offset.
//
// Players' own start-up policies are kept out of the server's numbers:
// ffmpeg reads 20 frames to guess the frame rate before it outputs anything,
// so the decode cells pass -fpsprobesize 0 (ffprobe keeps the default and
// reports r_frame_rate); ffmpeg 5.1's RTSP demuxer gives the first access
// unit no pts, so that one frame is left out of the timing checks; the
// GStreamer window starts 2 s after the first frame, once rtpjitterbuffer
// has absorbed the GOP cache burst (its frames arrive at once and, timed by
// arrival, get timestamps closer together than their RTP timestamps say).
// GStreamer times by arrival only in the rows that test the server's
// delivery timing (audio handed over in chunks, a stalling caller); the
// other cells set rtspsrc buffer-mode=none, so that its pts are the RTP
// timestamps the server sent, synchronised by the RTCP sender reports, and
// not the machine's scheduling of the player (see gstBufferMode). Players
// get their own UDP port range each (ffmpeg tries ports in order from 5000
// and prints an error for each one taken).
//
// # A busy machine
//
// The suite asserts on what the players received, never on how fast the
// machine was: which unit each decoded frame is (by checksum), its
// timestamps as the server set them, and where the player started. Three
// cells run at once, players run niceness 5 below the suite, and as root
// the suite raises itself to -5, so that the pacers (the camera) keep their
// schedule when something else loads the machine. Every player and tool has
// a deadline; one that has to be killed is reported with what the suite was
// waiting for and its last output, and the multicast namespace child
// reports which cells were still running.
//
// # Multicast
//
// The multicast cells must not put a packet on a real network. TestMulticast
// re-executes the test binary under `unshare --net`: a network namespace of
// its own, which holds only a loopback interface and disappears with the
// process, so there is nothing to tear down. Inside, TestMulticastChild
// brings lo up, turns its MULTICAST flag on and routes 224.0.0.0/4 to it; the
// servers use Config.MulticastInterface "lo" and TTL 1. Meanwhile the parent
// captures multicast on the host's default-route interface and requires it
// to see nothing. This needs root (CAP_SYS_ADMIN).
//
// # VLC
//
// VLC refuses to run as root, so it runs as nobody (runuser -u nobody).
// Debian's VLC 3.0 is configured with --disable-live555: an rtsp:// URL goes
// to the SAT>IP access module, which sends SETUP to the presentation URL
// and then PLAY to "stream=N" (and would expect MPEG-TS), then to the
// RealNetworks module, which only talks to Real servers.
package conformance
