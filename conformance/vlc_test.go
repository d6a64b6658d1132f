//go:build linux

package conformance

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// VLC (Debian packages vlc-bin, vlc-plugin-base).
//
// Debian builds VLC 3.0 with --disable-live555, so it has no RTSP client of
// its own: an rtsp:// URL goes to the SAT>IP access module, which sends a
// SETUP on the presentation URL and then a PLAY on "stream=N" and expects
// MPEG-TS, then to the RealNetworks module, which only talks to Real
// servers. The vlc/rtsp cells assert exactly that outcome (status
// "cannot"), and fail if a future VLC gains live555, so that they get
// turned into real playback cells.
//
// VLC's own RTP input (rtp://) does work without live555 for payload types
// with a static mapping (RFC 3551): the vlc/rtp cells have the suite set the
// audio track up over RTSP to a UDP port VLC listens on, and check that
// VLC decodes the G.711 stream sample for sample. Dynamic payload types
// (H.264, H.265, AAC: 96, 97) need an SDP, which without live555 VLC only
// passes to libavformat; that is ffmpeg's stack, not VLC's, so those cells
// assert VLC's refusal of the bare RTP stream. VLC refuses to run as root:
// it runs as nobody (runuser).

// vlcArgs runs cvlc as nobody with no interface and dummy outputs.
func vlcArgs(args ...string) []string {
	base := []string{"-u", "nobody", "--", "cvlc", "-vv", "--intf", "dummy", "--no-inhibit",
		"--play-and-exit", "--no-video-title-show"}
	return append(base, args...)
}

// vlcBuild checks once how VLC was built: whether it has live555.
var vlcBuild = sync.OnceValues(func() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := run(ctx, "runuser", "-u", "nobody", "--", "cvlc", "--list")
	if err != nil {
		return "", err
	}
	return string(out), nil
})

var (
	vlcConfigure = regexp.MustCompile(`configured with \./configure.*`)
	vlcSatip     = regexp.MustCompile(`satip stream error: (Failed to (?:setup|play) RTSP session)`)
)

// vlcRTSPCell asserts the exact failure of Debian's VLC on our rtsp:// URL.
func vlcRTSPCell(ctx context.Context, res *Result, r row, v *videoSource, a *audioSource) {
	list, err := vlcBuild()
	if err != nil {
		problemf(res, "cvlc --list: %v", err)
		return
	}
	env, err := newEnv(r, v, a, envOpts{})
	if err != nil {
		problemf(res, "server: %v", err)
		return
	}
	defer env.close()
	env.warmUp()
	p, err := startProc(ctx, "runuser", vlcArgs("--run-time", "4", "--vout", "dummy", "--aout", "dummy", env.url)...)
	if err != nil {
		problemf(res, "cvlc: %v", err)
		return
	}
	_, exited := p.wait(30 * time.Second)
	log := p.stderrText()
	for _, l := range p.snapshot() {
		log += l.text + "\n"
	}
	if !exited {
		problemf(res, "cvlc did not exit: %s", p.killedReport("cvlc --run-time 4 to give up on the rtsp:// URL and exit (limit 30s)"))
	}
	conf := vlcConfigure.FindString(log)
	hasLive := regexp.MustCompile(`(?m)^\s+live555\s`).MatchString(list) || (conf != "" && !strings.Contains(conf, "'--disable-live555'"))
	if hasLive {
		problemf(res, "this VLC has live555 (an RTSP client): turn the vlc cells into playback cells")
		return
	}
	satip := vlcSatip.FindStringSubmatch(log)
	wants := []string{
		"access_realrtsp stream warning: only real/helix rtsp servers supported for now",
		"main input error: VLC is unable to open the MRL '" + env.url + "'",
	}
	var missing []string
	if satip == nil {
		missing = append(missing, "satip stream error: Failed to setup/play RTSP session")
	}
	for _, w := range wants {
		if !strings.Contains(log, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		problemf(res, "VLC did not fail the known way; missing %q; log tail: %s", missing, tail(log, 800))
		return
	}
	res.Status = Cannot
	detailf(res, "Debian's VLC 3.0 is built with --disable-live555: SAT>IP module: %q, RealRTSP module: \"only real/helix rtsp servers supported\", \"VLC is unable to open the MRL\"", satip[1])
}

// vlcPortBase numbers the UDP ports VLC listens on.
var vlcPortBase atomic.Int32

// vlcRTPCell plays one track with VLC's own RTP input.
func vlcRTPCell(ctx context.Context, res *Result, r row, v *videoSource, a *audioSource) {
	env, err := newEnv(r, v, a, envOpts{})
	if err != nil {
		problemf(res, "server: %v", err)
		return
	}
	defer env.close()
	env.warmUp()
	port, err := freeUDPPair(44000 + 20*int(vlcPortBase.Add(1)%90))
	if err != nil {
		problemf(res, "%v", err)
		return
	}
	g711 := a != nil && (a.typ == server.AudioPCMU || a.typ == server.AudioPCMA)
	track, runTime := "trackID=0", 3
	if g711 {
		track, runTime = "trackID=1", 7
	}
	dir, err := os.MkdirTemp(refDir(), "vlc-")
	if err != nil {
		problemf(res, "%v", err)
		return
	}
	_ = os.Chmod(dir, 0o777) // VLC runs as nobody
	wav := filepath.Join(dir, "vlc.wav")
	args := []string{"--run-time", fmt.Sprint(runTime), "--vout", "dummy"}
	if g711 {
		args = append(args, "--no-video", "--aout", "afile", "--audiofile-file", wav)
	} else {
		args = append(args, "--aout", "dummy")
	}
	args = append(args, fmt.Sprintf("rtp://@127.0.0.1:%d", port))
	p, err := startProc(ctx, "runuser", vlcArgs(args...)...)
	if err != nil {
		problemf(res, "cvlc: %v", err)
		return
	}
	// Wait for VLC to listen before the server sends.
	for i := 0; i < 100 && !udpPortBound(port); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	c, err := dialRTSP(fmt.Sprintf("127.0.0.1:%d", env.rtspPort()))
	if err != nil {
		problemf(res, "rtsp: %v", err)
		return
	}
	defer c.close()
	if _, err := c.describe(env.url); err != nil {
		problemf(res, "%v", err)
		return
	}
	if err := c.setupUDP(env.url+"/"+track, port); err != nil {
		problemf(res, "%v", err)
		return
	}
	playAt := time.Now()
	if err := c.play(env.url); err != nil {
		problemf(res, "%v", err)
		return
	}
	// --run-time does not end an rtp:// input: stop VLC with SIGTERM, which
	// it handles by closing its outputs (the WAV file is complete then).
	select {
	case <-p.done:
	case <-time.After(time.Duration(runTime) * time.Second):
	}
	p.signal(syscall.SIGTERM)
	_, exited := p.wait(15 * time.Second)
	log := p.stderrText()
	if !exited {
		problemf(res, "cvlc did not exit on SIGTERM: %s", p.killedReport("cvlc to close its outputs and exit after SIGTERM (limit 15s)"))
	}
	if !g711 {
		pt := 96
		if v.codec == server.VideoMJPEG {
			pt = 26
		}
		want := fmt.Sprintf("A description in SDP format is required to receive the RTP stream. Note that rtp:// URIs cannot work with dynamic RTP payload format (%d).", pt)
		if v.codec == server.VideoMJPEG {
			want = "unspecified payload format (type 26)"
		}
		if !strings.Contains(log, want) {
			problemf(res, "VLC did not refuse the stream the known way (%q); log tail: %s", want, tail(log, 800))
			return
		}
		res.Status = Cannot
		detailf(res, "VLC's RTP input without live555: %q", want)
		return
	}
	checkVLCWav(res, wav, a, time.Since(playAt))
}

// checkVLCWav compares the samples VLC wrote with what ffmpeg decodes from
// the source: the same G.711 expansion (ITU-T G.711 tables) must give the
// same 16-bit samples, so every 20 ms packet is found in order.
func checkVLCWav(res *Result, wav string, a *audioSource, played time.Duration) {
	b, err := os.ReadFile(wav)
	if err != nil {
		problemf(res, "VLC wrote no audio: %v", err)
		return
	}
	rate, ch, bits, data, err := parseWav(b)
	if err != nil {
		problemf(res, "VLC's WAV: %v", err)
		return
	}
	if rate != a.rate || ch != a.channels || bits != 16 {
		problemf(res, "VLC decoded %d Hz %d ch %d bit, source %d Hz %d ch", rate, ch, bits, a.rate, a.channels)
		return
	}
	ref, err := g711Reference(a)
	if err != nil {
		problemf(res, "reference: %v", err)
		return
	}
	// Find every 20 ms packet of the reference in VLC's output: VLC may
	// start mid-packet and insert silence, so search for each chunk at
	// sample alignment.
	chunk := 2 * a.samples
	pos := map[string]int{}
	for i := 0; i+chunk <= len(ref); i += chunk {
		pos[string(ref[i:i+chunk])] = i / chunk
	}
	matched, prev, inOrder := 0, -1, 0
	for off := 0; off+chunk <= len(data); {
		if i, ok := pos[string(data[off:off+chunk])]; ok {
			matched++
			if prev >= 0 && i == (prev+1)%len(a.units) {
				inOrder++
			}
			prev = i
			off += chunk
			continue
		}
		off += 2
	}
	decoded := len(data) / chunk
	res.Audio = fmt.Sprintf("%d/%d", matched, decoded)
	detailf(res, "VLC's RTP input decoded %.2f s of %s; %d packets found in the source, %d in sequence",
		float64(len(data))/2/float64(rate), a.gstCaps, matched, inOrder)
	if matched < 100 {
		problemf(res, "only %d source packets found in VLC's output", matched)
	}
	if inOrder < matched*95/100 {
		problemf(res, "VLC's packets out of sequence: %d of %d follow their predecessor", inOrder, matched)
	}
}

// g711Reference is ffmpeg's decoding of one loop of a G.711 source.
func g711Reference(a *audioSource) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := map[server.AudioType]string{server.AudioPCMU: "mulaw", server.AudioPCMA: "alaw"}[a.typ]
	return run(ctx, "ffmpeg", "-nostdin", "-v", "error", "-f", f, "-sample_rate", "8000", "-i",
		filepath.Join("..", "testdata", a.file), "-f", "s16le", "-")
}

// parseWav reads a PCM WAV file's format and data.
func parseWav(b []byte) (rate, channels, bits int, data []byte, err error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, 0, 0, nil, errors.New("not a WAV file")
	}
	b = b[12:]
	for len(b) >= 8 {
		id, n := string(b[:4]), int(binary.LittleEndian.Uint32(b[4:8]))
		b = b[8:]
		if n > len(b) || n < 0 {
			n = len(b) // VLC stops writing without fixing the sizes
		}
		switch id {
		case "fmt ":
			if n < 16 {
				return 0, 0, 0, nil, errors.New("short fmt chunk")
			}
			channels = int(binary.LittleEndian.Uint16(b[2:4]))
			rate = int(binary.LittleEndian.Uint32(b[4:8]))
			bits = int(binary.LittleEndian.Uint16(b[14:16]))
		case "data":
			return rate, channels, bits, b[:n], nil
		}
		b = b[n+n%2:]
	}
	return 0, 0, 0, nil, errors.New("no data chunk")
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
