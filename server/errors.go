package server

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by the Server's API. Test for them with errors.Is;
// the returned error often wraps one of these with more context.
var (
	// ErrNotInitialized: a call that needs Init came before it (or after Deinit).
	ErrNotInitialized = errors.New("rtsp server: not initialised (call Init first)")
	// ErrAlreadyInitialized: Init called twice without Deinit.
	ErrAlreadyInitialized = errors.New("rtsp server: already initialised")
	// ErrDestroyed: the server was destroyed; create a new one.
	ErrDestroyed = errors.New("rtsp server: destroyed")
	// ErrAlreadyStarted: Start called while serving.
	ErrAlreadyStarted = errors.New("rtsp server: already started")
	// ErrNotStarted: Stop called while not serving.
	ErrNotStarted = errors.New("rtsp server: not started")
	// ErrStopped: media sent after Stop (and before a new Start).
	ErrStopped = errors.New("rtsp server: stopped")
	// ErrUnknownSession: no session (mount point) has that name.
	ErrUnknownSession = errors.New("rtsp server: unknown session")
	// ErrStreamClosed: a Stream whose session was closed (Stream.Close,
	// DestroySession, Deinit). It wraps ErrUnknownSession: the board's
	// calls by name see the same condition as that.
	ErrStreamClosed = fmt.Errorf("%w: stream closed", ErrUnknownSession)
	// ErrServerClosed: Serve, Start or a write after Shutdown or Close;
	// Serve returns it when serving ends because of Stop, Shutdown or
	// Close, as net/http's Serve does.
	ErrServerClosed = errors.New("rtsp server: closed")
	// ErrSessionExists: CreateSession with a name already in use.
	ErrSessionExists = errors.New("rtsp server: session already exists")
	// ErrBadSessionName: empty, too long, or containing '/', '?', '#',
	// spaces, control characters or "..".
	ErrBadSessionName = errors.New("rtsp server: bad session name")
	// ErrUnknownVideoType: a video type other than h264, h265 or mjpeg.
	ErrUnknownVideoType = errors.New("rtsp server: unknown video type")
	// ErrUnknownAudioType: an audio codec this server does not carry.
	ErrUnknownAudioType = errors.New("rtsp server: unknown audio type")
	// ErrNoAudio: SendAudioData to a session created without audio.
	ErrNoAudio = errors.New("rtsp server: session has no audio")
	// ErrNoVideo: SendVideoData to an audio-only session.
	ErrNoVideo = errors.New("rtsp server: session has no video")
	// ErrPortInUse: the RTSP or UDP port is taken by another socket.
	ErrPortInUse = errors.New("rtsp server: port in use")
	// ErrBadConfig: an invalid Config field (port out of range, bad address).
	ErrBadConfig = errors.New("rtsp server: bad configuration")
	// ErrBadMedia: data that is not what the session's codec expects (no
	// Annex-B start code, not an ADTS frame, not a baseline JPEG...). The
	// data is dropped; the stream goes on with the next good unit.
	ErrBadMedia = errors.New("rtsp server: bad media data")
	// ErrMediaTooLarge: one call's data, or an access unit assembled from
	// several calls, exceeds Config.MaxFrameSize. It is dropped.
	ErrMediaTooLarge = errors.New("rtsp server: media unit too large")
)
