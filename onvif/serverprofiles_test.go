package onvif

import (
	"os"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// waitProfiles polls src until cond holds for its profiles (the encoder
// sends its first SPS when it starts), failing after hang.
func waitProfiles(t *testing.T, src ProfileSource, cond func([]Profile) bool) []Profile {
	t.Helper()
	deadline := time.Now().Add(hang)
	for {
		ps, err := src.Profiles()
		require.NoError(t, err)
		if cond(ps) {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("profiles never as expected: %+v", ps)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServerProfiles(t *testing.T) {
	srv, st := camera(t)
	door, err := srv.NewStream("door", server.VideoNone, server.AudioPCMU)
	require.NoError(t, err)
	src := ServerProfiles(srv, 0)
	ps := waitProfiles(t, src, func(ps []Profile) bool {
		return len(ps) == 2 && ps[1].Video != nil && ps[1].Video.Width != 0 && ps[1].Video.GovLength != 0
	})
	url, err := st.URL()
	require.NoError(t, err)

	doorP, testP := ps[0], ps[1]
	require.Equal(t, "door", doorP.Token)
	require.Nil(t, doorP.Video)
	require.Equal(t, &Audio{Encoding: "G711", SampleRate: 8000, Channels: 1, BitrateKbps: 64}, doorP.Audio)

	require.Equal(t, "test", testP.Token)
	require.Equal(t, url, testP.URI)
	require.Nil(t, testP.Audio)
	v := testP.Video
	require.Equal(t, "H264", v.Encoding)
	require.Equal(t, 1280, v.Width)
	require.Equal(t, 720, v.Height)
	require.Equal(t, "Main", v.H264Profile)
	// The sample's SPS carries VUI timing: 25 frames a second.
	require.Equal(t, 25.0, v.FrameRate)
	// Its keyframes are 25 pictures apart (testdata/gen.sh: -g 25).
	require.Equal(t, 25, v.GovLength)

	// A closed session leaves the list.
	require.NoError(t, door.Close())
	ps, err = src.Profiles()
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.Equal(t, "test", ps[0].Token)
}

func TestServerProfilesFrameRateFallback(t *testing.T) {
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	require.NoError(t, err)
	defer func() { _ = srv.Destroy() }()
	_, err = srv.NewStream("mjpeg", server.VideoMJPEG, server.AudioNone)
	require.NoError(t, err)
	long := "s0123456789012345678901234567890123456789012345678901234567890123456789"
	_, err = srv.NewStream(long, server.VideoH264, server.AudioNone)
	require.NoError(t, err)
	ps, err := ServerProfiles(srv, 12.5).Profiles()
	require.NoError(t, err)
	require.Len(t, ps, 2)
	require.Equal(t, "JPEG", ps[0].Video.Encoding)
	require.Equal(t, 12.5, ps[0].Video.FrameRate, "no SPS: the configured rate")
	require.Zero(t, ps[0].Video.Width, "no picture yet")

	// MJPEG's size is each picture's, and every picture is a keyframe.
	require.NoError(t, srv.Start())
	pics, err := mjpeg.SplitFrames(nil, readFile(t, "../testdata/mjpeg_420_320x240.mjpeg"))
	require.NoError(t, err)
	st, err := srv.Stream("mjpeg")
	require.NoError(t, err)
	for i, pic := range pics {
		require.NoError(t, st.WriteVideo(pic, uint64(i*100)))
	}
	ps, err = ServerProfiles(srv, 12.5).Profiles()
	require.NoError(t, err)
	require.Equal(t, 320, ps[0].Video.Width)
	require.Equal(t, 240, ps[0].Video.Height)
	require.Equal(t, 1, ps[0].Video.GovLength)
	require.Equal(t, long, ps[1].Name)
	require.LessOrEqual(t, len(ps[1].Token), maxToken, "tokens fit a tt:ReferenceToken")
	require.LessOrEqual(t, len(videoEncoderToken(&ps[1])), maxToken)
	require.NotEqual(t, videoEncoderToken(&ps[1]), videoSourceToken(&ps[1]))
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
