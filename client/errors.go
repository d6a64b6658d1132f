package client

import (
	"errors"
	"fmt"

	"github.com/rtspkit/rtspkit/rtsp"
)

// Errors a caller can act on. Test for them with errors.Is.
var (
	// ErrClosed: the Client was closed, or its RTSP connection ended
	// (Err tells why).
	ErrClosed = errors.New("client: connection closed")
	// ErrTimeout: no response came within Options.Timeout.
	ErrTimeout = errors.New("client: request timed out")
	// ErrBadURL: the URL given to Dial is not an rtsp:// URL with a host.
	ErrBadURL = errors.New("client: bad URL")
	// ErrNoDescription: Setup before a successful Describe.
	ErrNoDescription = errors.New("client: no description (call Describe first)")
	// ErrBadTrack: a track index outside the description.
	ErrBadTrack = errors.New("client: no such track")
	// ErrAlreadySetup: Setup of a track that is set up already.
	ErrAlreadySetup = errors.New("client: track already set up")
	// ErrNotSetup: Play before any Setup, or a method that needs a session
	// before the server gave one.
	ErrNotSetup = errors.New("client: no track set up")
	// ErrBadResponse: the server's response lacks something required or
	// holds something unusable (no Transport or Session in a SETUP
	// response, a multicast answer without a group, a broken SDP...).
	ErrBadResponse = errors.New("client: unusable response")
	// ErrAuthRequired: the server answered 401 and no credentials were
	// given.
	ErrAuthRequired = errors.New("client: server requires credentials")
)

// StatusError is returned by the methods other than Do when the server
// answers with a status outside 2xx. Err, when set, says more (for a 401:
// ErrAuthRequired, auth.ErrRejected for wrong credentials, or
// auth.ErrUnsupported) and is what errors.Is sees through Unwrap.
type StatusError struct {
	Method   rtsp.Method
	Response *rtsp.Response
	Err      error
}

// Error returns "client: DESCRIBE: 404 Not Found" and the detail if any.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("client: %s: %d %s", e.Method, e.Response.StatusCode, e.Response.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *StatusError) Unwrap() error { return e.Err }
