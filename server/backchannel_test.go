package server

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/stretchr/testify/require"
)

// A player asking for the ONVIF backchannel is described an extra
// a=sendonly PCMU media, sets it up with the rest, and the µ-law it sends
// (over TCP interleaved, or UDP) reaches OnBackChannelData whole and in
// order; a player without the tag sees the usual description, and a
// session without the backchannel refuses the tag with 551.
func TestBackchannel(t *testing.T) {
	t.Parallel()
	for _, tr := range []client.Transport{client.TransportTCP, client.TransportUDP} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []byte
			var names []string
			s := newTestServer(t, Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
				OnBackChannelData: func(session string, data []byte, ts uint32) {
					mu.Lock()
					got = append(got, data...)
					names = append(names, session)
					mu.Unlock()
				}})
			require.NoError(t, s.CreateSessionAttr("door", SessionAttr{WithVideo: true, WithAudio: true, WithAudioBackchannel: true, VideoType: VideoH264}))
			require.NoError(t, s.CreateSession("plain", VideoH264, false))
			require.NoError(t, s.Start())
			stop := make(chan struct{})
			var wg sync.WaitGroup
			pump(t, s, "door", h264Sample, stop, &wg)
			defer func() { close(stop); wg.Wait() }()

			ctx, cancel := context.WithTimeout(context.Background(), hangTimeout)
			defer cancel()
			// Without the tag: the usual two media.
			plainC, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/door", client.Options{Transport: tr})
			require.NoError(t, err)
			d, err := plainC.Describe()
			require.NoError(t, err)
			require.Len(t, d.Tracks, 2)
			plainC.Close()
			// A session without the backchannel: 551.
			opt := client.Options{Transport: tr, Require: []string{"www.onvif.org/ver20/backchannel"}}
			noC, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/plain", opt)
			require.NoError(t, err)
			_, err = noC.Describe()
			require.Error(t, err)
			noC.Close()

			c, err := client.Dial(ctx, "rtsp://"+serverAddr(s)+"/door", opt)
			require.NoError(t, err)
			defer c.Close()
			d, err = c.Describe()
			require.NoError(t, err)
			require.Len(t, d.Tracks, 3)
			back := d.Tracks[2]
			require.Equal(t, "audio", back.Media)
			require.EqualValues(t, 0, back.PayloadType)
			_, sendonly := back.SDP.Attribute("sendonly")
			require.True(t, sendonly, "the backchannel is a=sendonly")
			_, recvonly := d.Tracks[0].SDP.Attribute("recvonly")
			require.True(t, recvonly)
			for i := range d.Tracks {
				require.NoError(t, c.Setup(i))
			}
			_, err = c.Play()
			require.NoError(t, err)

			// 50 packets of 20 ms, each filled with its own number.
			var want []byte
			st := rtp.Stream{PayloadType: 0, SSRC: 77, Seq: 1000}
			for i := 0; i < 50; i++ {
				payload := bytes.Repeat([]byte{byte(i)}, 160)
				want = append(want, payload...)
				var b rtp.Batch
				b.Begin(&st, uint32(i*160))
				b.SetBody(payload)
				require.NoError(t, c.WriteRTP(2, b.AppendPacket(nil, 0)))
				time.Sleep(2 * time.Millisecond)
			}
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) >= len(want)
			}, hangTimeout, 10*time.Millisecond, "backchannel audio did not arrive")
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, want, got, "the µ-law arrives whole and in order")
			require.Equal(t, "door", names[0])
		})
	}
}
