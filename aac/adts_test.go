package aac

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// Facts about the sample streams, from ffprobe -count_frames (95 and 88
// frames) and testdata/gen.sh.
var adtsFiles = []struct {
	name     string
	frames   int
	rate     int
	channels uint8
	config   string
}{
	{"aac_lc_mono_48k.aac", 95, 48000, 1, "1188"},
	{"aac_lc_stereo_44k.aac", 88, 44100, 2, "1210"},
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	require.NoError(t, err)
	return b
}

func TestSplitADTSFiles(t *testing.T) {
	for _, tc := range adtsFiles {
		t.Run(tc.name, func(t *testing.T) {
			file := readTestdata(t, tc.name)
			aus, h, err := SplitADTS(nil, file)
			require.NoError(t, err)
			require.Len(t, aus, tc.frames)
			require.Equal(t, ObjectTypeAACLC, h.ObjectType)
			require.Equal(t, tc.rate, h.SampleRate())
			require.Equal(t, tc.channels, h.ChannelConfig)
			require.False(t, h.HasCRC)
			require.False(t, h.MPEG2)

			cfg := ConfigFromADTS(h)
			hexCfg, err := cfg.MarshalHex()
			require.NoError(t, err)
			require.Equal(t, tc.config, hexCfg)

			// Every AU aliases the file right after its 7-byte header, and
			// re-framing them reproduces the file byte for byte.
			var out []byte
			total := 0
			for _, au := range aus {
				require.NotEmpty(t, au)
				total += ADTSHeaderSize + len(au)
				out, err = AppendADTS(out, cfg, au)
				require.NoError(t, err)
			}
			require.Equal(t, len(file), total)
			require.True(t, bytes.Equal(file, out), "re-written ADTS differs")
		})
	}
}

func TestNextADTSStreaming(t *testing.T) {
	file := readTestdata(t, "aac_lc_mono_48k.aac")
	// Feed the stream in pieces that cut frames anywhere, as a pipe would.
	for _, chunk := range []int{1, 7, 100, 333, 4096} {
		var pending []byte
		n := 0
		for off := 0; off < len(file); off += chunk {
			pending = append(pending, file[off:min(off+chunk, len(file))]...)
			for {
				_, au, rest, err := NextADTS(pending)
				if err == ErrADTSTruncated {
					require.Equal(t, pending, rest)
					break
				}
				require.NoError(t, err)
				require.NotEmpty(t, au)
				n++
				pending = rest
			}
		}
		require.Empty(t, pending, "chunk %d", chunk)
		require.Equal(t, 95, n, "chunk %d", chunk)
	}
}

func TestParseADTSFields(t *testing.T) {
	// First header of aac_lc_mono_48k.aac.
	h, err := ParseADTS([]byte{0xFF, 0xF1, 0x4C, 0x40, 0x18, 0xFF, 0xFC})
	require.NoError(t, err)
	require.Equal(t, ADTSHeader{
		ObjectType: ObjectTypeAACLC, SampleRateIndex: 3, ChannelConfig: 1,
		FrameLength: 0xC7, BufferFullness: 0x7FF,
	}, h)
	require.Equal(t, 7, h.HeaderSize())
	require.Equal(t, 0xC7-7, h.PayloadSize())

	// Every flag set, with CRC, MPEG-2 ID, SSR profile, 8 kHz, 7.1.
	all := ADTSHeader{
		MPEG2: true, HasCRC: true, ObjectType: ObjectTypeAACSSR, SampleRateIndex: 11,
		Private: true, ChannelConfig: 7, Original: true, Home: true,
		CopyrightIDBit: true, CopyrightIDStart: true, FrameLength: 8191,
		BufferFullness: 0x555, CRC: 0xBEEF,
	}
	raw := all.AppendTo(nil)
	require.Equal(t, []byte{0xFF, 0xF8, 0xAF, 0xFF, 0xFF, 0xF5, 0x54, 0xBE, 0xEF}, raw)
	got, err := ParseADTS(raw)
	require.NoError(t, err)
	require.Equal(t, all, got)
	require.Equal(t, 8000, got.SampleRate())
}

func TestParseADTSErrors(t *testing.T) {
	good := []byte{0xFF, 0xF1, 0x4C, 0x40, 0x18, 0xFF, 0xFC}
	mod := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"empty", nil, ErrADTSTruncated},
		{"short", good[:6], ErrADTSTruncated},
		{"short not sync", []byte{0x12, 0x34}, ErrADTSSync},
		{"sync byte 0", mod(0, 0xFE), ErrADTSSync},
		{"sync byte 1", mod(1, 0xE1), ErrADTSSync},
		{"layer", mod(1, 0xF3), ErrADTSLayer},
		{"rate index 13", mod(2, 0x74), ErrADTSRate},
		{"rate index 15", mod(2, 0x7C), ErrADTSRate},
		{"crc truncated", mod(1, 0xF0), ErrADTSTruncated},
		{"frame length 7", []byte{0xFF, 0xF1, 0x4C, 0x40, 0x00, 0xFF, 0xFC}, ErrADTSLength},
		{"frame length 0", []byte{0xFF, 0xF1, 0x4C, 0x40, 0x00, 0x1F, 0xFC}, ErrADTSLength},
		{"two raw data blocks", mod(6, 0xFD), ErrADTSRawDataBlocks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseADTS(tc.in)
			require.ErrorIs(t, err, tc.err)
		})
	}
	// Several raw data blocks: the header is still reported.
	h, err := ParseADTS(mod(6, 0xFF))
	require.ErrorIs(t, err, ErrADTSRawDataBlocks)
	require.Equal(t, uint8(3), h.RawDataBlocks)
	require.Equal(t, 0xC7, h.FrameLength)
}

func TestSplitADTSErrors(t *testing.T) {
	file := readTestdata(t, "aac_lc_mono_48k.aac")
	first, err := ParseADTS(file)
	require.NoError(t, err)

	// Truncated last frame: all complete frames are returned.
	aus, _, err := SplitADTS(nil, file[:len(file)-1])
	require.ErrorIs(t, err, ErrADTSTruncated)
	require.Len(t, aus, 94)

	// Garbage after the first frame.
	bad := append(append([]byte(nil), file[:first.FrameLength]...), 0x00, 0x01, 0x02)
	aus, _, err = SplitADTS(nil, bad)
	require.ErrorIs(t, err, ErrADTSSync)
	require.ErrorContains(t, err, "at byte 199")
	require.Len(t, aus, 1)

	// A stereo frame after a mono frame.
	stereo := readTestdata(t, "aac_lc_stereo_44k.aac")
	mixed := append(append([]byte(nil), file[:first.FrameLength]...), stereo...)
	aus, _, err = SplitADTS(nil, mixed)
	require.ErrorIs(t, err, ErrADTSConfigChange)
	require.Len(t, aus, 1)

	// Nothing at all is fine.
	aus, _, err = SplitADTS(nil, nil)
	require.NoError(t, err)
	require.Empty(t, aus)
}

func TestSplitADTSWithCRC(t *testing.T) {
	h := ADTSHeader{HasCRC: true, ObjectType: ObjectTypeAACLC, SampleRateIndex: 4, ChannelConfig: 2,
		FrameLength: 9 + 3, BufferFullness: 0x7FF, CRC: 0x1234}
	frame := h.AppendTo(nil)
	frame = append(frame, 1, 2, 3)
	aus, got, err := SplitADTS(nil, append(frame, frame...))
	require.NoError(t, err)
	require.Equal(t, [][]byte{{1, 2, 3}, {1, 2, 3}}, aus)
	require.Equal(t, h, got)
}

func TestAppendADTSErrors(t *testing.T) {
	lc := AudioSpecificConfig{ObjectType: ObjectTypeAACLC, SampleRate: 48000, ChannelConfig: 2}
	for _, tc := range []struct {
		name string
		cfg  AudioSpecificConfig
		size int
	}{
		{"object type 5", AudioSpecificConfig{ObjectType: ObjectTypeSBR, SampleRate: 48000, ChannelConfig: 2}, 10},
		{"object type 42", AudioSpecificConfig{ObjectType: ObjectTypeUSAC, SampleRate: 48000, ChannelConfig: 2}, 10},
		{"rate not in table", AudioSpecificConfig{ObjectType: ObjectTypeAACLC, SampleRate: 12345, ChannelConfig: 2}, 10},
		{"channel config 8", AudioSpecificConfig{ObjectType: ObjectTypeAACLC, SampleRate: 48000, ChannelConfig: 8}, 10},
		{"empty AU", lc, 0},
		{"AU too large", lc, MaxADTSFrameSize - 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte{9}
			out, err := AppendADTS(dst, tc.cfg, make([]byte, tc.size))
			require.ErrorIs(t, err, ErrADTSUnrepresentable)
			require.Equal(t, dst, out)
		})
	}
	// The largest AU fits exactly.
	out, err := AppendADTS(nil, lc, make([]byte, MaxADTSFrameSize-7))
	require.NoError(t, err)
	h, err := ParseADTS(out)
	require.NoError(t, err)
	require.Equal(t, MaxADTSFrameSize, h.FrameLength)

	// HE-AAC is written as its core.
	he := AudioSpecificConfig{ObjectType: ObjectTypeAACLC, SampleRate: 24000, ChannelConfig: 2, SBR: true, ExtensionSampleRate: 48000}
	out, err = AppendADTS(nil, he, []byte{1})
	require.NoError(t, err)
	h, err = ParseADTS(out)
	require.NoError(t, err)
	require.Equal(t, 24000, h.SampleRate())
	require.Equal(t, ObjectTypeAACLC, h.ObjectType)
}
