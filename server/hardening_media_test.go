package server

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/stretchr/testify/require"
)

// Garbage from the caller of SendVideoData/SendAudioData (issue 6): every
// call returns nil (a documented drop or pass-through), ErrBadMedia or
// ErrMediaTooLarge; nothing panics; and the stream recovers at the next
// good keyframe, which players receive decodable, with the right parameter
// sets.

// requireMediaErr accepts the outcomes the API documents for bad media.
func requireMediaErr(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	require.True(t, errors.Is(err, ErrBadMedia) || errors.Is(err, ErrMediaTooLarge), "%s: undocumented error %v", what, err)
}

// auCollector depacketizes a TCP player's video (channel 0) in the
// background, keeping copies of the access units.
type auCollector struct {
	c    *rawClient
	hevc bool
	stop chan struct{}
	done chan struct{}

	mu  sync.Mutex
	aus []receivedAU
	err error
}

func collectAUs(c *rawClient, hevc bool) *auCollector {
	a := &auCollector{c: c, hevc: hevc, stop: make(chan struct{}), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *auCollector) run() {
	defer close(a.done)
	var d4 h26x.H264Depacketizer
	var d5 h26x.H265Depacketizer
	for {
		select {
		case <-a.stop:
			return
		default:
		}
		// A deadline only a server that stopped sending reaches (finish
		// cuts the read short).
		ch, payload, err := a.c.readFrame(hangTimeout)
		if err != nil {
			select {
			case <-a.stop:
			default:
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
			return
		}
		if ch != 0 {
			continue
		}
		var p rtp.Packet
		if err := p.Unmarshal(payload); err != nil {
			continue
		}
		var aus []h26x.RTPAccessUnit
		if a.hevc {
			aus, _ = d5.Depacketize(&p)
		} else {
			aus, _ = d4.Depacketize(&p)
		}
		a.mu.Lock()
		for _, au := range aus {
			cp := receivedAU{ts: au.Timestamp, damaged: au.Damaged}
			for _, n := range au.NALs {
				cp.nals = append(cp.nals, append([]byte(nil), n...))
			}
			a.aus = append(a.aus, cp)
		}
		a.mu.Unlock()
	}
}

func (a *auCollector) finish() {
	close(a.stop)
	for waiting := true; waiting; {
		_ = a.c.nc.SetReadDeadline(time.Now())
		select {
		case <-a.done:
			waiting = false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// all returns the access units received so far.
func (a *auCollector) all() []receivedAU {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]receivedAU(nil), a.aus...)
}

// received reports whether an access unit made of nals has come.
func (a *auCollector) received(nals [][]byte) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.aus) - 1; i >= 0; i-- {
		if slices.EqualFunc(a.aus[i].nals, nals, bytes.Equal) {
			return true
		}
	}
	return false
}

// sinceLastKey returns the access units from the last keyframe on.
func (a *auCollector) sinceLastKey() []receivedAU {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.aus) - 1; i >= 0; i-- {
		if isKeyAU(a.aus[i], a.hevc) {
			return append([]receivedAU(nil), a.aus[i:]...)
		}
	}
	return nil
}

func isKeyAU(au receivedAU, hevc bool) bool {
	for _, n := range au.nals {
		if hevc && h26x.H265Type(n).IsIRAP() || !hevc && h26x.H264Type(n) == h26x.H264NALIDR {
			return true
		}
	}
	return false
}

// isParamSet tells parameter sets (and SEI, which cameras send with them).
func isParamSet(n []byte, hevc bool) bool {
	if hevc {
		switch h26x.H265Type(n) {
		case h26x.H265NALVPS, h26x.H265NALSPS, h26x.H265NALPPS, 39, 40:
			return true
		}
		return false
	}
	switch h26x.H264Type(n) {
	case h26x.H264NALSPS, h26x.H264NALPPS, 6:
		return true
	}
	return false
}

// garbageFor returns the bad inputs for a video session of the given codec.
func garbageFor(t *testing.T, hevc bool) map[string][]byte {
	read := func(name string) []byte {
		b, err := os.ReadFile("../testdata/" + name)
		require.NoError(t, err)
		return b
	}
	h264, h265 := read("h264_main_720p.h264"), read("h265_main_720p_bframes.h265")
	rng := rand.New(rand.NewPCG(5, 6))
	random := make([]byte, 0, 64<<10)
	for len(random) < 60<<10 {
		random = append(random, 0, 0, 1)
		// Random NAL units, but never a parameter set: random bytes
		// can parse as a valid SPS or PPS, which no server can tell from
		// a real one (the wrong-codec cases test parameter set checks).
		hdr := byte(rng.IntN(256))
		if !hevc && isParamSet([]byte{hdr}, false) {
			hdr = hdr&0xe0 | 1
		}
		if hevc && isParamSet([]byte{hdr, 1}, true) {
			hdr = hdr&0x81 | 1<<1
		}
		random = append(random, hdr)
		for n := rng.IntN(500); n > 0; n-- {
			random = append(random, byte(rng.IntN(256)))
		}
	}
	g := map[string][]byte{
		"no start code":                        []byte("hello, world: this is not Annex-B"),
		"empty":                                nil,
		"only start codes":                     {0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1},
		"start code, no NAL":                   {0, 0, 0, 1},
		"forbidden_zero_bit set":               {0, 0, 0, 1, 0xe5, 0x88, 0x84, 0x21, 0xa0},
		"random NAL units (no parameter sets)": random,
		"ADTS audio":                           read("aac_lc_mono_48k.aac")[:4000],
		"JPEG":                                 read("mjpeg_420_320x240.mjpeg")[:8000],
	}
	if hevc {
		g["H.264 stream"] = h264[:60000]
		g["truncated IRAP"] = append([]byte{0, 0, 0, 1}, firstNAL(h265, func(n []byte) bool { return h26x.H265Type(n).IsIRAP() })[:40]...)
		g["IRAP header only"] = []byte{0, 0, 0, 1, 0x28, 0x01}
	} else {
		g["H.265 stream"] = h265[:60000]
		g["truncated IDR"] = append([]byte{0, 0, 0, 1}, firstNAL(h264, func(n []byte) bool { return h26x.H264Type(n) == h26x.H264NALIDR })[:40]...)
		g["IDR header only"] = []byte{0, 0, 0, 1, 0x65}
	}
	return g
}

func firstNAL(stream []byte, ok func([]byte) bool) []byte {
	for _, n := range h26x.SplitNALs(nil, stream) {
		if ok(n) {
			return n
		}
	}
	return nil
}

// The caller sends garbage in the middle of a good stream whose later
// keyframes come without parameter sets (cameras that send them once): the
// server must not take garbage for parameter sets, and a player — the one
// watching all along and a new one — gets the next keyframe with the
// stream's own SPS/PPS (VPS), then every access unit intact.
func TestHardeningGarbageVideoRecovers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		video VideoType
		path  string
		hevc  bool
	}{
		{"H.264", VideoH264, h264Sample, false},
		{"H.265", VideoH265, "../testdata/h265_main_720p_bframes.h265", true},
	} {
		for gname, garbage := range garbageFor(t, tc.hevc) {
			t.Run(tc.name+"/"+gname, func(t *testing.T) {
				t.Parallel()
				s := startedServer(t, Config{}, tc.video, AudioNone)
				aus := auOf(t, tc.path, tc.hevc)
				var params [][]byte
				for _, n := range aus[0] {
					if isParamSet(n, tc.hevc) && !(tc.hevc && h26x.H265Type(n) >= 39) && !(!tc.hevc && h26x.H264Type(n) == 6) {
						params = append(params, n)
					}
				}
				require.GreaterOrEqual(t, len(params), 2)
				// Find the second keyframe; from there on the stream is
				// sent without parameter sets.
				second := -1
				for i := 1; i < len(aus); i++ {
					if isKeyAU(receivedAU{nals: aus[i]}, tc.hevc) {
						second = i
						break
					}
				}
				require.Positive(t, second)
				tail := make([][][]byte, 0, len(aus)-second)
				for _, au := range aus[second:] {
					var keep [][]byte
					for _, n := range au {
						if !isParamSet(n, tc.hevc) {
							keep = append(keep, n)
						}
					}
					tail = append(tail, keep)
				}

				player := playTCP(t, s)
				col := collectAUs(player, tc.hevc)
				ts := uint64(0)
				send := func(au [][]byte) {
					require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, au...), ts))
					ts += 40
				}
				for _, au := range aus[:second] {
					send(au)
				}
				// The garbage, in one call and NAL unit by NAL unit.
				requireMediaErr(t, s.SendVideoData("test", garbage, ts), gname)
				for _, n := range h26x.SplitNALs(nil, garbage) {
					requireMediaErr(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, n), ts), gname+" per NAL")
				}
				ts += 40
				for _, au := range tail {
					send(au)
				}
				// An access unit delimiter ends the last picture.
				aud := []byte{0x09, 0xf0}
				if tc.hevc {
					aud = []byte{0x46, 0x01, 0x50}
				}
				require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, aud), ts))

				check := func(who string, got []receivedAU) {
					require.NotEmpty(t, got, "%s: no keyframe after the garbage", who)
					require.GreaterOrEqual(t, len(got), len(tail), "%s: access units missing after the keyframe", who)
					got = got[:len(tail)]
					// The keyframe: the stream's own parameter sets, then
					// the keyframe's NAL units.
					var gotParams, gotRest [][]byte
					for _, n := range got[0].nals {
						if isParamSet(n, tc.hevc) {
							gotParams = append(gotParams, n)
						} else {
							gotRest = append(gotRest, n)
						}
					}
					require.Equal(t, params, gotParams, "%s: the keyframe must carry the stream's parameter sets, not garbage", who)
					require.Equal(t, tail[0], gotRest, "%s: keyframe", who)
					for i := 1; i < len(tail); i++ {
						require.False(t, got[i].damaged, "%s: access unit %d damaged", who, i)
						require.Equal(t, tail[i], got[i].nals, "%s: access unit %d", who, i)
					}
				}
				// The watching player has it all once the last access unit
				// came (TCP keeps the order); counting access units would
				// also be satisfied by the first GOP alone, when the
				// player is slow to read.
				require.Eventually(t, func() bool { return col.received(tail[len(tail)-1]) }, hangTimeout, 10*time.Millisecond, "the watching player gets the stream after the garbage")
				col.finish()
				check("watching player", col.sinceLastKey())

				// A new player starts at the cached keyframe.
				late := playTCP(t, s)
				col2 := collectAUs(late, tc.hevc)
				require.Eventually(t, func() bool { return len(col2.sinceLastKey()) >= len(tail)-1 }, hangTimeout, 10*time.Millisecond, "a new player gets the cached GOP")
				col2.finish()
				got := col2.sinceLastKey()
				got = append(got, receivedAU{nals: tail[len(tail)-1]}) // the last one may still be pending
				check("new player", got)

				// DESCRIBE: the SDP carries the stream's parameter sets.
				c := dialRaw(t, s, "test")
				resp := c.do(rtsp.Describe, c.base)
				require.Equal(t, 200, resp.StatusCode)
				var want string
				if tc.hevc {
					want = "sprop-vps=" + h26x.H265SpropValue(params[0]) + ";sprop-sps=" + h26x.H265SpropValue(params[1]) + ";sprop-pps=" + h26x.H265SpropValue(params[2])
				} else {
					want = "sprop-parameter-sets=" + h26x.H264SpropParameterSets(params[0], params[1])
				}
				require.Contains(t, string(resp.Body), want, "SDP parameter sets after the garbage")
			})
		}
	}
}

// Garbage to the audio and MJPEG paths: documented errors, no panic, and
// good data afterwards goes out.
func TestHardeningGarbageAudioAndJPEG(t *testing.T) {
	t.Parallel()
	read := func(name string) []byte {
		b, err := os.ReadFile("../testdata/" + name)
		require.NoError(t, err)
		return b
	}
	adts := read("aac_lc_mono_48k.aac")
	// adtsUpTo returns whole ADTS frames of b, at most n bytes of them.
	adtsUpTo := func(b []byte, n int) []byte {
		end := 0
		for end+7 <= len(b) {
			l := int(b[end+3]&3)<<11 | int(b[end+4])<<3 | int(b[end+5])>>5
			if l < 7 || end+l > n || end+l > len(b) {
				break
			}
			end += l
		}
		return b[:end]
	}
	jpeg := read("mjpeg_420_320x240.mjpeg")
	h264 := read("h264_main_720p.h264")
	rng := rand.New(rand.NewPCG(7, 8))
	random := make([]byte, 20000)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	sent := func(s *Server, track int) uint32 {
		st, err := s.Stats("test")
		require.NoError(t, err)
		return st.PacketsSent[track]
	}

	t.Run("AAC", func(t *testing.T) {
		t.Parallel()
		s := startedServer(t, Config{}, VideoH264, AudioAAC)
		first := adtsUpTo(adts, 2000)
		require.NoError(t, s.SendAudioData("test", first, 0))
		for name, g := range map[string][]byte{
			"random":                       random,
			"H.264":                        h264[:5000],
			"truncated ADTS":               adts[:5],
			"ADTS header only":             adts[:7],
			"another sample rate":          adtsUpTo(read("aac_lc_stereo_44k.aac"), 3000),
			"whole frames, then a cut one": adts[len(first) : len(first)+1000],
			"syncword, then zeros":         append([]byte{0xff, 0xf1}, make([]byte, 3000)...),
			"empty":                        nil,
		} {
			requireMediaErr(t, s.SendAudioData("test", g, 100), name)
		}
		before := sent(s, 1)
		require.NoError(t, s.SendAudioData("test", adtsUpTo(adts[len(first):], 4000), 200))
		// Several frames per call go out at the pace they play.
		require.Eventually(t, func() bool { return sent(s, 1) > before }, hangTimeout, 10*time.Millisecond,
			"good ADTS after the garbage goes out")
	})
	t.Run("PCMU", func(t *testing.T) {
		t.Parallel()
		s := startedServer(t, Config{MaxFrameSize: 1 << 20}, VideoH264, AudioPCMU)
		for name, g := range map[string][]byte{"random": random, "H.264": h264[:5000], "empty": nil, "one byte": {0xff}} {
			requireMediaErr(t, s.SendAudioData("test", g, 100), name)
		}
		require.ErrorIs(t, s.SendAudioData("test", make([]byte, 2<<20), 100), ErrMediaTooLarge)
		before := sent(s, 1)
		require.NoError(t, s.SendAudioData("test", make([]byte, 1600), 300))
		require.Eventually(t, func() bool { return sent(s, 1) > before }, hangTimeout, 10*time.Millisecond)
	})
	t.Run("MJPEG", func(t *testing.T) {
		t.Parallel()
		s := startedServer(t, Config{}, VideoMJPEG, AudioNone)
		frames := bytes.SplitAfter(jpeg, []byte{0xff, 0xd9})
		require.Greater(t, len(frames), 2)
		for name, g := range map[string][]byte{
			"random":            random,
			"H.264":             h264[:5000],
			"truncated JPEG":    frames[0][:len(frames[0])/2],
			"SOI only":          {0xff, 0xd8},
			"SOI EOI":           {0xff, 0xd8, 0xff, 0xd9},
			"JPEG, then random": append(append([]byte(nil), frames[0]...), random[:3000]...),
			"empty":             nil,
		} {
			requireMediaErr(t, s.SendVideoData("test", g, 100), name)
		}
		before := sent(s, 0)
		require.NoError(t, s.SendVideoData("test", frames[1], 200))
		require.Greater(t, sent(s, 0), before, "a good JPEG after the garbage goes out")
	})
}

// A 50 MB blob, and an access unit that grows past MaxFrameSize over many
// calls: refused with ErrMediaTooLarge, the memory is not kept, and the
// stream goes on.
func TestHardeningHugeMediaIsRefused(t *testing.T) {
	s := startedServer(t, Config{}, VideoH264, AudioNone)
	aus := auOf(t, h264Sample, false)
	for i, au := range aus[:5] {
		require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, au...), uint64(i*40)))
	}
	base := heapAfterGC()

	blob := make([]byte, 50<<20)
	copy(blob, []byte{0, 0, 0, 1, 0x41, 0x9a})
	require.ErrorIs(t, s.SendVideoData("test", blob, 200), ErrMediaTooLarge)

	// A picture followed by 1 MiB filler data NAL units (type 12, which
	// belong to the access unit of the slice before them, H.264
	// §7.4.1.2.3), 20 of them in 20 calls: the access unit passes 16 MiB.
	pslice := aus[6]
	require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, pslice...), 240))
	filler := make([]byte, 1<<20)
	for i := range filler {
		filler[i] = 0xff
	}
	copy(filler, []byte{0, 0, 0, 1, 0x0c})
	filler[len(filler)-1] = 0x80
	var tooLarge bool
	for i := 0; i < 20; i++ {
		err := s.SendVideoData("test", filler, 240)
		requireMediaErr(t, err, "filler")
		tooLarge = tooLarge || errors.Is(err, ErrMediaTooLarge)
	}
	require.True(t, tooLarge, "an access unit over MaxFrameSize is refused")
	blob, filler = nil, nil
	grown := int64(heapAfterGC()) - int64(base)
	t.Logf("heap after the huge media: %+d KiB (tooLarge=%v)", grown>>10, tooLarge)
	// What may stay: the GOP cache (Config.GOPCacheBytes, 16 MiB) and one
	// access unit in progress, never the 50 MB.
	require.Less(t, grown, int64(34<<20))

	// The stream goes on: a new player gets a keyframe.
	for i, au := range aus[25:30] {
		require.NoError(t, s.SendVideoData("test", h26x.AppendAnnexB(nil, au...), uint64(300+i*40)))
	}
	c := playTCP(t, s)
	au := firstAU(t, c)
	require.True(t, isKeyAU(receivedAU{nals: au}, false))

	// Once the session is gone, so is its memory.
	c.nc.Close()
	require.NoError(t, s.DestroySession("test"))
	require.Eventually(t, func() bool {
		grown = int64(heapAfterGC()) - int64(base)
		return grown < 4<<20
	}, hangTimeout, 50*time.Millisecond, "memory held after the session is destroyed")
}
