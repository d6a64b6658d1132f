package client

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/server"
)

// feed sends units to the session at interval with millisecond timestamps,
// looping, until ctx ends.
func feedUnits(ctx context.Context, send func([]byte, uint64) error, units [][]byte, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		ms := uint64(1000) + uint64(time.Duration(i)*interval/time.Millisecond)
		if err := send(units[i%len(units)], ms); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// startCodecServer starts a server with one session "s" and feeds it.
func startCodecServer(t *testing.T, video server.VideoType, audio server.AudioType, vunits [][]byte, vint time.Duration, aunits [][]byte, aint time.Duration) string {
	t.Helper()
	cfg := server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		MulticastInterface: "lo", MulticastPort: mcastPort(), MulticastTTL: 1}
	srv := startWithRetry(t, cfg, func(srv *server.Server) error {
		return srv.CreateSessionWithAudio("s", video, audio)
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		feedUnits(ctx, func(b []byte, ts uint64) error { return srv.SendVideoData("s", b, ts) }, vunits, vint)
	}()
	if audio != server.AudioNone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			feedUnits(ctx, func(b []byte, ts uint64) error { return srv.SendAudioData("s", b, ts) }, aunits, aint)
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = srv.Stop()
		_ = srv.Destroy()
	})
	return fmt.Sprintf("rtsp://127.0.0.1:%d/s", srv.Addr().(*net.TCPAddr).Port)
}

type unitRec struct {
	mu     sync.Mutex
	frames map[int][]Frame // copies
	want   map[int]int
	done   chan struct{}
	once   sync.Once
}

func (r *unitRec) onFrame(track int, f Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := f
	c.Data = append([]byte(nil), f.Data...)
	c.NALUs = cloneNALs(f.NALUs)
	r.frames[track] = append(r.frames[track], c)
	for tr, n := range r.want {
		if len(r.frames[tr]) < n {
			return
		}
	}
	r.once.Do(func() { close(r.done) })
}

// playAll sets up every track and records frames until each track in
// want has that many.
func playAll(t *testing.T, url string, tr Transport, want map[int]int) (*Description, map[int][]Frame) {
	t.Helper()
	c := dial(t, url, Options{Transport: tr, MulticastInterface: "lo"})
	desc, err := c.Describe()
	require.NoError(t, err)
	for i := range desc.Tracks {
		require.NoError(t, c.Setup(i))
	}
	r := &unitRec{frames: map[int][]Frame{}, want: want, done: make(chan struct{})}
	c.OnFrame = r.onFrame
	_, err = c.Play()
	require.NoError(t, err)
	select {
	case <-r.done:
	case <-time.After(6 * time.Second):
		r.mu.Lock()
		defer r.mu.Unlock()
		t.Fatalf("frames per track after 6 s: %v", map[int]int{0: len(r.frames[0]), 1: len(r.frames[1])})
	}
	require.NoError(t, c.Close())
	r.mu.Lock()
	defer r.mu.Unlock()
	return desc, r.frames
}

// contiguous finds where got starts in sent (looped) and checks that the
// whole of got follows sent from there, comparing with eq.
func contiguous[T any](t *testing.T, sent []T, got []T, eq func(a, b T) bool) {
	t.Helper()
	require.NotEmpty(t, got)
	for start := range sent {
		ok := true
		for k := range got {
			if !eq(sent[(start+k)%len(sent)], got[k]) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	t.Fatalf("the %d units received are not a run of those sent", len(got))
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/" + name)
	require.NoError(t, err)
	return b
}

func splitAUs(nals [][]byte, d h26x.AUDetector) [][][]byte {
	sp := h26x.AccessUnitSplitter{Detector: d}
	var aus [][][]byte
	for _, n := range nals {
		if au, ok := sp.Push(nil, n); ok {
			aus = append(aus, au)
		}
	}
	if au, ok := sp.Flush(nil); ok {
		aus = append(aus, au)
	}
	return aus
}

func annexB(aus [][][]byte) [][]byte {
	out := make([][]byte, len(aus))
	for i, au := range aus {
		out[i] = h26x.AppendAnnexB(nil, au...)
	}
	return out
}

func TestCodecH265(t *testing.T) {
	t.Parallel()
	aus := splitAUs(h26x.SplitNALs(nil, readFile(t, "h265_main_720p_bframes.h265")), &h26x.H265AUDetector{})
	url := startCodecServer(t, server.VideoH265, server.AudioNone, annexB(aus), 40*time.Millisecond, nil, 0)
	desc, frames := playAll(t, url, TransportTCP, map[int]int{0: 30})
	tr := desc.Tracks[0]
	require.Equal(t, CodecH265, tr.Codec)
	ps, err := tr.ParameterSets()
	require.NoError(t, err)
	require.Len(t, ps, 3)
	require.Equal(t, h26x.H265NALVPS, h26x.H265Type(ps[0]))
	require.Equal(t, h26x.H265NALSPS, h26x.H265Type(ps[1]))
	require.Equal(t, h26x.H265NALPPS, h26x.H265Type(ps[2]))
	got := frames[0]
	require.True(t, got[0].Keyframe)
	noParams := func(au [][]byte) [][]byte {
		var out [][]byte
		for _, n := range au {
			switch h26x.H265Type(n) {
			case h26x.H265NALVPS, h26x.H265NALSPS, h26x.H265NALPPS:
				continue
			}
			out = append(out, n)
		}
		return out
	}
	gotAUs := make([][][]byte, len(got))
	for i, f := range got {
		require.False(t, f.Damaged)
		gotAUs[i] = noParams(f.NALUs)
		if i > 0 {
			require.Equal(t, uint32(3600), f.Timestamp-got[i-1].Timestamp)
		}
	}
	sent := make([][][]byte, len(aus))
	for i, au := range aus {
		sent[i] = noParams(au)
	}
	contiguous(t, sent, gotAUs, equalNALs)
}

func TestCodecAAC(t *testing.T) {
	t.Parallel()
	for _, tr := range []Transport{TransportUDP, TransportTCP, TransportMulticast} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			testCodecAAC(t, tr)
		})
	}
}

func testCodecAAC(t *testing.T, transport Transport) {
	vaus := loadAUs(t)
	b := readFile(t, "aac_lc_mono_48k.aac")
	var frames, aus [][]byte
	var cfg aac.AudioSpecificConfig
	for len(b) > 0 {
		h, au, rest, err := aac.NextADTS(b)
		require.NoError(t, err)
		if len(frames) == 0 {
			cfg = aac.ConfigFromADTS(h)
		}
		frames = append(frames, b[:len(b)-len(rest)])
		aus = append(aus, au)
		b = rest
	}
	url := startCodecServer(t, server.VideoH264, server.AudioAAC, annexB(vaus), 40*time.Millisecond, frames, 21*time.Millisecond)
	desc, got := playAll(t, url, transport, map[int]int{0: 5, 1: 40})
	require.Len(t, desc.Tracks, 2)
	tr := desc.Tracks[1]
	require.Equal(t, "audio", tr.Media)
	require.Equal(t, CodecAAC, tr.Codec)
	require.EqualValues(t, 48000, tr.ClockRate)
	f, err := tr.AACConfig()
	require.NoError(t, err)
	gotCfg, err := f.AudioConfig()
	require.NoError(t, err)
	require.Equal(t, cfg, gotCfg)

	audio := got[1]
	data := make([][]byte, len(audio))
	for i, fr := range audio {
		require.False(t, fr.Damaged)
		data[i] = fr.Data
		if i > 0 {
			require.Equal(t, uint32(1024), fr.Timestamp-audio[i-1].Timestamp, "timestamp step before AU %d", i)
		}
	}
	contiguous(t, aus, data, bytes.Equal)
}

func TestCodecPCMU(t *testing.T) {
	t.Parallel()
	for _, tr := range []Transport{TransportUDP, TransportTCP, TransportMulticast} {
		t.Run(tr.String(), func(t *testing.T) {
			t.Parallel()
			testCodecPCMU(t, tr)
		})
	}
}

func testCodecPCMU(t *testing.T, transport Transport) {
	vaus := loadAUs(t)
	raw := readFile(t, "g711_ulaw_8k.ulaw")
	var chunks [][]byte
	for i := 0; i+160 <= len(raw); i += 160 {
		chunks = append(chunks, raw[i:i+160])
	}
	url := startCodecServer(t, server.VideoH264, server.AudioPCMU, annexB(vaus), 40*time.Millisecond, chunks, 20*time.Millisecond)
	desc, got := playAll(t, url, transport, map[int]int{0: 5, 1: 40})
	tr := desc.Tracks[1]
	require.Equal(t, CodecPCMU, tr.Codec)
	require.EqualValues(t, 0, tr.PayloadType)
	require.EqualValues(t, 8000, tr.ClockRate)
	audio := got[1]
	var all []byte
	for i, fr := range audio {
		require.Zero(t, fr.MissingSamples)
		if i > 0 {
			require.Equal(t, audio[i-1].Timestamp+uint32(len(audio[i-1].Data)), fr.Timestamp, "samples not contiguous at %d", i)
		}
		all = append(all, fr.Data...)
	}
	looped := append(append([]byte(nil), raw[:len(chunks)*160]...), raw[:len(chunks)*160]...)
	looped = append(looped, looped...)
	require.True(t, bytes.Contains(looped, all), "the samples received are not a run of those sent")
}

func TestCodecMJPEG(t *testing.T) {
	t.Parallel()
	pics, err := mjpeg.SplitFrames(nil, readFile(t, "mjpeg_420_320x240.mjpeg"))
	require.NoError(t, err)
	url := startCodecServer(t, server.VideoMJPEG, server.AudioNone, pics, 40*time.Millisecond, nil, 0)
	desc, got := playAll(t, url, TransportUDP, map[int]int{0: 20})
	require.Equal(t, CodecJPEG, desc.Tracks[0].Codec)
	scans := func(pics [][]byte) [][]byte {
		out := make([][]byte, len(pics))
		for i, p := range pics {
			f, err := mjpeg.ParseJPEG(p)
			require.NoError(t, err, "picture %d", i)
			require.Equal(t, 320, f.Width)
			require.Equal(t, 240, f.Height)
			out[i] = f.Scan
		}
		return out
	}
	var gotPics [][]byte
	for i, f := range got[0] {
		require.True(t, f.Keyframe)
		require.True(t, f.Marker)
		gotPics = append(gotPics, f.Data)
		if i > 0 {
			require.Equal(t, uint32(3600), f.Timestamp-got[0][i-1].Timestamp)
		}
	}
	contiguous(t, scans(pics), scans(gotPics), bytes.Equal)
}
