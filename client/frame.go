package client

import "github.com/rtspkit/rtspkit/format"

// Frame is one media unit rebuilt from a track's RTP packets, given to
// OnFrame: the format package's Frame (Codec, Timestamp, Marker, Damaged,
// Keyframe, and NALUs for H.264/H.265 or Data for the others). Its slices
// live in the depacketizer's memory and are valid only during the call:
// copy what must be kept.
type Frame = format.Frame
