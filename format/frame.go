package format

// Frame is one media unit: what a Packetizer turns into RTP packets and a
// Depacketizer rebuilds from them. A Depacketizer's Frames live in its
// memory and are valid only during the call to emit: copy what must be kept.
// A Packetizer's packets reference the Frame's bytes without copying, so
// they must stay unchanged while the rtp.Batch is in use.
type Frame struct {
	// Codec is the track's codec. A Packetizer does not read it: it is
	// made for one codec.
	Codec Codec
	// Timestamp is the RTP timestamp of the unit (for AAC, of this access
	// unit, which need not be the packet's). A Packetizer does not read it:
	// it stamps the ts it is given.
	Timestamp uint32
	// Marker reports that the unit ended with the RTP marker bit: the last
	// packet of an H.264/H.265 access unit (RFC 6184 §5.1, RFC 7798 §4.1)
	// or of a JPEG frame (RFC 2435 §3).
	//
	// For an H.264/H.265 Packetizer it means that these NALUs end the
	// access unit: the marker goes on the last packet written. An access
	// unit may be given in several Frames (slices sent as they come), all
	// with the same ts and Marker on the last only. Other Packetizers do
	// not read it: a JPEG frame and AAC access units are always whole, and
	// G.711 marks talkspurts itself (RFC 3551 §4.1).
	Marker bool
	// Damaged reports that part of the unit, or of the data just before
	// it, is known to be missing (a lost packet, a dropped fragment). For
	// G.711 it means samples are missing before Data (see MissingSamples).
	// A Packetizer does not read it.
	Damaged bool
	// Keyframe reports an H.264 IDR or H.265 IRAP access unit, or a JPEG
	// picture (each is one). A Packetizer does not read it.
	Keyframe bool
	// NALUs is the access unit of H.264 or H.265, its NAL units in order
	// without start codes (h26x.AppendAnnexB writes them as Annex-B).
	// It is what an H.264/H.265 Packetizer reads.
	NALUs [][]byte
	// Data is one AAC access unit, G.711 samples (one byte each) or a
	// whole JPEG picture (SOI to EOI, as a file holds it).
	//
	// A G.711 Packetizer reads the samples, which may come in chunks of any
	// size: it sends packets of 20 ms and keeps the rest (less than one
	// packet) for the next Frame. A JPEG Packetizer reads one baseline
	// JPEG that RFC 2435 can carry (see mjpeg.ParseJPEG). An AAC Packetizer
	// reads Data as the single access unit when AUs is empty.
	Data []byte
	// AUs are AAC access units given to a Packetizer together, so that
	// they share packets (RFC 3640 §3.2): the first is stamped ts, each
	// next one an access unit's duration later. A Depacketizer gives one
	// access unit per Frame, in Data, and leaves AUs nil.
	AUs [][]byte
	// MissingSamples is, for G.711, the number of samples between the
	// previous packet and these that never came: play that much silence.
	// A Packetizer does not read it.
	MissingSamples uint32
}
