// Package sdp models, writes and reads session descriptions (SDP, RFC 8866,
// which obsoletes RFC 4566) as RTSP uses them: the body of a DESCRIBE
// response and of an ANNOUNCE request.
//
// A Session holds the session-level fields and a list of Media. Marshal
// writes the fields in the order RFC 8866 §5 requires, with CRLF line
// endings, and refuses (ErrInvalid) any value that would break a line or
// not read back the same. Unmarshal is tolerant of what IP cameras,
// live555, gst-rtsp-server and ffmpeg actually send: LF endings, missing
// "o=" or "t=" lines, truncated origin and connection lines, lines out of
// order, unknown line types; it rejects (ErrSyntax) what it cannot make
// sense of, and bounds its work on hostile input with Limits (ErrTooLarge).
//
// Required fields that are missing get the same defaults on both sides
// (Name "-", Times "t=0 0", Origin "- 0 0 IN IP4 0.0.0.0"), so that for any
// description Unmarshal accepts, Marshal succeeds and Unmarshal reads its
// output back as an equal Session.
//
// Helpers read the attributes RTSP needs: Control ("a=control"), Range
// ("a=range"), RTPMap ("a=rtpmap", with the static payload types of
// RFC 3551 as fallback) and FMTP ("a=fmtp" parameters in order, values
// holding '=' and ',' as base64 parameter sets do).
package sdp
