//go:build linux

package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// DESCRIBE against ffmpeg's SDP parser, per codec. The SDP the server
// answers is checked two ways:
//
//   - field by field against values the suite derives from the sample
//     files itself: rtpmap, payload type, profile-level-id and
//     sprop-parameter-sets (RFC 6184 §8.1), profile-id, level-id and
//     sprop-vps/sps/pps (RFC 7798 §7.1), the AAC config and mode
//     parameters (RFC 3640 §4.1, §3.3.6), the static types of G.711 and
//     JPEG (RFC 3551 §6), a control URL per track (RFC 2326 §C.1.1);
//   - by ffmpeg's SDP demuxer: the body goes into a .sdp file unchanged
//     but for the m= ports and the c= address, which point at ports the
//     suite then has the server send to (SETUP over UDP on the same
//     ports, PLAY). ffprobe reads that file with -v warning: no line may
//     draw a warning, and the codec, profile, picture size, sample rate,
//     channels and codec configuration it gets (from the SDP alone, and
//     the packets) must be the source's.

// sdpRows are the codecs, each once.
var sdpRows = []row{
	{video: "h264-main", mode: careful},
	{video: "h264-high", mode: careful},
	{video: "h264-high-4slices", mode: careful},
	{video: "h265-main", mode: careful},
	{video: "mjpeg", mode: careful},
	{video: "h264-main", audio: "aac-mono48", mode: careful},
	{video: "h264-main", audio: "aac-stereo44", mode: careful},
	{video: "h264-main", audio: "pcmu", mode: careful},
	{video: "h264-main", audio: "pcma", mode: careful},
}

// TestDescribe runs the SDP cells.
func TestDescribe(t *testing.T) {
	require.NoError(t, loadSources())
	if testing.Short() {
		t.Skip("plays streams for seconds; not in -short")
	}
	var tasks []task
	for _, r := range sdpRows {
		r := r
		tasks = append(tasks, task{
			res: Result{Media: "sdp: " + strings.TrimSuffix(r.label(), " careful"), Player: "ffprobe", Transport: "sdp-file"},
			pre: func(t *testing.T) { needTool(t, "ffprobe", "ffmpeg") },
			row: r,
			fn:  func(ctx context.Context, t *testing.T, res *Result) { describeCell(ctx, res, r) },
		})
	}
	tasks, _ = filterTasks(tasks)
	runTasks(t, tasks)
}

var sdpPortBase atomic.Int32

func describeCell(ctx context.Context, res *Result, r row) {
	v := videos[r.video]
	var a *audioSource
	if r.audio != "" {
		a = audios[r.audio]
	}
	env, err := newEnv(r, v, a, envOpts{})
	if err != nil {
		problemf(res, "server: %v", err)
		return
	}
	defer env.close()
	env.warmUp()
	c, err := dialRTSP(fmt.Sprintf("127.0.0.1:%d", env.rtspPort()))
	if err != nil {
		problemf(res, "rtsp: %v", err)
		return
	}
	defer c.close()
	code, hdr, body, err := c.do("DESCRIBE", env.url, "Accept: application/sdp")
	if err != nil || code != 200 {
		problemf(res, "DESCRIBE: %d %v", code, err)
		return
	}
	if ct := hdr.Get("Content-Type"); ct != "application/sdp" {
		problemf(res, "DESCRIBE Content-Type %q", ct)
	}
	if cb := hdr.Get("Content-Base"); cb != env.url+"/" {
		problemf(res, "DESCRIBE Content-Base %q, want %q", cb, env.url+"/")
	}
	media := splitSDP(string(body))
	checkSDPFields(res, media, v, a)

	// ffmpeg's SDP demuxer on the same text.
	port, err := freeUDPPair(52000 + 40*int(sdpPortBase.Add(1)%40))
	if err != nil {
		problemf(res, "%v", err)
		return
	}
	ports := []int{port, port + 2}
	for i := 1; i < len(media); i++ {
		if !udpFree(ports[i-1]) || !udpFree(ports[i-1]+1) {
			problemf(res, "port %d taken", ports[i-1])
			return
		}
	}
	sdpText := rewriteSDPForFile(string(body), ports)
	dir, err := os.MkdirTemp(refDir(), "sdp-")
	if err != nil {
		problemf(res, "%v", err)
		return
	}
	file := filepath.Join(dir, "describe.sdp")
	if err := os.WriteFile(file, []byte(sdpText), 0o644); err != nil {
		problemf(res, "%v", err)
		return
	}
	type probeOut struct {
		obs *playerObs
		err error
	}
	done := make(chan probeOut, 1)
	go func() {
		obs, err := runFFprobeWarn(ctx, file)
		done <- probeOut{obs, err}
	}()
	// ffprobe binds the m= ports; then the server may send to them.
	for i := 0; i < 200 && !udpPortBound(ports[0]); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	for i := 1; i < len(media); i++ {
		ctrl := media[i].attr("control")
		if err := c.setupUDP(env.url+"/"+ctrl, ports[i-1]); err != nil {
			problemf(res, "%v", err)
			return
		}
	}
	if err := c.play(env.url); err != nil {
		problemf(res, "%v", err)
		return
	}
	out := <-done
	if out.err != nil {
		problemf(res, "ffprobe: %v", out.err)
		return
	}
	checkExitAndComplaints(res, out.obs, "ffprobe on the DESCRIBE SDP")
	checkParams(res, out.obs, v, a, "ffprobe")
	if out.obs.video != nil {
		detailf(res, "ffmpeg's SDP parser: %s %s %dx%d", out.obs.video.codec, out.obs.video.profile, out.obs.video.width, out.obs.video.height)
	}
	if out.obs.audio != nil {
		detailf(res, "%s %s %d Hz %d ch", out.obs.audio.codec, out.obs.audio.profile, out.obs.audio.rate, out.obs.audio.channels)
	}
}

// runFFprobeWarn probes an SDP file at -v warning: ffmpeg warns about SDP
// lines it cannot use, and any line fails the cell.
func runFFprobeWarn(ctx context.Context, file string) (*playerObs, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	obs, err := runFFprobe(ctx, file, "", "-protocol_whitelist", "file,udp,rtp", "-analyzeduration", "3000000")
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// sdpMedia is the session part (index 0) or one media description.
type sdpMedia struct {
	m     string   // the m= line ("" for the session part)
	lines []string // every line of the part
}

func (s sdpMedia) attr(name string) string {
	for _, l := range s.lines {
		if v, ok := strings.CutPrefix(l, "a="+name+":"); ok {
			return v
		}
	}
	return ""
}

func splitSDP(body string) []sdpMedia {
	parts := []sdpMedia{{}}
	for _, l := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if l == "" {
			continue
		}
		if strings.HasPrefix(l, "m=") {
			parts = append(parts, sdpMedia{m: l})
		}
		parts[len(parts)-1].lines = append(parts[len(parts)-1].lines, l)
	}
	return parts
}

// rewriteSDPForFile points the m= lines at ports and the c= lines at
// 127.0.0.1, and changes nothing else.
func rewriteSDPForFile(body string, ports []int) string {
	var out []string
	k := 0
	for _, l := range strings.Split(body, "\r\n") {
		switch {
		case strings.HasPrefix(l, "m="):
			f := strings.Fields(l)
			if len(f) > 1 && k < len(ports) {
				f[1] = strconv.Itoa(ports[k])
				k++
			}
			l = strings.Join(f, " ")
		case strings.HasPrefix(l, "c="):
			l = "c=IN IP4 127.0.0.1"
		}
		out = append(out, l)
	}
	return strings.Join(out, "\r\n")
}

func udpFree(port int) bool { return !udpPortBound(port) }

// checkSDPFields checks the SDP against values derived from the files.
func checkSDPFields(res *Result, media []sdpMedia, v *videoSource, a *audioSource) {
	want := 2
	if a != nil {
		want = 3
	}
	if len(media) != want {
		problemf(res, "SDP has %d media descriptions, want %d", len(media)-1, want-1)
		return
	}
	sess := media[0]
	for _, p := range []string{"v=0", "o=", "s=", "t="} {
		found := false
		for _, l := range sess.lines {
			found = found || strings.HasPrefix(l, p)
		}
		if !found {
			problemf(res, "SDP session part lacks %s (RFC 8866 §5)", p)
		}
	}
	vm := media[1]
	ctrl := map[string]bool{}
	for _, m := range media[1:] {
		c := m.attr("control")
		if c == "" || ctrl[c] {
			problemf(res, "media %q: missing or repeated a=control", m.m)
		}
		ctrl[c] = true
	}
	switch v.codec {
	case server.VideoH264:
		checkMLine(res, vm, "video", "96", "96 H264/90000")
		sps, pps := firstParamSets(v, false)
		fm := fmtpParams(vm.attr("fmtp"))
		if fm["packetization-mode"] != "1" {
			problemf(res, "H.264 packetization-mode %q, want 1", fm["packetization-mode"])
		}
		if want := hex.EncodeToString(sps[1:4]); !strings.EqualFold(fm["profile-level-id"], want) {
			problemf(res, "H.264 profile-level-id %q, want %s (SPS bytes 1-3, RFC 6184 §8.1)", fm["profile-level-id"], want)
		}
		checkSprop(res, "sprop-parameter-sets", fm["sprop-parameter-sets"], sps, pps)
	case server.VideoH265:
		checkMLine(res, vm, "video", "96", "96 H265/90000")
		vps, sps, pps := firstH265ParamSets(v)
		fm := fmtpParams(vm.attr("fmtp"))
		checkSprop(res, "sprop-vps", fm["sprop-vps"], vps)
		checkSprop(res, "sprop-sps", fm["sprop-sps"], sps)
		checkSprop(res, "sprop-pps", fm["sprop-pps"], pps)
		// general_profile_idc and general_level_idc of the SPS's
		// profile_tier_level (H.265 §7.3.3), on the RBSP.
		rbsp := removeEPB(sps[2:])
		if len(rbsp) > 12 {
			if p := fm["profile-id"]; p != "" && p != strconv.Itoa(int(rbsp[1]&0x1f)) {
				problemf(res, "H.265 profile-id %q, SPS says %d", p, rbsp[1]&0x1f)
			}
			if l := fm["level-id"]; l != "" && l != strconv.Itoa(int(rbsp[12])) {
				problemf(res, "H.265 level-id %q, SPS says %d", l, rbsp[12])
			}
		}
	case server.VideoMJPEG:
		checkMLine(res, vm, "video", "26", "26 JPEG/90000")
	}
	if a == nil {
		return
	}
	am := media[2]
	switch a.typ {
	case server.AudioPCMU:
		checkMLine(res, am, "audio", "0", "0 PCMU/8000")
	case server.AudioPCMA:
		checkMLine(res, am, "audio", "8", "8 PCMA/8000")
	case server.AudioAAC:
		rtpmap := fmt.Sprintf("97 mpeg4-generic/%d/%d", a.rate, a.channels)
		checkMLine(res, am, "audio", "97", rtpmap)
		fm := fmtpParams(am.attr("fmtp"))
		h := a.units[0]
		objectType := int(h[2]>>6) + 1 // ADTS profile + 1 (ISO/IEC 14496-3 §1.A.2.2)
		freqIdx := int(h[2]>>2) & 0xf
		chanCfg := int(h[2]&1)<<2 | int(h[3]>>6)
		asc := objectType<<11 | freqIdx<<7 | chanCfg<<3 // AudioSpecificConfig, §1.6.2.1
		wantFmtp := map[string]string{"streamtype": "5", "mode": "AAC-hbr", "sizelength": "13",
			"indexlength": "3", "indexdeltalength": "3", "config": fmt.Sprintf("%04x", asc), "profile-level-id": "41"}
		for k, w := range wantFmtp {
			if !strings.EqualFold(fm[strings.ToLower(k)], w) {
				problemf(res, "AAC fmtp %s=%q, want %q (RFC 3640)", k, fm[strings.ToLower(k)], w)
			}
		}
	}
}

func checkMLine(res *Result, m sdpMedia, kind, pt, rtpmap string) {
	f := strings.Fields(m.m)
	if len(f) != 4 || f[0] != "m="+kind || f[2] != "RTP/AVP" || f[3] != pt {
		problemf(res, "m= line %q, want %s with RTP/AVP payload type %s", m.m, kind, pt)
	}
	if got := m.attr("rtpmap"); got != rtpmap {
		problemf(res, "a=rtpmap:%s, want %s", got, rtpmap)
	}
}

func fmtpParams(fmtp string) map[string]string {
	out := map[string]string{}
	_, params, _ := strings.Cut(fmtp, " ")
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if k != "" {
			out[strings.ToLower(k)] = v
		}
	}
	return out
}

func checkSprop(res *Result, name, val string, nals ...[]byte) {
	parts := strings.Split(val, ",")
	if val == "" || len(parts) != len(nals) {
		problemf(res, "%s %q: want %d NAL units", name, val, len(nals))
		return
	}
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil || !bytes.Equal(b, nals[i]) {
			problemf(res, "%s entry %d is not the stream's parameter set (%v)", name, i, err)
		}
	}
}

var startCode = regexp.MustCompile(`^\x00{2,3}\x01`)

func stripStartCode(n []byte) []byte { return n[len(startCode.Find(n)):] }

func firstParamSets(v *videoSource, _ bool) (sps, pps []byte) {
	for _, n := range v.nals[0] {
		switch nalType(n, false) {
		case 7:
			sps = stripStartCode(n)
		case 8:
			pps = stripStartCode(n)
		}
	}
	return sps, pps
}

func firstH265ParamSets(v *videoSource) (vps, sps, pps []byte) {
	for _, n := range v.nals[0] {
		switch nalType(n, true) {
		case 32:
			vps = stripStartCode(n)
		case 33:
			sps = stripStartCode(n)
		case 34:
			pps = stripStartCode(n)
		}
	}
	return vps, sps, pps
}

// removeEPB drops emulation prevention bytes (00 00 03 -> 00 00).
func removeEPB(b []byte) []byte {
	var out []byte
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
