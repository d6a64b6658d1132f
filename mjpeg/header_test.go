package mjpeg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHeaderRoundTrip(t *testing.T) {
	tables := make([]byte, 192)
	for i := range tables {
		tables[i] = byte(i)
	}
	for _, tc := range []struct {
		name string
		h    Header
		wire []byte // the headers as RFC 2435 §3.1, §3.1.7 and §3.1.8 draw them
	}{
		{
			name: "main header only",
			h:    Header{TypeSpecific: 0, FragmentOffset: 0x012345, Type: 1, Q: 255, Width: 320, Height: 240},
			wire: []byte{0, 0x01, 0x23, 0x45, 1, 255, 40, 30},
		},
		{
			name: "Q 1-99 at offset 0: no table header",
			h:    Header{Type: 0, Q: 75, Width: 2040, Height: 8},
			wire: []byte{0, 0, 0, 0, 0, 75, 255, 1},
		},
		{
			name: "restart marker header",
			h: Header{FragmentOffset: 1400, Type: 65, Q: 200, Width: 640, Height: 480,
				RestartInterval: 0x0102, RestartFirst: true, RestartLast: false, RestartCount: 0x1234},
			wire: []byte{0, 0, 0x05, 0x78, 65, 200, 80, 60, 0x01, 0x02, 0x80 | 0x12, 0x34},
		},
		{
			name: "restart header then table header with a 16-bit chroma table",
			h: Header{Type: 64, Q: 128, Width: 8, Height: 16, RestartInterval: 4, RestartFirst: true, RestartLast: true,
				RestartCount: 0x3FFF, HasQuantTables: true, Precision: 2, QuantTables: tables},
			wire: append([]byte{0, 0, 0, 0, 64, 128, 1, 2, 0, 4, 0xFF, 0xFF, 0, 2, 0, 192}, tables...),
		},
		{
			name: "Length 0: tables sent before",
			h:    Header{TypeSpecific: 1, Type: 1, Q: 254, Width: 8, Height: 8, HasQuantTables: true},
			wire: []byte{1, 0, 0, 0, 1, 254, 1, 1, 0, 0, 0, 0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.wire, tc.h.AppendTo(nil))
			require.Equal(t, len(tc.wire), tc.h.Size())
			var got Header
			n, err := got.Unmarshal(append(tc.wire, 0xAA, 0xBB))
			require.NoError(t, err)
			require.Equal(t, len(tc.wire), n)
			if len(tc.h.QuantTables) == 0 {
				tc.h.QuantTables = got.QuantTables // empty, not nil
				require.Empty(t, got.QuantTables)
			}
			require.Equal(t, tc.h, got)
		})
	}
}
