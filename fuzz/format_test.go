package fuzz

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/sdp"
)

// FuzzFormatFromMedia reads arbitrary SDP media as a client or a server
// receiving ANNOUNCE does. Nothing may panic; a Format that FromMedia
// returns must write back as SDP that reads as the same Format; and its
// depacketizer, if any, must survive a packet of the same bytes (an
// arbitrary AU-header layout for AAC).
func FuzzFormatFromMedia(f *testing.F) {
	for _, s := range []string{
		"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z01AH9oBQBbsBEAAAAMAQAAADIPGDKg=,aO88gA==\r\n",
		"v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\na=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ;sprop-sps=QgE;sprop-pps=!!\r\n",
		"v=0\r\nm=audio 0 RTP/AVP 104\r\na=rtpmap:104 MPEG4-GENERIC/16000/1\r\na=fmtp:97 streamtype=5;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1408\r\n",
		"v=0\r\nm=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/8000\r\na=fmtp:97 mode=AAC-lbr;sizelength=6;indexlength=2;indexdeltalength=2;ctsdeltalength=5;auxiliarydatasizelength=7;constantduration=0;config=\r\n",
		"v=0\r\nm=audio 0 RTP/AVP 0 8\r\nm=video 0 RTP/AVP 26\r\nm=application 0 RTP/AVP 107\r\na=rtpmap:107 vnd.onvif.metadata/90000\r\n",
		"v=0\nm=application/TP-LINK 0 RTP/AVP smart/1/90000\n",
		"v=0\nm=audio 0 RTP/AVP 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n",
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../sdp/testdata/*.sdp")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := sdp.Parse(data)
		if err != nil {
			return
		}
		for _, md := range s.Media {
			fm, err := format.FromMedia(md)
			if err != nil {
				require.ErrorIs(t, err, sdp.ErrSyntax)
				continue
			}
			_, _ = fm.ParameterSets()
			if _, err := fm.AACConfig(); fm.Codec != format.AAC {
				require.ErrorIs(t, err, format.ErrUnsupported)
			}
			if _, err := fm.NewPacketizer(0); err != nil && !fm.Codec.Known() {
				require.ErrorIs(t, err, format.ErrUnsupported)
			}
			if d, err := fm.NewDepacketizer(); err == nil {
				require.True(t, fm.Codec.Known())
				p := &rtp.Packet{Header: rtp.Header{PayloadType: fm.PayloadType, SequenceNumber: 1, Marker: true}, Payload: data}
				_ = d.Depacketize(p, func(format.Frame) {})
				d.Reset()
			} else if !fm.Codec.Known() && !errors.Is(err, format.ErrUnsupported) {
				t.Fatalf("unknown codec %q: %v", fm.Codec, err)
			}

			// Written back, it reads the same.
			back := &sdp.Media{Type: md.Type, Protocol: "RTP/AVP", Formats: []string{md.Formats[0]}, Attributes: fm.Attributes()}
			text, err := (&sdp.Session{Media: []*sdp.Media{back}}).Marshal()
			require.NoError(t, err, "%+v", fm)
			s2, err := sdp.Parse(text)
			require.NoError(t, err)
			fm2, err := format.FromMedia(s2.Media[0])
			require.NoError(t, err)
			require.Equal(t, fm, fm2, "%s", text)
		}
	})
}
