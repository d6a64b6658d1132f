package g711

// RTP parameters of G.711 (RFC 3551 §4.5.14 and Table 4).
const (
	// PayloadTypePCMU is the static payload type of µ-law.
	PayloadTypePCMU = 0
	// PayloadTypePCMA is the static payload type of A-law.
	PayloadTypePCMA = 8
	// ClockRate is the RTP clock rate and the sampling rate.
	ClockRate = 8000
	// EncodingPCMU and EncodingPCMA are the encoding names of a=rtpmap.
	EncodingPCMU = "PCMU"
	EncodingPCMA = "PCMA"
)
