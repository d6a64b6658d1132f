package rtcp

// Packets laid out by hand from the figures of RFC 3550 §6.4.1 (SR), §6.4.2
// (RR), §6.5 (SDES), §6.6 (BYE), §6.7 (APP) and RFC 4585 §6.3.1 (PLI).

// vecSR is an SR with one report block: V=2 P=0 RC=1 PT=200 length 12
// (13 words = 52 bytes).
var vecSR = []byte{
	0x81, 0xc8, 0x00, 0x0c,
	0x90, 0x2f, 0x9e, 0x2e, // SSRC of sender
	0xda, 0x8b, 0xd1, 0xfc, // NTP timestamp, most significant word
	0xdd, 0xdd, 0xdd, 0xdd, // NTP timestamp, least significant word
	0x00, 0x01, 0xe2, 0x40, // RTP timestamp 123456
	0x00, 0x00, 0x00, 0x10, // sender's packet count 16
	0x00, 0x00, 0x10, 0x00, // sender's octet count 4096
	0xbc, 0x5e, 0x9a, 0x40, // SSRC_1
	0x40, 0xff, 0xff, 0xfe, // fraction lost 64/256, cumulative lost -2
	0x00, 0x01, 0x23, 0x45, // extended highest sequence number
	0x00, 0x00, 0x00, 0x20, // interarrival jitter 32
	0x12, 0x34, 0xab, 0xcd, // LSR
	0x00, 0x01, 0x80, 0x00, // DLSR 1.5 s
}

var wantSR = SenderReport{
	SSRC:        0x902f9e2e,
	NTPTime:     0xda8bd1fcdddddddd,
	RTPTime:     123456,
	PacketCount: 16,
	OctetCount:  4096,
	Reports: []ReceptionReport{{
		SSRC:               0xbc5e9a40,
		FractionLost:       64,
		CumulativeLost:     -2,
		ExtendedHighestSeq: 0x12345,
		Jitter:             32,
		LSR:                0x1234abcd,
		DLSR:               0x18000,
	}},
}

// vecRR is an empty RR: V=2 RC=0 PT=201 length 1.
var vecRR = []byte{
	0x80, 0xc9, 0x00, 0x01,
	0x11, 0x22, 0x33, 0x44,
}

// vecSDES has one chunk with a 10-byte CNAME: SSRC (4), item (2+10), null
// and three bytes of padding to the word boundary: 20 bytes, length 5.
var vecSDES = []byte{
	0x81, 0xca, 0x00, 0x05,
	0x90, 0x2f, 0x9e, 0x2e,
	0x01, 0x0a, 'a', 'b', '@', 'c', 'a', 'm', '.', 'l', 'a', 'n',
	0x00, 0x00, 0x00, 0x00,
}

// vecBYE has one source and the 5-byte reason "bye!!" padded to 8 bytes.
var vecBYE = []byte{
	0x81, 0xcb, 0x00, 0x03,
	0x90, 0x2f, 0x9e, 0x2e,
	0x05, 'b', 'y', 'e', '!', '!', 0x00, 0x00,
}

// vecAPP is an APP packet, subtype 1, name "TEST", 4 bytes of data.
var vecAPP = []byte{
	0x81, 0xcc, 0x00, 0x03,
	0x90, 0x2f, 0x9e, 0x2e,
	'T', 'E', 'S', 'T',
	0xde, 0xad, 0xbe, 0xef,
}

// vecPLI is a Picture Loss Indication: PSFB with FMT=1, sender and media
// SSRC.
var vecPLI = []byte{
	0x81, 0xce, 0x00, 0x02,
	0x11, 0x22, 0x33, 0x44,
	0x90, 0x2f, 0x9e, 0x2e,
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
