package fuzz

import (
	"bytes"
	"testing"

	"github.com/rtspkit/rtspkit/rtcp"
)

// rtcpSeeds are compounds a server and cameras send: SR+SDES, RR+SDES+BYE,
// a lone PLI (RFC 5506), APP, padding in the last packet, and broken ones.
var rtcpSeeds = [][]byte{
	// SR with one report block + SDES CNAME
	{0x81, 0xc8, 0x00, 0x0c, 0x90, 0x2f, 0x9e, 0x2e, 0xda, 0x8b, 0xd1, 0xfc, 0xdd, 0xdd, 0xdd, 0xdd,
		0x00, 0x01, 0xe2, 0x40, 0, 0, 0, 0x10, 0, 0, 0x10, 0, 0xbc, 0x5e, 0x9a, 0x40, 0x40, 0xff, 0xff, 0xfe,
		0, 1, 0x23, 0x45, 0, 0, 0, 0x20, 0x12, 0x34, 0xab, 0xcd, 0, 1, 0x80, 0,
		0x81, 0xca, 0x00, 0x05, 0x90, 0x2f, 0x9e, 0x2e, 0x01, 0x0a, 'a', 'b', '@', 'c', 'a', 'm', '.', 'l', 'a', 'n', 0, 0, 0, 0},
	// empty RR + SDES with two items + BYE with reason
	{0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
		0x81, 0xca, 0x00, 0x04, 0x11, 0x22, 0x33, 0x44, 0x01, 0x01, 'x', 0x06, 0x03, 'v', 'l', 'c', 0, 0, 0, 0,
		0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44, 0x05, 'b', 'y', 'e', '!', '!', 0, 0},
	// PLI alone
	{0x81, 0xce, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x90, 0x2f, 0x9e, 0x2e},
	// RR + APP with padding
	{0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0xa1, 0xcc, 0x00, 0x03, 1, 2, 3, 4, 'T', 'E', 'S', 'T', 0, 0, 0, 4},
	// RR with a profile extension, SDES with PRIV
	{0x80, 0xc9, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 9, 9, 9, 9,
		0x81, 0xca, 0x00, 0x03, 0, 0, 0, 1, 0x08, 0x04, 0x01, 'p', 'v', 'v', 0, 0},
	// length past the end; padding in the first packet
	{0x80, 0xc9, 0x00, 0x09, 0x11, 0x22, 0x33, 0x44},
	{0xa0, 0xc9, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 4, 0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 0},
	// SR claiming 31 blocks
	{0x9f, 0xc8, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
}

// FuzzRTCPCompound parses a compound and marshals it back. Marshalling is
// a normal form: it drops padding, zeroes SDES padding and writes no empty
// BYE reason, so the output may be shorter than the input but must parse
// and marshal again to the very same bytes.
func FuzzRTCPCompound(f *testing.F) {
	for _, s := range rtcpSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts, err := rtcp.Unmarshal(data)
		if err != nil {
			return
		}
		if len(pkts) == 0 || len(pkts) > len(data)/4 {
			t.Fatalf("%d packets from %d bytes", len(pkts), len(data))
		}
		out, err := rtcp.MarshalCompound(pkts...)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if len(out) > len(data) || len(out) != rtcp.CompoundSize(pkts...) {
			t.Fatalf("marshalled %d bytes from %d", len(out), len(data))
		}
		again, err := rtcp.Unmarshal(out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%x", err, out)
		}
		if len(again) != len(pkts) {
			t.Fatalf("%d packets, then %d", len(pkts), len(again))
		}
		out2, err := rtcp.AppendCompound(nil, again...)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %v\n%x\n%x", err, out, out2)
		}
		// Without padding anywhere, the normal form only changes SDES
		// padding bytes and empty BYE reasons: same length unless a BYE
		// or an SDES was there.
		canonicalTypes := true
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.Goodbye, *rtcp.SourceDescription:
				canonicalTypes = false
			}
		}
		if canonicalTypes && !hasPadding(data) && !bytes.Equal(out, data) {
			t.Fatalf("reports and raw packets must round-trip exactly:\n in  %x\n out %x", data, out)
		}
	})
}

// hasPadding reports whether the last packet of a valid compound has the P
// bit.
func hasPadding(data []byte) bool {
	off, last := 0, 0
	for off+4 <= len(data) {
		last = off
		off += (int(data[off+2])<<8 | int(data[off+3]) + 1) * 4
	}
	return data[last]&0x20 != 0
}
