package rtcp

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompoundVector(t *testing.T) {
	in := cat(vecSR, vecSDES, vecAPP, vecPLI, vecBYE)
	pkts, err := Unmarshal(in)
	require.NoError(t, err)
	require.Len(t, pkts, 5)
	require.Equal(t, &wantSR, pkts[0])
	require.Equal(t, NewCNAME(0x902f9e2e, "ab@cam.lan"), pkts[1])
	require.Equal(t, RawPacket(vecAPP), pkts[2])
	require.Equal(t, RawPacket(vecPLI), pkts[3])
	require.Equal(t, &Goodbye{Sources: []uint32{0x902f9e2e}, Reason: "bye!!"}, pkts[4])

	out, err := AppendCompound([]byte{0xee}, pkts...)
	require.NoError(t, err)
	require.Equal(t, cat([]byte{0xee}, in), out)
	out, err = MarshalCompound(pkts...)
	require.NoError(t, err)
	require.Equal(t, in, out)
	require.Equal(t, len(in), CompoundSize(pkts...))
	buf := make([]byte, len(in))
	n, err := MarshalCompoundTo(buf, pkts...)
	require.NoError(t, err)
	require.Equal(t, len(in), n)
	require.Equal(t, in, buf)
}

func TestCompoundRoundTripEveryType(t *testing.T) {
	pkts := []Packet{
		&SenderReport{SSRC: 1, NTPTime: NTPTime(t0), RTPTime: 5, PacketCount: 6, OctetCount: 7, Reports: reports(3), ProfileExtensions: []byte{1, 2, 3, 4}},
		&ReceiverReport{SSRC: 2, Reports: reports(1)},
		&SourceDescription{Chunks: []SDESChunk{
			{Source: 1, Items: []SDESItem{{SDESCNAME, "cam@10.0.0.1"}, {SDESTool, "rtspkit"}, PrivItem("p", "v")}},
			{Source: 2},
		}},
		RawPacket(vecAPP),
		&Goodbye{Sources: []uint32{1, 2}, Reason: "shutdown"},
	}
	buf, err := MarshalCompound(pkts...)
	require.NoError(t, err)
	got, err := Unmarshal(buf)
	require.NoError(t, err)
	require.Equal(t, pkts, got)
}

func TestCompoundTolerance(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		n    int
	}{
		{"lone SDES, as some cameras send", vecSDES, 1},
		{"lone BYE", vecBYE, 1},
		{"reduced-size PLI, RFC 5506", vecPLI, 1},
		{"RR then APP", cat(vecRR, vecAPP), 2},
		{"SDES before SR", cat(vecSDES, vecSR), 2},
		{"padding in the last packet", cat(vecRR, []byte{0xa0, 0xcc, 0x00, 0x01, 0, 0, 0, 4}), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkts, err := Unmarshal(tc.in)
			require.NoError(t, err)
			require.Len(t, pkts, tc.n)
		})
	}
}

func TestCompoundErrors(t *testing.T) {
	badVersion := cat(vecSDES)
	badVersion[0] = 0x41
	paddedSR := cat([]byte{0xa0, 0xc8, 0x00, 0x07}, vecSR[4:28], []byte{0, 0, 0, 4})
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, ErrEmpty},
		{"one byte", []byte{0x80}, ErrShortPacket},
		{"bad version first", cat([]byte{0xc0}, vecRR[1:]), ErrVersion},
		{"bad version second", cat(vecSR, badVersion), ErrVersion},
		{"length beyond data", cat(vecRR, vecSDES[:20]), ErrShortPacket},
		{"trailing bytes", cat(vecSR, vecSDES, []byte{0x80, 0xc9}), ErrShortPacket},
		{"trailing word of zeros", cat(vecSR, []byte{0, 0, 0, 0}), ErrVersion},
		{"padding not in the last packet", cat(paddedSR, vecSDES), ErrPadding},
		{"padding count zero", cat(vecRR, []byte{0xa0, 0xcc, 0x00, 0x01, 0, 0, 0, 0}), ErrPadding},
		{"padding count past the packet", cat(vecRR, []byte{0xa0, 0xcc, 0x00, 0x01, 0, 0, 0, 9}), ErrPadding},
		{"sr lies about its count", cat([]byte{0x85}, vecSR[1:]), ErrLength},
		{"sdes lies about its count", cat(vecSR, []byte{0x9f}, vecSDES[1:]), ErrLength},
		{"bye lies about its count", cat(vecRR, []byte{0x9f, 0xcb, 0, 0}), ErrLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkts, err := Unmarshal(tc.in)
			require.ErrorIs(t, err, tc.err)
			require.Nil(t, pkts)
		})
	}
}

// TestCompoundTruncatedEveryLength cuts a compound at every length: only
// cuts at packet boundaries parse.
func TestCompoundTruncatedEveryLength(t *testing.T) {
	in := cat(vecSR, vecSDES, vecPLI, vecBYE)
	bounds := map[int]int{52: 1, 76: 2, 88: 3, 104: 4}
	for n := 0; n <= len(in); n++ {
		pkts, err := Unmarshal(in[:n])
		if want, ok := bounds[n]; ok {
			require.NoError(t, err, "length %d", n)
			require.Len(t, pkts, want)
			continue
		}
		require.Error(t, err, "length %d", n)
	}
}

func TestSplit(t *testing.T) {
	in := cat(vecSR, vecSDES, vecPLI)
	var types []uint8
	var sizes []int
	require.NoError(t, Split(in, func(p []byte, typ uint8) error {
		types = append(types, typ)
		sizes = append(sizes, len(p))
		return nil
	}))
	require.Equal(t, []uint8{TypeSenderReport, TypeSourceDescription, TypePayloadFeedback}, types)
	require.Equal(t, []int{52, 24, 12}, sizes)
	stop := errors.New("stop")
	calls := 0
	require.ErrorIs(t, Split(in, func([]byte, uint8) error { calls++; return stop }), stop)
	require.Equal(t, 1, calls)
	require.ErrorIs(t, Split(in[:10], func([]byte, uint8) error { return nil }), ErrShortPacket)

	// A receiver that reuses its values allocates nothing.
	var sr SenderReport
	var sd SourceDescription
	allocs := testing.AllocsPerRun(100, func() {
		err := Split(in, func(p []byte, typ uint8) error {
			switch typ {
			case TypeSenderReport:
				return sr.Unmarshal(p)
			case TypeReceiverReport:
				return nil
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	_ = sd
}

func TestMarshalCompoundErrors(t *testing.T) {
	_, err := MarshalCompound()
	require.ErrorIs(t, err, ErrEmpty)
	_, err = MarshalCompoundTo(make([]byte, 10), &ReceiverReport{}, &ReceiverReport{})
	require.ErrorContains(t, err, "short buffer")
	// Padding is allowed only in the last packet.
	padded := RawPacket{0xa0, 0xcc, 0x00, 0x01, 0, 0, 0, 4}
	_, err = MarshalCompound(&ReceiverReport{}, padded)
	require.NoError(t, err)
	dst := []byte{1, 2, 3}
	out, err := AppendCompound(dst, padded, &ReceiverReport{})
	require.ErrorIs(t, err, ErrPadding)
	require.Equal(t, []byte{1, 2, 3}, out)
	_, err = MarshalCompound(&SenderReport{Reports: reports(40)})
	require.ErrorIs(t, err, ErrTooMany)
}

func TestAppendCompoundNoAllocs(t *testing.T) {
	sr := &SenderReport{SSRC: 1, Reports: reports(1)}
	sd := NewCNAME(1, "user@example.com")
	buf := make([]byte, 0, 1500)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = AppendCompound(buf[:0], sr, sd)
		if err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	require.Len(t, buf, 52+28)
}

// TestUnmarshalAllocationBounded feeds count fields that promise far more
// than the data holds: parsing fails before allocating for them.
func TestUnmarshalAllocationBounded(t *testing.T) {
	for _, in := range [][]byte{
		{0x9f, 0xc8, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		{0x9f, 0xca, 0x00, 0x01, 0, 0, 0, 1},
		{0x9f, 0xcb, 0x00, 0x00},
	} {
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := Unmarshal(in); err == nil {
				t.Fatal("no error")
			}
		})
		// The packet list, the packet and the wrapped error; nothing sized
		// by the count.
		require.LessOrEqual(t, allocs, 8.0)
	}
}
