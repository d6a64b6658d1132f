//go:build linux

package conformance

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// References: what each player decodes from the sample files themselves,
// unit by unit. A unit a player decodes from the network is identified by
// looking its checksum up here, which tells its position in the loop; from
// that the analysis counts lost and repeated units and measures audio/video
// sync against the schedule the pacer sent on. The files are decoded twice
// in a row (as the pacer loops them), so the first unit of a loop is
// learnt in its steady state (AAC decoding overlaps frames); a checksum
// seen at two different positions is ambiguous and dropped.

// refMap maps a decoded unit's checksum to its index in the loop.
type refMap struct {
	idx   map[string]int
	loop  int // units per loop
	units int // units decoded from the two loops
}

var (
	refMu   sync.Mutex
	refOnce = map[string]*refEntry{}
)

type refEntry struct {
	once sync.Once
	ref  refMap
	err  error
}

// reference returns (building once) the reference of player ("ffmpeg" or
// "gstreamer") for a video or audio source.
func reference(dir, player string, v *videoSource, a *audioSource) (refMap, error) {
	key := player + "/"
	if v != nil {
		key += v.name
	} else {
		key += a.name
	}
	refMu.Lock()
	e := refOnce[key]
	if e == nil {
		e = &refEntry{}
		refOnce[key] = e
	}
	refMu.Unlock()
	e.once.Do(func() { e.ref, e.err = buildReference(dir, player, v, a) })
	return e.ref, e.err
}

func buildReference(dir, player string, v *videoSource, a *audioSource) (refMap, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var units [][]byte
	var ext string
	if v != nil {
		units = v.units
		ext = map[server.VideoType]string{server.VideoH264: "h264", server.VideoH265: "hevc", server.VideoMJPEG: "mjpeg"}[v.codec]
	} else {
		units = a.units
		ext = map[server.AudioType]string{server.AudioAAC: "aac", server.AudioPCMU: "mulaw", server.AudioPCMA: "alaw"}[a.typ]
	}
	f, err := os.CreateTemp(dir, "ref-*."+ext)
	if err != nil {
		return refMap{}, err
	}
	for loop := 0; loop < 2; loop++ {
		for _, u := range units {
			if _, err := f.Write(u); err != nil {
				f.Close()
				return refMap{}, err
			}
		}
	}
	f.Close()
	var hashes []string
	g711 := a != nil && a.typ != server.AudioAAC
	switch {
	case player == "ffmpeg" && g711:
		raw, err := run(ctx, "ffmpeg", "-nostdin", "-v", "error", "-f", ext, "-sample_rate", "8000", "-i", f.Name(), "-f", "s16le", "-")
		if err != nil {
			return refMap{}, err
		}
		hashes = chunkHashes(raw, 2*a.samples, adler32Zero)
	case player == "ffmpeg":
		args := []string{"-f", ext}
		if v != nil {
			args = append(args, "-framerate", fmt.Sprint(v.fps))
		}
		args = append(args, "-i", f.Name())
		out, err := run(ctx, "ffmpeg", ffmpegDecodeArgs(args, time.Hour)...)
		if err != nil {
			return refMap{}, err
		}
		var ls []line
		for _, l := range strings.Split(string(out), "\n") {
			ls = append(ls, line{text: l})
		}
		obs := parseFramecrc(ls)
		so := obs.video
		if v == nil {
			so = obs.audio
		}
		if so == nil {
			return refMap{}, fmt.Errorf("ffmpeg decoded nothing from %s", f.Name())
		}
		for _, u := range so.units {
			hashes = append(hashes, u.hash)
		}
	case player == "gstreamer" && g711:
		rawPath := f.Name() + ".raw"
		caps := map[server.AudioType]string{server.AudioPCMU: "audio/x-mulaw,rate=8000,channels=1 ! mulawdec",
			server.AudioPCMA: "audio/x-alaw,rate=8000,channels=1 ! alawdec"}[a.typ]
		p := fmt.Sprintf("filesrc location=%s ! %s ! filesink location=%s", f.Name(), caps, rawPath)
		if _, err := run(ctx, "gst-launch-1.0", append([]string{"-q"}, strings.Fields(p)...)...); err != nil {
			return refMap{}, err
		}
		raw, err := os.ReadFile(rawPath)
		if err != nil {
			return refMap{}, err
		}
		hashes = chunkHashes(raw, 2*a.samples, md5Hex)
	default: // gstreamer, frames
		var chain, sink string
		if v != nil {
			sink = "hash=sha1"
			chain = map[server.VideoType]string{server.VideoH264: "h264parse ! avdec_h264",
				server.VideoH265: "h265parse ! avdec_h265", server.VideoMJPEG: "jpegparse ! jpegdec"}[v.codec]
		} else {
			sink = "hash=md5"
			chain = "aacparse ! avdec_aac"
		}
		p := fmt.Sprintf("filesrc location=%s ! %s ! checksumsink %s sync=false", f.Name(), chain, sink)
		out, err := run(ctx, "gst-launch-1.0", append([]string{"-q"}, strings.Fields(p)...)...)
		if err != nil {
			return refMap{}, err
		}
		var ls []line
		for _, l := range strings.Split(string(out), "\n") {
			ls = append(ls, line{text: l})
		}
		obs := parseGst(ls, "")
		so := obs.video
		if v == nil {
			so = obs.audio
		}
		if so == nil {
			return refMap{}, fmt.Errorf("gstreamer decoded nothing from %s", f.Name())
		}
		for _, u := range so.units {
			hashes = append(hashes, u.hash)
		}
	}
	return makeRef(hashes, len(units)), nil
}

// makeRef indexes the checksums of two decoded loops. When the decoder
// output fewer units than were fed (a decoder that drops leading frames),
// the checksums are aligned on the end of the second loop.
func makeRef(hashes []string, loop int) refMap {
	r := refMap{idx: map[string]int{}, loop: loop, units: len(hashes)}
	shift := 2*loop - len(hashes)
	ambiguous := map[string]bool{}
	for k, h := range hashes {
		i := (k + shift) % loop
		if i < 0 {
			continue
		}
		if j, ok := r.idx[h]; ok && j != i {
			ambiguous[h] = true
		}
		r.idx[h] = i
	}
	for h := range ambiguous {
		delete(r.idx, h)
	}
	return r
}

func chunkHashes(raw []byte, size int, h func([]byte) string) []string {
	var out []string
	for len(raw) >= size {
		out = append(out, h(raw[:size]))
		raw = raw[size:]
	}
	return out
}

// adler32Zero is Adler-32 seeded with 0 instead of 1, printed as FFmpeg's
// framecrc muxer does (it calls av_adler32_update(0, ...)).
func adler32Zero(b []byte) string {
	var s1, s2 uint32
	for _, c := range b {
		s1 = (s1 + uint32(c)) % 65521
		s2 = (s2 + s1) % 65521
	}
	return fmt.Sprintf("0x%08x", s2<<16|s1)
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// refDir is where references are built: one folder for the whole run.
var refDirUsed atomic.Bool

func refDirMade() bool { return refDirUsed.Load() }

var refDir = sync.OnceValue(func() string {
	refDirUsed.Store(true)
	d, err := os.MkdirTemp("", "rtspkit-conformance-ref-")
	if err != nil {
		return os.TempDir()
	}
	_ = os.Chmod(d, 0o755) // VLC, running as nobody, writes below it
	return filepath.Clean(d)
})
