package sdp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAttributeLookups(t *testing.T) {
	s, err := Parse([]byte(minimal +
		"a=control: rtsp://cam/stream \r\n" +
		"a=range:npt=0-\r\n" +
		"a=recvonly\r\n" +
		"m=video 0 RTP/AVP 96 97\r\n" +
		"a=Control:trackID=1\r\n" +
		"a=rtpmap:97 H265/90000\r\n" +
		"a=rtpmap:96 H264/90000\r\n" +
		"a=rtpmap:98 broken\r\n" +
		"a=fmtp:97 sprop-vps=QAE=\r\n" +
		"a=fmtp:96 packetization-mode=1\r\n" +
		"a=x-a:1\r\n" +
		"a=X-A:2\r\n" +
		"m=audio 0 RTP/AVP 8\r\n" +
		"m=audio 0 RTP/AVP 98 99\r\n" +
		"a=rtpmap:98 broken\r\n" +
		"a=fmtp:100 x=1\r\n"))
	require.NoError(t, err)

	require.Equal(t, "rtsp://cam/stream", s.Control())
	rng, ok := s.Range()
	require.True(t, ok)
	require.Equal(t, "npt=0-", rng)
	v, ok := s.Attribute("RECVONLY")
	require.True(t, ok)
	require.Empty(t, v)
	_, ok = s.Attribute("sendonly")
	require.False(t, ok)
	require.Equal(t, []string{"npt=0-"}, s.AttributeValues("range"))
	require.Nil(t, s.AttributeValues("nothing"))

	m := s.Media[0]
	require.Equal(t, "trackID=1", m.Control())
	require.Equal(t, []string{"1", "2"}, m.AttributeValues("x-a"))
	pt, err := m.PayloadType()
	require.NoError(t, err)
	require.Equal(t, uint8(96), pt)
	r, err := m.RTPMap(96)
	require.NoError(t, err)
	require.Equal(t, "H264", r.Encoding)
	r, err = m.RTPMap(97)
	require.NoError(t, err)
	require.Equal(t, "H265", r.Encoding)
	_, err = m.RTPMap(98)
	require.ErrorIs(t, err, ErrSyntax)
	_, err = m.RTPMap(100)
	require.ErrorIs(t, err, ErrNoAttribute)
	f, err := m.FMTP(97)
	require.NoError(t, err)
	require.Equal(t, "97 sprop-vps=QAE=", f.String())
	f, err = m.FMTP(96)
	require.NoError(t, err)
	require.Equal(t, "96 packetization-mode=1", f.String())
	_, err = m.FMTP(98) // two fmtp lines, neither for 98: no fallback
	require.ErrorIs(t, err, ErrNoAttribute)

	a := s.Media[1]
	require.Empty(t, a.Control())
	r, err = a.RTPMap(8)
	require.NoError(t, err)
	require.Equal(t, RTPMap{8, "PCMA", 8000, 1}, r)
	_, err = a.FMTP(8)
	require.ErrorIs(t, err, ErrNoAttribute)

	b := s.Media[2]
	_, err = b.FMTP(98) // one fmtp, but two formats: no fallback
	require.ErrorIs(t, err, ErrNoAttribute)

	empty := &Media{}
	_, err = empty.PayloadType()
	require.ErrorIs(t, err, ErrSyntax)
	_, err = (&Media{Formats: []string{"128"}}).PayloadType()
	require.ErrorIs(t, err, ErrSyntax)
}
