package onvif

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"strings"
)

// endpointUUID derives the device's WS-Discovery endpoint reference from
// what identifies it: Core §7.3.1 asks for "a stable, globally unique
// identifier that is constant across network interfaces", so the same
// device (same host, same configuration) keeps its address across
// restarts and clients do not list it twice. It is a name-based UUID
// (RFC 4122 §4.3, version 5) of those fields, written urn:uuid:...
func endpointUUID(d DeviceInfo, hostname string) string {
	h := sha1.New()
	for _, s := range []string{"rtspkit-onvif", d.Manufacturer, d.Model, d.SerialNumber, d.HardwareID, hostname} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return "urn:uuid:" + formatUUID(u)
}

// randomUUID returns a version 4 UUID, urn:uuid:..., for WS-Addressing
// message IDs.
func randomUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return "urn:uuid:" + formatUUID(u)
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// normalizeUUID accepts "urn:uuid:X", "uuid:X" or plain X, X a UUID in
// its 8-4-4-4-12 hexadecimal form, and returns urn:uuid:X in lower case.
func normalizeUUID(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "urn:")
	s = strings.TrimPrefix(s, "uuid:")
	if len(s) != 36 {
		return "", false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", c) {
				return "", false
			}
		}
	}
	return "urn:uuid:" + s, true
}
