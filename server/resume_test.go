package server

import (
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// PAUSE then PLAY resumes the live stream at its next keyframe: the GOP
// cache is not sent again, nothing goes out on the media channels before
// that keyframe (a client such as live555's proxy only reads them again
// some time after the PLAY response, and takes what comes earlier for RTSP
// text), and the keyframe's sequence number is at or after RTP-Info's.
func TestResumeAfterPauseStartsAtNextLiveKeyframe(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	aus := auOf(t, "../testdata/h264_main_720p.h264", false) // the GOP is 25 pictures
	send := func(i int) {
		require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aus[i]...), uint64(i*40)))
	}
	const mid = 10
	for i := 0; i <= mid; i++ {
		send(i)
	}
	c := dialRaw(t, s, "test")
	c.setupPlayTCP(1)
	require.NotEmpty(t, firstAU(t, c), "the first PLAY starts with the cached GOP")
	resp := c.do(rtsp.Pause, c.base+"/")
	require.Equal(t, 200, resp.StatusCode)
	c.frames = nil
	for i := mid + 1; i < 20; i++ {
		send(i) // published while paused: not for this player
	}
	resp = c.do(rtsp.Play, c.base+"/")
	require.Equal(t, 200, resp.StatusCode)
	info, err := rtsp.ParseRTPInfo(resp.Header.Get("RTP-Info"))
	require.NoError(t, err)
	require.Len(t, info, 1)
	for i := 20; i < 25; i++ {
		send(i) // live, but before the next keyframe
	}
	// Nothing on the RTP channel yet: no cache, no pictures before a keyframe.
	for {
		ch, _, err := c.readFrame(200 * time.Millisecond)
		if err != nil {
			break
		}
		require.NotEqual(t, uint8(0), ch, "media before the next keyframe after resuming")
	}
	send(25) // the keyframe (published once the next picture begins)
	send(26)
	c.nc.SetReadDeadline(time.Time{})
	ch, payload, err := c.readFrame(hangTimeout)
	for err == nil && ch != 0 {
		ch, payload, err = c.readFrame(hangTimeout)
	}
	require.NoError(t, err)
	var p rtp.Packet
	require.NoError(t, p.Unmarshal(payload))
	d := int16(p.SequenceNumber - *info[0].Seq)
	require.GreaterOrEqual(t, d, int16(0), "first packet seq %d, RTP-Info seq %d", p.SequenceNumber, *info[0].Seq)
	c.frames = append([]rtsp.Message{{Kind: rtsp.KindFrame, Channel: 0, Payload: payload}}, c.frames...)
	nals := firstAU(t, c)
	require.Equal(t, aus[25], nals, "the resumed stream begins with the next live keyframe")
}
