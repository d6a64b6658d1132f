package rtp

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// vectorFull is an RTP packet laid out by hand from RFC 3550 §5.1 and
// §5.3.1: V=2, P=0, X=1, CC=2, M=1, PT=96, two CSRCs, an RFC 8285
// one-byte-form extension (profile 0xBEDE, one word: ID 1, one byte 0xAB,
// two bytes of padding) and a 3-byte payload.
var vectorFull = []byte{
	0x92, 0xe0, 0x12, 0x34, // V=2 X=1 CC=2 | M=1 PT=96 | seq 0x1234
	0xde, 0xad, 0xbe, 0xef, // timestamp
	0x01, 0x02, 0x03, 0x04, // SSRC
	0x11, 0x11, 0x11, 0x11, // CSRC 1
	0x22, 0x22, 0x22, 0x22, // CSRC 2
	0xbe, 0xde, 0x00, 0x01, // extension profile, length 1 word
	0x10, 0xab, 0x00, 0x00, // ID=1 L=0, data 0xAB, padding
	0x01, 0x02, 0x03, // payload
}

// vectorPadded has P=1 and 3 bytes of padding after a 2-byte payload.
var vectorPadded = []byte{
	0xa0, 0x08, 0x00, 0x07, // V=2 P=1 | PT=8 | seq 7
	0x00, 0x00, 0x00, 0xa0, // timestamp 160
	0xca, 0xfe, 0xba, 0xbe, // SSRC
	0xaa, 0xbb, // payload
	0x00, 0x00, 0x03, // padding, count 3
}

func TestHeaderVector(t *testing.T) {
	var h Header
	n, err := h.Unmarshal(vectorFull)
	require.NoError(t, err)
	require.Equal(t, 28, n)
	require.Equal(t, Header{
		Marker:           true,
		PayloadType:      96,
		SequenceNumber:   0x1234,
		Timestamp:        0xdeadbeef,
		SSRC:             0x01020304,
		CSRC:             []uint32{0x11111111, 0x22222222},
		Extension:        true,
		ExtensionProfile: 0xbede,
		ExtensionPayload: []byte{0x10, 0xab, 0, 0},
	}, h)
	require.Equal(t, n, h.MarshalSize())
	buf := make([]byte, n)
	m, err := h.MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, n, m)
	require.Equal(t, vectorFull[:n], buf)
}

func TestHeaderRoundTrip(t *testing.T) {
	csrc15 := make([]uint32, MaxCSRC)
	for i := range csrc15 {
		csrc15[i] = uint32(i) * 0x01010101
	}
	for _, tc := range []struct {
		name string
		h    Header
		size int
	}{
		{"minimal", Header{PayloadType: 0, SequenceNumber: 1, Timestamp: 2, SSRC: 3}, 12},
		{"marker pt127", Header{Marker: true, PayloadType: 127, SequenceNumber: 0xffff, Timestamp: 0xffffffff, SSRC: 0xffffffff}, 12},
		{"one csrc", Header{PayloadType: 96, CSRC: []uint32{0xabcdef01}}, 16},
		{"fifteen csrc", Header{PayloadType: 96, CSRC: csrc15}, 72},
		{"empty extension", Header{PayloadType: 96, Extension: true, ExtensionProfile: 0x1000, ExtensionPayload: []byte{}}, 16},
		{"one-byte extension", Header{PayloadType: 96, Extension: true, ExtensionProfile: 0xbede, ExtensionPayload: []byte{0x22, 1, 2, 3, 0x10, 9, 0, 0}}, 24},
		{"csrc and extension", Header{PayloadType: 96, CSRC: []uint32{1, 2}, Extension: true, ExtensionProfile: 0xbede, ExtensionPayload: []byte{0x10, 1, 0, 0}}, 28},
		{"padding bit as given", Header{Padding: true, PayloadType: 14}, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.size, tc.h.MarshalSize())
			buf := make([]byte, tc.size+5)
			n, err := tc.h.MarshalTo(buf)
			require.NoError(t, err)
			require.Equal(t, tc.size, n)
			require.Equal(t, byte(2), buf[0]>>6)
			var got Header
			m, err := got.Unmarshal(buf[:n])
			require.NoError(t, err)
			require.Equal(t, n, m)
			want := tc.h
			if len(want.CSRC) == 0 {
				require.Empty(t, got.CSRC)
				want.CSRC, got.CSRC = nil, nil
			}
			require.Equal(t, want, got)
		})
	}
}

func TestHeaderMarshalErrors(t *testing.T) {
	buf := make([]byte, 1024)
	_, err := (&Header{CSRC: make([]uint32, 16)}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrTooManyCSRC)
	_, err = (&Header{Extension: true, ExtensionPayload: []byte{1, 2, 3}}).MarshalTo(buf)
	require.ErrorIs(t, err, ErrExtensionSize)
	_, err = (&Header{Extension: true, ExtensionPayload: make([]byte, 0x10000*4)}).MarshalTo(make([]byte, 0x10000*4+16))
	require.ErrorIs(t, err, ErrExtensionSize)
	_, err = (&Header{CSRC: []uint32{1}}).MarshalTo(buf[:15])
	require.ErrorIs(t, err, io.ErrShortBuffer)
	// An extension payload without the X bit is not written.
	n, err := (&Header{ExtensionPayload: []byte{1, 2, 3, 4}}).MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, 12, n)
}

func TestHeaderUnmarshalErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, ErrShortPacket},
		{"eleven bytes", vectorFull[:11], ErrShortPacket},
		{"version 0", append([]byte{0x00}, vectorPadded[1:]...), ErrVersion},
		{"version 1", append([]byte{0x40}, vectorPadded[1:]...), ErrVersion},
		{"version 3", append([]byte{0xc0}, vectorPadded[1:]...), ErrVersion},
		{"csrc missing", []byte{0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}, ErrShortPacket},
		{"extension header missing", []byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde}, ErrShortPacket},
		{"extension body short", []byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 1, 2, 3, 4}, ErrShortPacket},
		{"extension length huge", []byte{0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0xff, 0xff}, ErrShortPacket},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Header
			_, err := h.Unmarshal(tc.in)
			require.ErrorIs(t, err, tc.err)
		})
	}
}

// TestHeaderTruncatedEveryLength cuts the full vector at every length: each
// cut shorter than the header must fail, none may panic.
func TestHeaderTruncatedEveryLength(t *testing.T) {
	for n := 0; n < 28; n++ {
		var h Header
		_, err := h.Unmarshal(vectorFull[:n])
		require.ErrorIs(t, err, ErrShortPacket, "length %d", n)
	}
	for n := 28; n <= len(vectorFull); n++ {
		var h Header
		size, err := h.Unmarshal(vectorFull[:n])
		require.NoError(t, err, "length %d", n)
		require.Equal(t, 28, size)
	}
}

func TestHeaderUnmarshalReusesCSRC(t *testing.T) {
	var h Header
	_, err := h.Unmarshal(vectorFull)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := h.Unmarshal(vectorFull); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
	// A later header without CSRCs and extension clears them.
	_, err = h.Unmarshal(vectorPadded)
	require.NoError(t, err)
	require.Empty(t, h.CSRC)
	require.False(t, h.Extension)
	require.Nil(t, h.ExtensionPayload)
	require.Zero(t, h.ExtensionProfile)
}
