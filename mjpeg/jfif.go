package mjpeg

// appendHeaders appends the JPEG headers an RFC 2435 receiver rebuilds in
// front of the scan data (Appendix B, MakeHeaders): SOI, one DQT per table,
// DRI when there are restart markers, SOF0 with components 0 (Y), 1 and 2
// (chroma), the four Annex K Huffman tables and SOS. typ is 0 or 1 (the
// restart bit is given by dri); tables are in zig-zag order, 64 bytes or
// 128 when their bit in precision is set (§3.1.8).
func appendHeaders(dst []byte, typ uint8, width, height int, tables *[2][]byte, precision uint8, dri uint16) []byte {
	dst = append(dst, 0xFF, markerSOI)
	for i, t := range tables {
		pq := precision >> i & 1
		n := 3 + len(t)
		dst = append(dst, 0xFF, markerDQT, byte(n>>8), byte(n), pq<<4|byte(i))
		dst = append(dst, t...)
	}
	if dri != 0 {
		dst = append(dst, 0xFF, markerDRI, 0, 4, byte(dri>>8), byte(dri))
	}
	ySampling := byte(0x21)
	if typ&^TypeRestart == Type420 {
		ySampling = 0x22
	}
	dst = append(dst,
		0xFF, markerSOF0, 0, 17,
		8, // sample precision
		byte(height>>8), byte(height), byte(width>>8), byte(width),
		3,               // components
		0, ySampling, 0, // Y: quantization table 0
		1, 0x11, 1, // Cb: table 1
		2, 0x11, 1, // Cr: table 1
	)
	dst = appendDHT(dst, 0x00, &stdLumaDC)
	dst = appendDHT(dst, 0x10, &stdLumaAC)
	dst = appendDHT(dst, 0x01, &stdChromaDC)
	dst = appendDHT(dst, 0x11, &stdChromaAC)
	return append(dst,
		0xFF, markerSOS, 0, 12,
		3,
		0, 0x00, // Y: DC table 0, AC table 0
		1, 0x11, // Cb: tables 1
		2, 0x11, // Cr: tables 1
		0, 63, 0, // spectral selection 0-63, no successive approximation
	)
}

func appendDHT(dst []byte, class byte, s *huffSpec) []byte {
	n := 2 + 1 + 16 + len(s.values)
	dst = append(dst, 0xFF, markerDHT, byte(n>>8), byte(n), class)
	dst = append(dst, s.counts[:]...)
	return append(dst, s.values...)
}
