package rtp

import (
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPacketVector(t *testing.T) {
	var p Packet
	require.NoError(t, p.Unmarshal(vectorFull))
	require.Equal(t, []byte{1, 2, 3}, p.Payload)
	require.Zero(t, p.PaddingSize)
	require.Equal(t, []uint32{0x11111111, 0x22222222}, p.CSRC)
	require.Equal(t, uint16(0xbede), p.ExtensionProfile)
	out, err := p.Marshal()
	require.NoError(t, err)
	require.Equal(t, vectorFull, out)

	require.NoError(t, p.Unmarshal(vectorPadded))
	require.True(t, p.Padding)
	require.Equal(t, uint8(3), p.PaddingSize)
	require.Equal(t, []byte{0xaa, 0xbb}, p.Payload)
	require.Equal(t, uint8(8), p.PayloadType)
	require.Equal(t, uint16(7), p.SequenceNumber)
	require.Equal(t, uint32(160), p.Timestamp)
	require.Equal(t, uint32(0xcafebabe), p.SSRC)
	out, err = p.Marshal()
	require.NoError(t, err)
	require.Equal(t, vectorPadded, out)
}

func TestPacketUnmarshalAliases(t *testing.T) {
	in := append([]byte(nil), vectorFull...)
	var p Packet
	require.NoError(t, p.Unmarshal(in))
	in[len(in)-1] = 0x99
	in[25] = 0x77
	require.Equal(t, byte(0x99), p.Payload[2], "payload aliases the input")
	require.Equal(t, byte(0x77), p.ExtensionPayload[1], "extension aliases the input")
	// Capacities are clipped: appending to a parsed slice never writes
	// into the bytes that follow it in the input.
	require.Equal(t, len(p.Payload), cap(p.Payload))
	require.Equal(t, len(p.ExtensionPayload), cap(p.ExtensionPayload))
}

func TestPacketRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Packet
	}{
		{"empty payload", Packet{Header: Header{PayloadType: 96, SequenceNumber: 9}, Payload: []byte{}}},
		{"payload", Packet{Header: Header{PayloadType: 96, Marker: true}, Payload: []byte{1, 2, 3, 4, 5}}},
		{"padding 1", Packet{Header: Header{PayloadType: 0}, Payload: []byte{1}, PaddingSize: 1}},
		{"padding 255", Packet{Header: Header{PayloadType: 0}, Payload: []byte{1, 2}, PaddingSize: 255}},
		{"padding only", Packet{Header: Header{PayloadType: 0}, Payload: []byte{}, PaddingSize: 4}},
		{"everything", Packet{
			Header: Header{
				Marker: true, PayloadType: 111, SequenceNumber: 65535, Timestamp: 1 << 31, SSRC: 42,
				CSRC: []uint32{7, 8, 9}, Extension: true, ExtensionProfile: 0xbede,
				ExtensionPayload: []byte{0x10, 0xff, 0x21, 1, 2, 0, 0, 0},
			},
			Payload: []byte("media"), PaddingSize: 3,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf, err := tc.p.Marshal()
			require.NoError(t, err)
			require.Len(t, buf, tc.p.MarshalSize())
			require.Equal(t, tc.p.PaddingSize > 0, buf[0]&0x20 != 0, "P bit follows PaddingSize")
			if tc.p.PaddingSize > 0 {
				require.Equal(t, tc.p.PaddingSize, buf[len(buf)-1])
			}
			var got Packet
			require.NoError(t, got.Unmarshal(buf))
			want := tc.p
			want.Padding = tc.p.PaddingSize > 0
			if len(want.CSRC) == 0 {
				require.Empty(t, got.CSRC)
				want.CSRC, got.CSRC = nil, nil
			}
			require.Equal(t, want, got)
			// And again from the parsed value: byte for byte.
			again, err := got.Marshal()
			require.NoError(t, err)
			require.Equal(t, buf, again)
		})
	}
}

func TestPacketPaddingBitWithoutSize(t *testing.T) {
	// A Header with Padding set but PaddingSize 0 marshals without P bit:
	// Packet.MarshalTo owns the bit.
	p := Packet{Header: Header{Padding: true, PayloadType: 96}, Payload: []byte{1}}
	buf, err := p.Marshal()
	require.NoError(t, err)
	require.Zero(t, buf[0]&0x20)
}

func TestPacketUnmarshalPaddingErrors(t *testing.T) {
	hdr := []byte{0xa0, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}
	for _, tc := range []struct {
		name string
		tail []byte
		ok   bool
		pl   int
	}{
		{"no bytes after header", nil, false, 0},
		{"count zero", []byte{1, 2, 0}, false, 0},
		{"count larger than payload", []byte{1, 2, 4}, false, 0},
		{"count 255 of 3", []byte{1, 2, 255}, false, 0},
		{"count eats whole payload", []byte{1, 2, 3}, true, 0},
		{"count one", []byte{1, 2, 1}, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			err := p.Unmarshal(append(append([]byte(nil), hdr...), tc.tail...))
			if !tc.ok {
				require.ErrorIs(t, err, ErrPadding)
				return
			}
			require.NoError(t, err)
			require.Len(t, p.Payload, tc.pl)
		})
	}
	// Padding may not reach into the CSRC list or extension.
	withCSRC := []byte{0xa1, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 5}
	var p Packet
	require.ErrorIs(t, p.Unmarshal(withCSRC), ErrPadding)
}

func TestPacketTruncatedEveryLength(t *testing.T) {
	for _, v := range [][]byte{vectorFull, vectorPadded} {
		var p Packet
		require.NoError(t, p.Unmarshal(v))
		hdr := p.Header.MarshalSize()
		for n := 0; n < len(v); n++ {
			err := p.Unmarshal(v[:n])
			if n < hdr {
				require.ErrorIs(t, err, ErrShortPacket, "length %d", n)
			}
			// Longer cuts of the padded vector change which byte holds the
			// count; they must parse or fail, never panic (checked by
			// reaching here).
		}
	}
	// The padded vector cut before its last byte has count byte 0: invalid.
	var p Packet
	require.ErrorIs(t, p.Unmarshal(vectorPadded[:len(vectorPadded)-1]), ErrPadding)
}

func TestPacketMarshalErrors(t *testing.T) {
	p := Packet{Header: Header{PayloadType: 96}, Payload: []byte{1, 2, 3}, PaddingSize: 2}
	_, err := p.MarshalTo(make([]byte, 16))
	require.ErrorIs(t, err, io.ErrShortBuffer)
	n, err := p.MarshalTo(make([]byte, 17))
	require.NoError(t, err)
	require.Equal(t, 17, n)
	p.CSRC = make([]uint32, 16)
	_, err = p.Marshal()
	require.ErrorIs(t, err, ErrTooManyCSRC)
}

func TestPacketMarshalClearsPadding(t *testing.T) {
	p := Packet{Header: Header{PayloadType: 96}, Payload: []byte{1}, PaddingSize: 4}
	buf := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	n, err := p.MarshalTo(buf)
	require.NoError(t, err)
	require.Equal(t, []byte{1, 0, 0, 0, 4}, buf[12:n])
}

func TestPacketClone(t *testing.T) {
	var p Packet
	in := append([]byte(nil), vectorFull...)
	require.NoError(t, p.Unmarshal(in))
	c := p.Clone()
	require.Equal(t, p, *c)
	clear(in)
	p.CSRC[0] = 0
	require.Equal(t, []byte{1, 2, 3}, c.Payload)
	require.Equal(t, []byte{0x10, 0xab, 0, 0}, c.ExtensionPayload)
	require.Equal(t, uint32(0x11111111), c.CSRC[0])
}
