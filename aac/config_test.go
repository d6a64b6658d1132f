package aac

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		cfg  AudioSpecificConfig
		// remarshal is the hex Marshal writes back when it differs from hex.
		remarshal string
	}{
		// 00010 0011 0001 000: LC, 48 kHz, mono, GA flags clear.
		{"LC 48k mono", "1188", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1}, ""},
		// 00010 0100 0010 000: LC, 44.1 kHz, stereo.
		{"LC 44.1k stereo", "1210", AudioSpecificConfig{ObjectType: 2, SampleRate: 44100, ChannelConfig: 2}, ""},
		{"LC 48k stereo", "1190", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 2}, ""},
		// RFC 3640 §3.3.6's example: 5.1 at 48 kHz.
		{"LC 48k 5.1", "11b0", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 6}, ""},
		{"LC 8k mono 960", "158c", AudioSpecificConfig{ObjectType: 2, SampleRate: 8000, ChannelConfig: 1, FrameLengthFlag: true}, ""},
		// 00001 0011 0010 0 1 00000000000101 0: Main with a core coder delay.
		{"Main core delay", "09920028", AudioSpecificConfig{ObjectType: 1, SampleRate: 48000, ChannelConfig: 2,
			DependsOnCoreCoder: true, CoreCoderDelay: 5}, ""},
		// 00110 0011 0010 000 101: AAC Scalable with layerNr 5.
		{"scalable layerNr", "3190a0", AudioSpecificConfig{ObjectType: 6, SampleRate: 48000, ChannelConfig: 2, LayerNr: 5}, ""},
		// 00010 1111 <12345 in 24 bits> 0001 000: explicit frequency.
		{"explicit rate", "1780181c88", AudioSpecificConfig{ObjectType: 2, SampleRate: 12345, ChannelConfig: 1}, ""},
		// 00010 1111 <48000> 0010 000: an explicit rate that the table holds
		// is written back as index 3.
		{"explicit table rate", "17805dc010", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 2}, "1190"},
		// 00101 0110 0010 0011 00010 000: HE-AAC, explicit hierarchical:
		// SBR, core 24 kHz stereo, output 48 kHz, core LC.
		{"HE-AAC hierarchical", "2b118800", AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 2,
			SBR: true, ExtensionSampleRate: 48000}, ""},
		// LC 24 kHz stereo, then 0x2B7, type 5, sbrPresentFlag, index 3:
		// backward-compatible signalling, written back hierarchically.
		{"HE-AAC backward compatible", "131056e598", AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 2,
			SBR: true, ExtensionSampleRate: 48000}, "2b118800"},
		// 11101 0110 0001 0011 00010 000: HE-AACv2 (PS), mono core.
		{"HE-AACv2 hierarchical", "eb098800", AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 1,
			SBR: true, PS: true, ExtensionSampleRate: 48000}, ""},
		// Backward compatible with PS: ... 0x548, psPresentFlag.
		{"HE-AACv2 backward compatible", "130856e59d4880", AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 1,
			SBR: true, PS: true, ExtensionSampleRate: 48000}, "eb098800"},
		// 11111 001010 0011 0010 + 11 opaque bits and 2 padding bits, which
		// are kept: USAC (42) needs the escape.
		{"escape USAC", "f94648a8", AudioSpecificConfig{ObjectType: 42, SampleRate: 48000, ChannelConfig: 2,
			Specific: []byte{0x45, 0x40}, SpecificBits: 13}, ""},
		// 11111 000111 0011 0010 + 5 opaque bits: ER AAC ELD (39).
		{"escape ELD", "f8e64c", AudioSpecificConfig{ObjectType: 39, SampleRate: 48000, ChannelConfig: 2,
			Specific: []byte{0x60}, SpecificBits: 5}, ""},
		// Channel configuration 0: the PCE is kept verbatim.
		// 00010 0011 0000 + 0xABCD + 3 padding bits.
		{"LC with PCE", "11855e68", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 0,
			Specific: []byte{0xab, 0xcd, 0x00}, SpecificBits: 19}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseConfigHex(tc.hex)
			require.NoError(t, err)
			require.Equal(t, tc.cfg, got)

			want := tc.remarshal
			if want == "" {
				want = tc.hex
			}
			h, err := got.MarshalHex()
			require.NoError(t, err)
			require.Equal(t, want, h)

			again, err := ParseConfigHex(h)
			require.NoError(t, err)
			require.Equal(t, tc.cfg, again)
		})
	}
}

func TestConfigDerived(t *testing.T) {
	lc := AudioSpecificConfig{ObjectType: 2, SampleRate: 44100, ChannelConfig: 2}
	require.Equal(t, 44100, lc.ClockRate())
	require.Equal(t, 1024, lc.FrameSamples())
	require.Equal(t, 2, lc.ChannelCount())

	lc.FrameLengthFlag = true
	require.Equal(t, 960, lc.FrameSamples())

	he := AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 1, SBR: true, PS: true, ExtensionSampleRate: 48000}
	require.Equal(t, 48000, he.ClockRate())
	require.Equal(t, 2048, he.FrameSamples())
	require.Equal(t, 2, he.ChannelCount())

	require.Equal(t, 8, ChannelCount(7))
	require.Equal(t, 0, ChannelCount(0))
	require.Equal(t, 0, ChannelCount(9))
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		err  error
	}{
		{"empty", "", ErrConfigShort},
		{"one byte", "12", ErrConfigShort},
		{"GA truncated", "099200", ErrConfigShort},
		{"channel 0 kept verbatim", "1180", nil},
		{"object type 0", "0188", ErrConfigInvalid},
		{"reserved rate 13", "1688", ErrConfigInvalid},
		{"explicit rate 0", "1780000010", ErrConfigInvalid},
		{"explicit rate truncated", "1780", ErrConfigShort},
		{"escape truncated", "f8", ErrConfigShort},
		{"SBR core is SBR", "299194", ErrConfigInvalid},
		{"SBR truncated", "2b11", ErrConfigShort},
		{"not hex", "11x8", ErrConfigInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfigHex(tc.hex)
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
		})
	}

	for _, tc := range []struct {
		name string
		cfg  AudioSpecificConfig
	}{
		{"zero", AudioSpecificConfig{}},
		{"type 5 as core", AudioSpecificConfig{ObjectType: 5, SampleRate: 48000, ChannelConfig: 1}},
		{"type 31", AudioSpecificConfig{ObjectType: 31, SampleRate: 48000, ChannelConfig: 1}},
		{"type 96", AudioSpecificConfig{ObjectType: 96, SampleRate: 48000, ChannelConfig: 1}},
		{"rate too big", AudioSpecificConfig{ObjectType: 2, SampleRate: 1 << 24, ChannelConfig: 1}},
		{"channels 16", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 16}},
		{"core delay", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1, CoreCoderDelay: 1 << 14}},
		{"PS without SBR", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1, PS: true}},
		{"SBR without rate", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1, SBR: true}},
		{"specific bits", AudioSpecificConfig{ObjectType: 42, SampleRate: 48000, ChannelConfig: 1, SpecificBits: 9, Specific: []byte{1}}},
		{"specific on LC", AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1, SpecificBits: 1, Specific: []byte{0x80}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Marshal()
			require.ErrorIs(t, err, ErrConfigInvalid)
		})
	}
}
