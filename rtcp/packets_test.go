package rtcp

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func marshal(t *testing.T, p Packet) []byte {
	t.Helper()
	buf := make([]byte, p.MarshalSize())
	n, err := p.MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, len(buf), n)
	// The length field agrees with the size.
	require.Equal(t, len(buf)/4-1, int(buf[2])<<8|int(buf[3]))
	require.Equal(t, byte(0x80), buf[0]&0xc0)
	_, err = p.MarshalTo(buf[:len(buf)-1])
	require.ErrorIs(t, err, io.ErrShortBuffer)
	return buf
}

func TestSenderReportVector(t *testing.T) {
	var sr SenderReport
	require.NoError(t, sr.Unmarshal(vecSR))
	require.Equal(t, wantSR, sr)
	require.Equal(t, vecSR, marshal(t, &sr))
}

func TestReceiverReportVector(t *testing.T) {
	var rr ReceiverReport
	require.NoError(t, rr.Unmarshal(vecRR))
	require.Equal(t, ReceiverReport{SSRC: 0x11223344}, rr)
	require.Equal(t, vecRR, marshal(t, &rr))
}

func TestSDESVector(t *testing.T) {
	var sd SourceDescription
	require.NoError(t, sd.Unmarshal(vecSDES))
	require.Equal(t, *NewCNAME(0x902f9e2e, "ab@cam.lan"), sd)
	require.Equal(t, "ab@cam.lan", sd.Chunks[0].CNAME())
	require.Equal(t, vecSDES, marshal(t, &sd))
}

func TestGoodbyeVector(t *testing.T) {
	var g Goodbye
	require.NoError(t, g.Unmarshal(vecBYE))
	require.Equal(t, Goodbye{Sources: []uint32{0x902f9e2e}, Reason: "bye!!"}, g)
	require.Equal(t, vecBYE, marshal(t, &g))
}

func TestRawVectors(t *testing.T) {
	for _, v := range [][]byte{vecAPP, vecPLI} {
		var r RawPacket
		require.NoError(t, r.Unmarshal(v))
		require.Equal(t, v, []byte(r))
		require.Equal(t, v, marshal(t, r))
		require.Equal(t, v[4:], r.Body())
	}
	require.Equal(t, Header{Count: 1, Type: TypeApplication, Length: 3}, RawPacket(vecAPP).Header())
	require.Equal(t, Header{Count: 1, Type: TypePayloadFeedback, Length: 2}, RawPacket(vecPLI).Header())
	require.Equal(t, Header{}, RawPacket{0x80}.Header())
	require.Nil(t, RawPacket{0x80, 0xcc, 0, 5}.Body())
	_, err := RawPacket{0x80, 0xcc, 0, 5}.MarshalTo(make([]byte, 64))
	require.ErrorIs(t, err, ErrShortPacket)
	// Padding of any length is kept in a raw packet.
	padded := []byte{0xa0, 0xcc, 0x00, 0x02, 1, 2, 3, 4, 5, 0, 0, 3}
	var r RawPacket
	require.NoError(t, r.Unmarshal(padded))
	require.Equal(t, []byte{1, 2, 3, 4, 5}, r.Body())
	require.Equal(t, padded, marshal(t, r))
}

func TestCumulativeLost(t *testing.T) {
	for _, tc := range []struct {
		in   int32
		wire [3]byte
		back int32
	}{
		{0, [3]byte{0, 0, 0}, 0},
		{1, [3]byte{0, 0, 1}, 1},
		{-1, [3]byte{0xff, 0xff, 0xff}, -1},
		{0x7fffff, [3]byte{0x7f, 0xff, 0xff}, 0x7fffff},
		{-0x800000, [3]byte{0x80, 0, 0}, -0x800000},
		{0x1000000, [3]byte{0x7f, 0xff, 0xff}, 0x7fffff},  // clamped
		{-0x1000000, [3]byte{0x80, 0, 0}, -0x800000},      // clamped
		{0x800000, [3]byte{0x7f, 0xff, 0xff}, 0x7fffff},   // clamped
		{-0x800001, [3]byte{0x80, 0x00, 0x00}, -0x800000}, // clamped
	} {
		rr := ReceiverReport{Reports: []ReceptionReport{{FractionLost: 0xab, CumulativeLost: tc.in}}}
		buf := marshal(t, &rr)
		require.Equal(t, byte(0xab), buf[12])
		require.Equal(t, tc.wire[:], buf[13:16], "%d", tc.in)
		var back ReceiverReport
		require.NoError(t, back.Unmarshal(buf))
		require.Equal(t, tc.back, back.Reports[0].CumulativeLost)
		require.Equal(t, uint8(0xab), back.Reports[0].FractionLost)
	}
}

func reports(n int) []ReceptionReport {
	out := make([]ReceptionReport, n)
	for i := range out {
		out[i] = ReceptionReport{
			SSRC: uint32(i + 1), FractionLost: uint8(i), CumulativeLost: int32(i) - 15,
			ExtendedHighestSeq: uint32(i) << 16, Jitter: uint32(i * 7), LSR: uint32(i * 11), DLSR: uint32(i * 13),
		}
	}
	return out
}

func TestReportsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Packet
	}{
		{"sr bare", &SenderReport{SSRC: 1, NTPTime: 2, RTPTime: 3, PacketCount: 4, OctetCount: 5}},
		{"sr 31 reports", &SenderReport{SSRC: 1, Reports: reports(31)}},
		{"sr extensions", &SenderReport{SSRC: 1, Reports: reports(2), ProfileExtensions: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"rr bare", &ReceiverReport{SSRC: 9}},
		{"rr 31 reports", &ReceiverReport{SSRC: 9, Reports: reports(31)}},
		{"rr extensions", &ReceiverReport{SSRC: 9, ProfileExtensions: []byte{9, 9, 9, 9}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := marshal(t, tc.p)
			switch want := tc.p.(type) {
			case *SenderReport:
				require.Equal(t, 28+24*len(want.Reports)+len(want.ProfileExtensions), len(buf))
				require.Equal(t, byte(len(want.Reports)), buf[0]&0x1f)
				var got SenderReport
				require.NoError(t, got.Unmarshal(buf))
				require.Equal(t, *want, got)
			case *ReceiverReport:
				require.Equal(t, 8+24*len(want.Reports)+len(want.ProfileExtensions), len(buf))
				var got ReceiverReport
				require.NoError(t, got.Unmarshal(buf))
				require.Equal(t, *want, got)
			}
		})
	}
}

func TestReportsMarshalErrors(t *testing.T) {
	buf := make([]byte, 2048)
	_, err := (&SenderReport{Reports: reports(32)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooMany)
	_, err = (&ReceiverReport{Reports: reports(32)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooMany)
	_, err = (&SenderReport{ProfileExtensions: []byte{1}}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrAlignment)
	_, err = (&ReceiverReport{ProfileExtensions: []byte{1, 2}}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrAlignment)
	big := make([]byte, maxPacketSize)
	_, err = (&ReceiverReport{ProfileExtensions: big}).MarshalTo(make([]byte, 2*maxPacketSize))
	require.ErrorIs(t, err, ErrTooLarge)
	// The largest packet the length field can describe.
	n, err := (&ReceiverReport{ProfileExtensions: big[:maxPacketSize-8]}).MarshalTo(make([]byte, maxPacketSize))
	require.NoError(t, err)
	require.Equal(t, maxPacketSize, n)
}

func TestReportsUnmarshalErrors(t *testing.T) {
	srPadded := cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 4})
	var ok SenderReport
	require.NoError(t, ok.Unmarshal(srPadded), "padding of one word")
	require.Empty(t, ok.ProfileExtensions)

	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, ErrShortPacket},
		{"three bytes", vecSR[:3], ErrShortPacket},
		{"version 1", cat([]byte{0x41}, vecSR[1:]), ErrVersion},
		{"is an RR", vecRR, ErrType},
		{"truncated", vecSR[:51], ErrShortPacket},
		{"trailing byte", cat(vecSR, []byte{0}), ErrLength},
		{"trailing word", cat(vecSR, []byte{0, 0, 0, 0}), ErrLength},
		{"count exceeds data", cat([]byte{0x82}, vecSR[1:]), ErrLength},
		{"count 31 in a bare SR", cat([]byte{0x9f, 0xc8, 0x00, 0x06}, vecSR[4:28]), ErrLength},
		{"no sender info", []byte{0x80, 0xc8, 0x00, 0x01, 1, 2, 3, 4}, ErrLength},
		{"padding count zero", cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 0}), ErrPadding},
		{"padding not whole words", cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 3}), ErrPadding},
		{"padding longer than body", cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 32}), ErrPadding},
		{"padding eats sender info", cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 8}), ErrLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sr SenderReport
			require.ErrorIs(t, sr.Unmarshal(tc.in), tc.err)
		})
	}
	var rr ReceiverReport
	require.ErrorIs(t, rr.Unmarshal([]byte{0x81, 0xc9, 0x00, 0x01, 1, 2, 3, 4}), ErrLength)
	require.ErrorIs(t, rr.Unmarshal([]byte{0x80, 0xc9, 0x00, 0x00}), ErrLength)
	require.ErrorIs(t, rr.Unmarshal(vecSR), ErrType)
}

func TestReportsUnmarshalReusesMemory(t *testing.T) {
	sr := SenderReport{Reports: make([]ReceptionReport, 0, 4)}
	allocs := testing.AllocsPerRun(100, func() {
		if err := sr.Unmarshal(vecSR); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	require.Equal(t, wantSR, sr)
}

func TestSDESRoundTrip(t *testing.T) {
	all := []SDESItem{
		{SDESCNAME, "user@host"}, {SDESName, "Jane"}, {SDESEmail, "j@x.org"},
		{SDESPhone, "+1 555"}, {SDESLocation, "Here"}, {SDESTool, "rtspkit"},
		{SDESNote, "on air"}, PrivItem("x-cam", "42"), {SDESMID, "0"}, {99, "unknown"},
	}
	for _, tc := range []struct {
		name string
		sd   SourceDescription
		size int
	}{
		{"no chunks", SourceDescription{}, 4},
		{"chunk without items", SourceDescription{Chunks: []SDESChunk{{Source: 5}}}, 12},
		{"all item types", SourceDescription{Chunks: []SDESChunk{{Source: 5, Items: all}}}, 0},
		{"empty text", SourceDescription{Chunks: []SDESChunk{{Source: 5, Items: []SDESItem{{SDESNote, ""}}}}}, 12},
		{"255 bytes", SourceDescription{Chunks: []SDESChunk{{Source: 5, Items: []SDESItem{{SDESNote, strings.Repeat("n", 255)}}}}}, 4 + 4 + 260},
		{"alignments", SourceDescription{Chunks: []SDESChunk{
			{Source: 1, Items: []SDESItem{{SDESCNAME, "a"}}},
			{Source: 2, Items: []SDESItem{{SDESCNAME, "ab"}}},
			{Source: 3, Items: []SDESItem{{SDESCNAME, "abc"}}},
			{Source: 4, Items: []SDESItem{{SDESCNAME, "abcd"}}},
			{Source: 5, Items: []SDESItem{{SDESCNAME, "abcde"}, {SDESName, ""}}},
		}}, 4 + 8 + 12 + 12 + 12 + 16},
		{"31 chunks", SourceDescription{Chunks: func() []SDESChunk {
			c := make([]SDESChunk, 31)
			for i := range c {
				c[i] = SDESChunk{Source: uint32(i), Items: []SDESItem{{SDESCNAME, strings.Repeat("c", i)}}}
			}
			return c
		}()}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := marshal(t, &tc.sd)
			if tc.size != 0 {
				require.Len(t, buf, tc.size)
			}
			var got SourceDescription
			require.NoError(t, got.Unmarshal(buf))
			if len(tc.sd.Chunks) == 0 {
				require.Empty(t, got.Chunks)
				return
			}
			require.Equal(t, tc.sd, got)
		})
	}
}

func TestSDESPriv(t *testing.T) {
	it := PrivItem("pre", "value")
	require.Equal(t, SDESItem{SDESPriv, "\x03prevalue"}, it)
	p, v, ok := it.Priv()
	require.True(t, ok)
	require.Equal(t, "pre", p)
	require.Equal(t, "value", v)
	_, _, ok = SDESItem{SDESPriv, "\x09ab"}.Priv()
	require.False(t, ok)
	_, _, ok = SDESItem{SDESNote, "\x00"}.Priv()
	require.False(t, ok)
	_, _, ok = SDESItem{SDESPriv, ""}.Priv()
	require.False(t, ok)
	require.Equal(t, 256, len(PrivItem(strings.Repeat("p", 300), "").Text))
	require.Equal(t, "", (&SDESChunk{Items: []SDESItem{it}}).CNAME())
}

func TestSDESMarshalErrors(t *testing.T) {
	buf := make([]byte, 4096)
	_, err := (&SourceDescription{Chunks: make([]SDESChunk, 32)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooMany)
	_, err = (&SourceDescription{Chunks: []SDESChunk{{Items: []SDESItem{{0, "x"}}}}}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrItemType)
	_, err = (&SourceDescription{Chunks: []SDESChunk{{Items: []SDESItem{{SDESNote, strings.Repeat("x", 256)}}}}}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooLong)
}

func TestSDESMarshalClearsPadding(t *testing.T) {
	buf := bytes.Repeat([]byte{0xff}, 64)
	n, err := NewCNAME(1, "a").MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, []byte{0x81, 0xca, 0, 2, 0, 0, 0, 1, 1, 1, 'a', 0}, buf[:n])
}

func TestSDESUnmarshalErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"count exceeds chunks", cat([]byte{0x82}, vecSDES[1:]), ErrLength},
		{"chunk without end marker", []byte{0x81, 0xca, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b'}, ErrLength},
		{"item runs past end", []byte{0x81, 0xca, 0, 2, 0, 0, 0, 1, 1, 9, 'a', 'b'}, ErrLength},
		{"item type at end", []byte{0x81, 0xca, 0, 2, 0, 0, 0, 1, 1, 1, 'a', 5}, ErrLength},
		{"ssrc only", []byte{0x81, 0xca, 0, 1, 0, 0, 0, 1}, ErrLength},
		{"trailing chunk not counted", cat(vecSDES[:3], []byte{7}, vecSDES[4:], []byte{0, 0, 0, 2, 0, 0, 0, 0}), ErrLength},
		{"short", vecSDES[:20], ErrShortPacket},
		{"wrong type", vecBYE, ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sd SourceDescription
			require.ErrorIs(t, sd.Unmarshal(tc.in), tc.err)
		})
	}
	// Non-zero padding after the end marker is tolerated.
	var sd SourceDescription
	in := cat(vecSDES)
	in[23] = 0x55
	require.NoError(t, sd.Unmarshal(in))
	require.Equal(t, "ab@cam.lan", sd.Chunks[0].CNAME())
	// An SDES with count zero and padding.
	require.NoError(t, sd.Unmarshal([]byte{0xa0, 0xca, 0, 1, 0, 0, 0, 4}))
	require.Empty(t, sd.Chunks)
}

func TestGoodbyeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		g    Goodbye
		size int
	}{
		{Goodbye{}, 4},
		{Goodbye{Sources: []uint32{1}}, 8},
		{Goodbye{Sources: []uint32{1, 2, 3}, Reason: "x"}, 20},
		{Goodbye{Sources: []uint32{1}, Reason: "abc"}, 12},
		{Goodbye{Sources: []uint32{1}, Reason: "abcd"}, 16},
		{Goodbye{Reason: strings.Repeat("r", 255)}, 4 + 256},
		{Goodbye{Sources: make([]uint32, 31)}, 4 + 124},
	} {
		buf := marshal(t, &tc.g)
		require.Len(t, buf, tc.size)
		var got Goodbye
		require.NoError(t, got.Unmarshal(buf))
		if len(tc.g.Sources) == 0 {
			require.Empty(t, got.Sources)
			got.Sources = tc.g.Sources
		}
		require.Equal(t, tc.g, got)
	}
}

func TestGoodbyeErrors(t *testing.T) {
	buf := make([]byte, 1024)
	_, err := (&Goodbye{Sources: make([]uint32, 32)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooMany)
	_, err = (&Goodbye{Reason: strings.Repeat("r", 256)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooLong)
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"count exceeds data", []byte{0x82, 0xcb, 0, 1, 0, 0, 0, 1}, ErrLength},
		{"reason past end", []byte{0x80, 0xcb, 0, 1, 4, 'a', 'b', 'c'}, ErrLength},
		{"a word of junk after reason", []byte{0x80, 0xcb, 0, 2, 1, 'a', 0, 0, 0, 0, 0, 0}, ErrLength},
		{"wrong type", vecSDES, ErrType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g Goodbye
			require.ErrorIs(t, g.Unmarshal(tc.in), tc.err)
		})
	}
	// A zero reason length is no reason.
	var g Goodbye
	require.NoError(t, g.Unmarshal([]byte{0x81, 0xcb, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0}))
	require.Equal(t, Goodbye{Sources: []uint32{1}}, g)
}

func TestHeader(t *testing.T) {
	var h Header
	require.NoError(t, h.Unmarshal(vecSR))
	require.Equal(t, Header{Count: 1, Type: TypeSenderReport, Length: 12}, h)
	require.Equal(t, 52, h.Size())
	buf := make([]byte, 4)
	h.Padding = true
	n, err := h.MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, []byte{0xa1, 0xc8, 0, 12}, buf)
	_, err = h.MarshalTo(buf[:3])
	require.ErrorIs(t, err, io.ErrShortBuffer)
	h.Count = 32
	_, err = h.MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooMany)
	require.ErrorIs(t, h.Unmarshal([]byte{0x00, 0xc8, 0, 0}), ErrVersion)
	require.ErrorIs(t, h.Unmarshal([]byte{0x80, 0xc8, 0}), ErrShortPacket)
}
