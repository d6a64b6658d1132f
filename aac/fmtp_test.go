package aac

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFMTPValue(t *testing.T) {
	for _, tc := range []struct {
		cfg    AudioSpecificConfig
		fmtp   string
		rtpmap string
	}{
		{AudioSpecificConfig{ObjectType: 2, SampleRate: 48000, ChannelConfig: 1},
			"streamtype=5;profile-level-id=41;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1188",
			"mpeg4-generic/48000/1"},
		{AudioSpecificConfig{ObjectType: 2, SampleRate: 44100, ChannelConfig: 2},
			"streamtype=5;profile-level-id=41;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1210",
			"mpeg4-generic/44100/2"},
		{AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 2, SBR: true, ExtensionSampleRate: 48000},
			"streamtype=5;profile-level-id=44;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=2b118800",
			"mpeg4-generic/48000/2"},
	} {
		got, err := FMTPValue(tc.cfg)
		require.NoError(t, err)
		require.Equal(t, tc.fmtp, got)
		require.Equal(t, tc.rtpmap, RTPMapValue(tc.cfg))

		// And it parses back.
		f, err := ParseFMTP(got)
		require.NoError(t, err)
		require.Equal(t, LayoutAACHbr, f.AUHeaderLayout)
		cfg, err := f.AudioConfig()
		require.NoError(t, err)
		require.Equal(t, tc.cfg, cfg)
	}
	_, err := FMTPValue(AudioSpecificConfig{})
	require.ErrorIs(t, err, ErrConfigInvalid)
}

func TestProfileLevelID(t *testing.T) {
	lc := func(rate int, ch uint8) AudioSpecificConfig {
		return AudioSpecificConfig{ObjectType: 2, SampleRate: rate, ChannelConfig: ch}
	}
	he := func(rate int, ch uint8) AudioSpecificConfig {
		c := lc(rate/2, ch)
		c.SBR, c.ExtensionSampleRate = true, rate
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  AudioSpecificConfig
		want int
	}{
		{"LC 16k mono", lc(16000, 1), 0x28},
		{"LC 24k stereo", lc(24000, 2), 0x28},
		{"LC 48k mono", lc(48000, 1), 0x29},
		{"LC 44.1k stereo", lc(44100, 2), 0x29},
		{"LC 48k 5.1", lc(48000, 6), 0x2A},
		{"LC 96k stereo", lc(96000, 2), 0x2B},
		{"LC 96k 7.1", lc(96000, 7), 0xFE},
		{"HE 48k stereo", he(48000, 2), 0x2C},
		{"HE 48k 5.1", he(48000, 6), 0x2E},
		{"HE 96k stereo", he(96000, 2), 0x2F},
		{"HEv2 48k", AudioSpecificConfig{ObjectType: 2, SampleRate: 24000, ChannelConfig: 1, SBR: true, PS: true, ExtensionSampleRate: 48000}, 0x30},
		{"Main", AudioSpecificConfig{ObjectType: 1, SampleRate: 48000, ChannelConfig: 2}, 0xFE},
		{"LC with PCE", lc(48000, 0), 0xFE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, ProfileLevelID(tc.cfg))
		})
	}
}

func TestParseFMTP(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want FMTP
	}{
		{"ffmpeg", "profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1190",
			FMTP{ProfileLevelID: 1, Mode: "AAC-hbr", Config: []byte{0x11, 0x90}, AUHeaderLayout: LayoutAACHbr}},
		// RFC 3640 §3.3.6's example, mixed case and blanks.
		{"RFC 3640 hbr", "streamType=5; profile-level-id=16; mode=AAC-hbr; config=11B0; sizeLength=13; indexLength=3; indexDeltaLength=3; constantDuration=1024",
			FMTP{StreamType: 5, ProfileLevelID: 16, Mode: "AAC-hbr", Config: []byte{0x11, 0xB0},
				AUHeaderLayout: LayoutAACHbr, ConstantDuration: 1024}},
		// RFC 3640 §3.3.5's AAC-lbr example.
		{"RFC 3640 lbr", "streamtype=5; profile-level-id=14; mode=AAC-lbr; config=1388; sizeLength=6; indexLength=2; indexDeltaLength=2; constantDuration=1024; maxDisplacement=5",
			FMTP{StreamType: 5, ProfileLevelID: 14, Mode: "AAC-lbr", Config: []byte{0x13, 0x88},
				AUHeaderLayout: LayoutAACLbr, ConstantDuration: 1024, MaxDisplacement: 5}},
		{"hbr without lengths", "mode=aac-hbr;config=1188",
			FMTP{Mode: "aac-hbr", Config: []byte{0x11, 0x88}, AUHeaderLayout: LayoutAACHbr}},
		{"lbr without lengths", "mode=AAC-lbr",
			FMTP{Mode: "AAC-lbr", AUHeaderLayout: LayoutAACLbr}},
		{"everything", "mode=generic;sizelength=16;ctsdeltalength=4;dtsdeltalength=5;randomaccessindication=1;streamstateindication=2;auxiliarydatasizelength=8;x-unknown=7;de-interleavebuffersize=100;;",
			FMTP{Mode: "generic", AUHeaderLayout: AUHeaderLayout{SizeLength: 16, CTSDeltaLength: 4, DTSDeltaLength: 5,
				RandomAccessIndication: true, StreamStateIndication: 2, AuxiliaryDataSizeLength: 8}, DeInterleaveBufferSize: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFMTP(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			// String and parse again.
			again, err := ParseFMTP(got.String())
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
	}
}

func TestParseFMTPErrors(t *testing.T) {
	for _, tc := range []string{
		"mode=AAC-hbr;config=11x8",
		"mode=AAC-hbr;sizelength=33",
		"mode=AAC-hbr;sizelength=-1",
		"mode=AAC-hbr;sizelength=abc",
		"mode=AAC-hbr;indexlength",
		"mode=generic",                 // no AU-size known
		"mode=generic;indexlength=3",   // still no AU-size
		"streamtype=5;constantsize=10", // AU-header section empty
		"profile-level-id=256;mode=AAC-hbr",
	} {
		t.Run(tc, func(t *testing.T) {
			_, err := ParseFMTP(tc)
			require.ErrorIs(t, err, ErrFMTP)
		})
	}
}
