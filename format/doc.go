// Package format is the one place that knows, for each RTP payload format
// this module carries, what it is called, which payload type and clock rate
// it has, how SDP describes it and how its media becomes RTP packets and back.
//
// Every peer of an RTSP session needs that knowledge, in both directions: a
// server writes a=rtpmap and a=fmtp for DESCRIBE and packetizes what its
// sources send; a client reads them back and depacketizes; a publisher writes
// them for ANNOUNCE and the server that receives its SDP turns each media
// description into a track that must be both depacketized (ingest) and
// packetized again (fan-out). Kept apart, the writers and the readers of one
// codec drift: a parameter spelled differently, a default assumed on one side
// only. Here a Format is written by Attributes/Media and read by FromMedia,
// and the tests hold both ends to the same values.
//
// The codec knowledge itself stays in the leaf packages (h26x, aac, g711,
// mjpeg); this package only chooses, per Codec, which of their functions and
// types to use and with which parameters:
//
//   - Codec is the vocabulary: the SDP encoding name, upper-cased.
//   - Format is one payload format of an m= line: codec, payload type, clock
//     rate, channels and fmtp. NewH264, NewH265, NewJPEG, NewG711 and NewAAC
//     build the Formats a sender announces; FromMedia reads any m= line.
//   - Frame is one media unit (an access unit, a picture, audio samples).
//     Format.NewPacketizer turns Frames into RTP packets, and
//     Format.NewDepacketizer turns RTP packets back into Frames.
package format
