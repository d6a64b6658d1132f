package client

import "time"

// TrackStats are the reception counters of one track, from Client.Stats.
type TrackStats struct {
	// SSRC is the source the track receives (the first seen, or the
	// latest after SSRCChanges).
	SSRC uint32
	// Packets and Bytes count the RTP packets accepted from the server,
	// duplicates included, and their size (RTP header and payload).
	Packets, Bytes uint64
	// Delivered counts the packets handed on in sequence order (to
	// OnPacket and the depacketizer).
	Delivered uint64
	// Lost counts sequence numbers given up on: never arrived, or arrived
	// after the reordering window (then also counted in Late).
	Lost uint64
	// Reordered counts packets that arrived after a higher-numbered one
	// and were put back in order; Duplicates and Late count packets
	// dropped because they were already received or came too late.
	Reordered, Duplicates, Late uint64
	// Invalid counts datagrams or frames that are not RTP, or come from
	// another address or (multicast) SSRC than the server's.
	Invalid uint64
	// SSRCChanges counts switches to a new source, each of which restarts
	// sequencing and depacketizing.
	SSRCChanges uint64
	// LastSequenceNumber, LastTimestamp and LastArrival are those of the
	// last packet delivered.
	LastSequenceNumber uint16
	LastTimestamp      uint32
	LastArrival        time.Time
	// Jitter is the interarrival jitter (RFC 3550 §6.4.1, A.8).
	Jitter time.Duration
	// Frames counts the units given to OnFrame; FramesDamaged those of
	// them with Frame.Damaged; DepacketizeErrors the packets the
	// depacketizer refused as malformed or unsupported.
	Frames, FramesDamaged, DepacketizeErrors uint64
	// RTCPPackets counts RTCP compound packets received, RTCPInvalid those
	// that did not parse. SenderReports counts the sender reports of the
	// source, LastSenderReport is the latest one.
	RTCPPackets, RTCPInvalid, SenderReports uint64
	LastSenderReport                        SenderReportInfo
	// Goodbye reports that the source sent an RTCP BYE.
	Goodbye bool
	// ReceiverReports counts the receiver reports sent for this track.
	ReceiverReports uint64
	// RTPInfoSeq and RTPInfoTime are the sequence number and RTP timestamp
	// the PLAY response's RTP-Info gave for this track; nil when it did
	// not. They do not change once set.
	RTPInfoSeq  *uint16
	RTPInfoTime *uint32
}

// SenderReportInfo is what an RTCP sender report says: the wall-clock
// time matching an RTP timestamp, which maps the track's timestamps to
// real time (and aligns tracks with each other).
type SenderReportInfo struct {
	NTPTime     time.Time
	RTPTime     uint32
	PacketCount uint32
	OctetCount  uint32
	// Arrival is when the report arrived.
	Arrival time.Time
}

// Stats returns the statistics of every track of the description, indexed
// like Description.Tracks; tracks not set up have zero statistics.
func (c *Client) Stats() []TrackStats {
	c.mu.Lock()
	tracks := append([]*track(nil), c.tracks...)
	c.mu.Unlock()
	out := make([]TrackStats, len(tracks))
	for i, t := range tracks {
		if t != nil {
			out[i] = t.snapshot()
		}
	}
	return out
}
