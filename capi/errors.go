package main

/*
#define RTSPKIT_NO_PROTOTYPES
#include "rtspkit.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"

	"github.com/rtspkit/rtspkit/pusher"
	"github.com/rtspkit/rtspkit/server"
)

// codes maps the Go packages' sentinel errors to the header's RTSPKIT_E*
// codes, most specific first (ErrStreamClosed wraps ErrUnknownSession).
var codes = []struct {
	err  error
	code C.int
}{
	{server.ErrNotInitialized, C.RTSPKIT_ENOTINIT},
	{server.ErrAlreadyInitialized, C.RTSPKIT_EALREADY},
	{server.ErrAlreadyStarted, C.RTSPKIT_EALREADY},
	{server.ErrDestroyed, C.RTSPKIT_EINVAL},
	{server.ErrNotStarted, C.RTSPKIT_ENOTSTARTED},
	{server.ErrStopped, C.RTSPKIT_ENOTSTARTED},
	{server.ErrServerClosed, C.RTSPKIT_ENOTSTARTED},
	{server.ErrUnknownSession, C.RTSPKIT_ENOSESSION},
	{server.ErrSessionExists, C.RTSPKIT_EEXIST},
	{server.ErrPortInUse, C.RTSPKIT_EPORT},
	{server.ErrBadSessionName, C.RTSPKIT_EINVAL},
	{server.ErrUnknownVideoType, C.RTSPKIT_EINVAL},
	{server.ErrUnknownAudioType, C.RTSPKIT_EINVAL},
	{server.ErrBadConfig, C.RTSPKIT_EINVAL},
	{server.ErrBadMedia, C.RTSPKIT_EMEDIA},
	{server.ErrMediaTooLarge, C.RTSPKIT_EMEDIA},
	{server.ErrNoAudio, C.RTSPKIT_EMEDIA},
	{server.ErrNoVideo, C.RTSPKIT_EMEDIA},
	{pusher.ErrNotInitialized, C.RTSPKIT_ENOTINIT},
	{pusher.ErrAlreadyInit, C.RTSPKIT_EALREADY},
	{pusher.ErrAlreadyOpen, C.RTSPKIT_EALREADY},
	{pusher.ErrNotOpen, C.RTSPKIT_ENOTSTARTED},
	{pusher.ErrDestroyed, C.RTSPKIT_EINVAL},
	{pusher.ErrBadArgument, C.RTSPKIT_EINVAL},
	{pusher.ErrBadMedia, C.RTSPKIT_EMEDIA},
}

// code is err's RTSPKIT_E* code (0 for nil).
func code(err error) C.int {
	if err == nil {
		return C.RTSPKIT_OK
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return C.RTSPKIT_EFAIL
}

// messages are RtspKit_StrError's strings, made once and never freed.
var messages = map[C.int]*C.char{}

// invalidMsg is RTSPKIT_EINVAL's message.
const invalidMsg = "invalid argument or handle"

// errInvalidHandle is what a void function reports (report) for a NULL or
// dead handle, having no code to return.
var errInvalidHandle = errors.New(invalidMsg)

func init() {
	for c, s := range map[C.int]string{
		C.RTSPKIT_OK:          "success",
		C.RTSPKIT_EINVAL:      invalidMsg,
		C.RTSPKIT_ENOTINIT:    "not initialised (call Init first)",
		C.RTSPKIT_EALREADY:    "already initialised or started",
		C.RTSPKIT_ENOTSTARTED: "not started, or stopped",
		C.RTSPKIT_ENOSESSION:  "no session of that name",
		C.RTSPKIT_EEXIST:      "a session of that name exists",
		C.RTSPKIT_EPORT:       "port in use",
		C.RTSPKIT_EMEDIA:      "bad or too large media, or a track the session lacks",
		C.RTSPKIT_EINTERNAL:   "internal error in rtspkit (a bug: please report it)",
		C.RTSPKIT_EFAIL:       "failed",
	} {
		messages[c] = C.CString(s)
	}
	messages[1] = C.CString("unknown error code")
}

//export RtspKit_StrError
func RtspKit_StrError(c C.int) *C.char {
	if s, ok := messages[c]; ok {
		return s
	}
	return messages[1]
}

// guard, deferred by every exported function with an int result, turns a
// Go panic into RTSPKIT_EINTERNAL and a line on stderr: a panic must not
// unwind into C, which would kill the camera's whole program.
func guard(fn string, rc *C.int) {
	if r := recover(); r != nil {
		fmt.Fprintf(os.Stderr, "rtspkit: %s: internal error: %v\n", fn, r)
		*rc = C.RTSPKIT_EINTERNAL
	}
}

// guardVoid is guard for functions with no result.
func guardVoid(fn string) {
	if r := recover(); r != nil {
		fmt.Fprintf(os.Stderr, "rtspkit: %s: internal error: %v\n", fn, r)
	}
}

// report writes the failure of a void function to stderr, the only way it
// can tell (the board's Start, Stop and DeInit return nothing).
func report(fn string, err error) {
	fmt.Fprintf(os.Stderr, "rtspkit: %s: %v\n", fn, err)
}
