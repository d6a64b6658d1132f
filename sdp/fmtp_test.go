package sdp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFMTP(t *testing.T) {
	tests := []struct {
		in   string
		want FMTP
		out  string
	}{
		{
			"96 packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==",
			FMTP{96, []FMTPParam{{"packetization-mode", "1"}, {"profile-level-id", "42e01f"}, {"sprop-parameter-sets", "Z0IAH5WoFAFuQA==,aM48gA=="}}},
			"96 packetization-mode=1;profile-level-id=42e01f;sprop-parameter-sets=Z0IAH5WoFAFuQA==,aM48gA==",
		},
		{
			"96  profile-level-id=640032; packetization-mode=1; sprop-parameter-sets=Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==",
			FMTP{96, []FMTPParam{{"profile-level-id", "640032"}, {"packetization-mode", "1"}, {"sprop-parameter-sets", "Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA=="}}},
			"96 profile-level-id=640032;packetization-mode=1;sprop-parameter-sets=Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==",
		},
		{
			"97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1408;",
			FMTP{97, []FMTPParam{{"streamtype", "5"}, {"profile-level-id", "15"}, {"mode", "AAC-hbr"}, {"config", "1408"}}},
			"97 streamtype=5;profile-level-id=15;mode=AAC-hbr;config=1408",
		},
		{"101 0-15", FMTP{101, []FMTPParam{{"0-15", ""}}}, "101 0-15"},
		{"96", FMTP{96, nil}, "96"},
		{"96 ;; ;", FMTP{96, nil}, "96"},
		{"96 a = b ;=orphan;c=", FMTP{96, []FMTPParam{{"a", "b"}, {"c", ""}}}, "96 a=b;c"},
		{"107 DecoderTag=h3c-v3 RTCP=0", FMTP{107, []FMTPParam{{"DecoderTag", "h3c-v3 RTCP=0"}}}, "107 DecoderTag=h3c-v3 RTCP=0"},
		{"96 config=a==b", FMTP{96, []FMTPParam{{"config", "a==b"}}}, "96 config=a==b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			f, err := ParseFMTP(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.want, f)
			require.NoError(t, f.Validate())
			require.Equal(t, tt.out, f.String())
			back, err := ParseFMTP(f.String())
			require.NoError(t, err)
			require.Equal(t, f, back)
		})
	}
}

func TestParseFMTPRejects(t *testing.T) {
	for _, in := range []string{"", " ", "x a=b", "128 a=b", "-1", "96a=b", "96 a=b\r\nm=x", "96 a\x00"} {
		t.Run(in, func(t *testing.T) {
			f := FMTP{PayloadType: 1}
			require.ErrorIs(t, f.Unmarshal(in), ErrSyntax)
			require.Equal(t, FMTP{PayloadType: 1}, f, "unchanged on error")
		})
	}
}

func TestFMTPGetSet(t *testing.T) {
	f, err := ParseFMTP("96 Packetization-Mode=1;profile-level-id=42e01f")
	require.NoError(t, err)
	v, ok := f.Get("packetization-mode")
	require.True(t, ok)
	require.Equal(t, "1", v)
	_, ok = f.Get("sprop-parameter-sets")
	require.False(t, ok)

	f.Set("PROFILE-LEVEL-ID", "4d401f")
	f.Set("sprop-parameter-sets", "Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==")
	require.Equal(t, "96 Packetization-Mode=1;PROFILE-LEVEL-ID=4d401f;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==", f.String())
	require.Equal(t, Attribute{Key: "fmtp", Value: f.String()}, f.Attribute())
}

func TestFMTPValidate(t *testing.T) {
	for _, f := range []FMTP{
		{128, nil},
		{96, []FMTPParam{{"", "x"}}},
		{96, []FMTPParam{{"a=b", "x"}}},
		{96, []FMTPParam{{"a;b", "x"}}},
		{96, []FMTPParam{{" a", "x"}}},
		{96, []FMTPParam{{"a", "x;y"}}},
		{96, []FMTPParam{{"a", "x "}}},
		{96, []FMTPParam{{"a", "x\n"}}},
		{96, []FMTPParam{{"a\r", "x"}}},
	} {
		require.ErrorIs(t, f.Validate(), ErrInvalid, "%+v", f)
	}
}
