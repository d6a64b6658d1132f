package pusher_test

import (
	"context"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/pusher"
	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// accessUnits reads the H.264 sample as access units of Annex-B bytes.
func accessUnits(t *testing.T) (aus [][]byte, header []byte) {
	data, err := os.ReadFile("../testdata/h264_main_720p.h264")
	require.NoError(t, err)
	var d h26x.H264AUDetector
	var cur [][]byte
	flush := func() {
		if len(cur) > 0 {
			aus = append(aus, h26x.AppendAnnexB(nil, cur...))
			cur = nil
		}
	}
	for _, nal := range h26x.SplitNALs(nil, data) {
		if d.StartsNewAU(nal) {
			flush()
		}
		cur = append(cur, nal)
	}
	flush()
	sps, pps := h26x.H264ParameterSets(h26x.SplitNALs(nil, data))
	return aus, h26x.AppendAnnexB(nil, sps, pps)
}

// The board's pusher flow, line by line, against a server that takes
// publishers: create, Init, Open, PushVideoHeader, PushVideoData per
// frame; a player reads the pushed stream from the server; Close, DeInit,
// destroy.
func TestBoardFlow(t *testing.T) {
	for _, transport := range []string{"tcp", "udp"} {
		t.Run(transport, func(t *testing.T) {
			srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", PublishPaths: []string{"cam"}})
			require.NoError(t, err)
			require.NoError(t, srv.Start())
			defer srv.Destroy()
			url := "rtsp://127.0.0.1:" + strconv.Itoa(srv.Addr().(*net.TCPAddr).Port) + "/cam"
			aus, header := accessUnits(t)

			p := pusher.New()                                         // RtspPusher_create
			require.NoError(t, p.Init(1280, 720, url, 25, transport)) // RtspPusher_Init
			require.NoError(t, p.Open())                              // RtspPusher_Open
			require.NoError(t, p.PushVideoHeader(header))             // RtspPusher_PushVideoHeader
			stop := make(chan struct{})
			done := make(chan error, 1)
			go func() {
				tick := time.NewTicker(40 * time.Millisecond)
				defer tick.Stop()
				for i := 0; ; i++ {
					au := aus[i%len(aus)]
					key := h26x.H264IsKeyframe(h26x.SplitNALs(nil, au))
					if err := p.PushVideoData(au, key, uint64(i*40)); err != nil { // RtspPusher_PushVideoData
						done <- err
						return
					}
					select {
					case <-stop:
						done <- nil
						return
					case <-tick.C:
					}
				}
			}()

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for {
				if _, err := srv.Stats("cam"); err == nil {
					break
				}
				require.NoError(t, ctx.Err(), "the pusher never published")
				time.Sleep(10 * time.Millisecond)
			}
			c, err := client.Dial(ctx, url, client.Options{Transport: client.TransportTCP})
			require.NoError(t, err)
			defer c.Close()
			desc, err := c.Describe()
			require.NoError(t, err)
			ps, err := desc.Tracks[0].ParameterSets()
			require.NoError(t, err)
			require.Len(t, ps, 2, "the header is in the SDP")
			require.NoError(t, c.Setup(0))
			frames := make(chan client.Frame, 64)
			c.OnFrame = func(_ int, f client.Frame) {
				f.NALUs = nil
				select {
				case frames <- f:
				default:
				}
			}
			_, err = c.Play()
			require.NoError(t, err)
			for n := 0; n < 20; n++ {
				select {
				case f := <-frames:
					if n == 0 {
						require.True(t, f.Keyframe)
					}
					require.False(t, f.Damaged)
				case <-ctx.Done():
					t.Fatal("no pictures from the pushed stream")
				}
			}
			require.True(t, p.Stats().Connected)
			close(stop)
			require.NoError(t, <-done)
			require.NoError(t, p.Close())   // RtspPusher_Close
			require.NoError(t, p.DeInit())  // RtspPusher_DeInit
			require.NoError(t, p.Destroy()) // RtspPusher_destroy
			require.ErrorIs(t, p.Open(), pusher.ErrDestroyed)
		})
	}
}

// Misuse is an error, never a crash.
func TestMisuse(t *testing.T) {
	p := pusher.New()
	require.ErrorIs(t, p.Open(), pusher.ErrNotInitialized)
	require.ErrorIs(t, p.PushVideoData([]byte{0, 0, 1, 0x65}, true, 0), pusher.ErrNotInitialized)
	require.ErrorIs(t, p.Init(0, 720, "rtsp://h/x", 25, "tcp"), pusher.ErrBadArgument)
	require.ErrorIs(t, p.Init(1280, 720, "http://h/x", 25, "tcp"), pusher.ErrBadArgument)
	require.ErrorIs(t, p.Init(1280, 720, "rtsp://h/x", 25, "sctp"), pusher.ErrBadArgument)
	require.NoError(t, p.Init(1280, 720, "rtsp://127.0.0.1:1/x", 25, ""))
	require.ErrorIs(t, p.Init(1280, 720, "rtsp://h/x", 25, "tcp"), pusher.ErrAlreadyInit)
	require.ErrorIs(t, p.PushVideoData([]byte{0, 0, 1, 0x65}, true, 0), pusher.ErrNotOpen)
	require.NoError(t, p.Open())
	require.ErrorIs(t, p.Open(), pusher.ErrAlreadyOpen)
	require.ErrorIs(t, p.PushVideoHeader([]byte("no start code")), pusher.ErrBadMedia)
	require.ErrorIs(t, p.PushVideoData(nil, false, 0), pusher.ErrBadMedia)
	// A server that is not there: pushing still returns at once.
	require.NoError(t, p.PushVideoData([]byte{0, 0, 0, 1, 0x65, 0x88, 0x84}, true, 0))
	require.NoError(t, p.Close())
	require.ErrorIs(t, p.Close(), pusher.ErrNotOpen)
	require.NoError(t, p.Destroy())
	require.ErrorIs(t, p.Destroy(), pusher.ErrDestroyed)
}
