//go:build linux

package conformance

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/server"
	"github.com/stretchr/testify/require"
)

// Wire checks with tshark (Debian package tshark): one UDP and one TCP
// session of an H.264 + AAC stream, captured on lo while ffmpeg plays it,
// then dissected by Wireshark:
//
//   - no malformed RTSP, SDP, RTP or RTCP packet and no expert error;
//   - per RTP stream: sequence numbers consecutive with no duplicate, one
//     timestamp per access unit, the marker on its last packet, access
//     units with increasing timestamps (RFC 6184 §5.1, RFC 3550 §5.1), audio
//     timestamps advancing by exactly the samples of each packet (RFC 3551
//     §4.2), and for UDP, tshark's own RTP stream analysis without loss or
//     problem flag (its analysis miscounts several RTP packets per TCP
//     segment, so over TCP the suite's own sequence check stands alone);
//   - RTCP sender reports (RFC 3550 §6.4.1): consecutive reports of a
//     stream agree with its clock rate, and the reports of audio and video
//     map their packets onto one wall clock: the packets' arrival times,
//     predicted from the latest report, agree between the two streams.
//
// The capture filter takes the session's RTSP port and the server's UDP
// port range, so the parallel cells stay out of it.

var dumpcapDrops = regexp.MustCompile(`received/dropped on interface '[^']*': \d+/(\d+)`)

// captureRow is the stream captured over UDP and TCP; stallRow, captured
// over TCP, shows on the wire what a board that stalls does to timestamps.
var (
	captureRow = row{video: "h264-main", audio: "aac-mono48", mode: careful}
	stallRow   = row{video: "h264-main", audio: "pcmu", mode: board, stall: 300 * time.Millisecond}
)

// TestCapture runs the two capture cells.
func TestCapture(t *testing.T) {
	require.NoError(t, loadSources())
	if testing.Short() {
		t.Skip("plays streams for seconds; not in -short")
	}
	pre := func(t *testing.T) {
		needTool(t, "ffmpeg", "ffmpeg")
		needTool(t, "tshark", "tshark")
		needTool(t, "dumpcap", "tshark")
		if os.Geteuid() != 0 {
			msg := "capturing on lo needs root (or dumpcap's capabilities)"
			if requirePlayers() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	var tasks []task
	for _, c := range []struct {
		r  row
		tr string
	}{{captureRow, "udp"}, {captureRow, "tcp"}, {stallRow, "tcp"}} {
		c := c
		tasks = append(tasks, task{
			res: Result{Media: "capture: " + c.r.label(), Player: "tshark", Transport: c.tr},
			pre: pre, row: c.r,
			fn: func(ctx context.Context, t *testing.T, res *Result) { captureCell(ctx, res, c.r, c.tr) },
		})
	}
	tasks, _ = filterTasks(tasks)
	runTasks(t, tasks)
}

func captureCell(ctx context.Context, res *Result, r row, transport string) {
	v, a := videos[r.video], audios[r.audio]
	env, err := newEnv(r, v, a, envOpts{})
	if err != nil {
		problemf(res, "server: %v", err)
		return
	}
	defer env.close()
	env.warmUp()
	dir, err := os.MkdirTemp(refDir(), "capture-")
	if err != nil {
		problemf(res, "%v", err)
		return
	}
	file := filepath.Join(dir, "session.pcapng")
	port := env.rtspPort()
	filter := fmt.Sprintf("tcp port %d or udp portrange %d-%d", port, env.udpLo, env.udpHi)
	// A 64 MiB kernel buffer: the machine is busy with the other cells.
	dc := exec.CommandContext(ctx, "dumpcap", "-i", "lo", "-B", "64", "-f", filter, "-w", file)
	var dcErr strings.Builder
	dc.Stderr = &dcErr
	if err := dc.Start(); err != nil {
		problemf(res, "dumpcap: %v", err)
		return
	}
	// dumpcap writes the file header once it captures.
	for i := 0; i < 100; i++ {
		if st, err := os.Stat(file); err == nil && st.Size() > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	obs, err := runFFmpeg(ctx, env, transport, 4*time.Second)
	time.Sleep(300 * time.Millisecond)
	if !interruptWithin(dc, 10*time.Second) {
		problemf(res, "dumpcap did not stop within 10s of SIGINT (killed); stderr: %q", lastLines(dcErr.String(), 5))
	}
	if err != nil {
		problemf(res, "ffmpeg: %v", err)
		return
	}
	// "Packets received/dropped on interface 'lo': 812/0 (pcap:0/dumpcap:0/flushed:0/...)"
	if m := dumpcapDrops.FindStringSubmatch(dcErr.String()); m != nil && m[1] != "0" {
		problemf(res, "dumpcap dropped %s packets: the capture is incomplete (a busy machine, not the server)", m[1])
	}
	checkExitAndComplaints(res, obs, "ffmpeg")
	decode := []string{"-d", fmt.Sprintf("tcp.port==%d,rtsp", port)}
	tshark := func(args ...string) ([]string, error) {
		out, err := run(ctx, "tshark", append(append([]string{"-r", file}, decode...), args...)...)
		if err != nil {
			return nil, err
		}
		return nonEmptyLines(string(out)), nil
	}
	// Malformed packets and expert errors.
	bad, err := tshark("-Y", `_ws.malformed || _ws.expert.severity >= "Error"`, "-T", "fields",
		"-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info")
	if err != nil {
		problemf(res, "tshark: %v", err)
		return
	}
	for _, l := range bad {
		f := strings.SplitN(l, "\t", 3)
		if len(f) == 3 && strings.Contains(f[1], "SDP") {
			why, err := sdpSPSFalsePositive(ctx, file, decode, f[0])
			if err == nil && why != "" {
				detailf(res, "%s", why)
				continue
			}
		}
		problemf(res, "tshark flags frame %s", strings.ReplaceAll(l, "\t", " "))
	}
	// Something of each protocol was dissected.
	for _, proto := range []string{"rtsp.request", "rtp", "rtcp.pt == 200"} {
		n, err := tshark("-Y", proto, "-T", "fields", "-e", "frame.number")
		if err != nil || len(n) == 0 {
			problemf(res, "no %s dissected (%v)", proto, err)
		}
	}
	// Only what the server sent: players send RTP too (ffmpeg sends an
	// empty packet to each server port to open NATs).
	fromServer := fmt.Sprintf("(tcp.srcport == %d or (udp.srcport >= %d and udp.srcport <= %d))", port, env.udpLo, env.udpHi)
	rtpLines, err := tshark("-Y", "rtp and "+fromServer, "-T", "fields", "-E", "occurrence=a",
		"-e", "frame.time_epoch", "-e", "rtp.ssrc", "-e", "rtp.p_type", "-e", "rtp.seq", "-e", "rtp.timestamp", "-e", "rtp.marker")
	if err != nil {
		problemf(res, "tshark: %v", err)
		return
	}
	srLines, err := tshark("-Y", "rtcp.pt == 200 and "+fromServer, "-T", "fields", "-E", "occurrence=a",
		"-e", "frame.time_epoch", "-e", "rtcp.senderssrc", "-e", "rtcp.timestamp.ntp.msw", "-e", "rtcp.timestamp.ntp.lsw", "-e", "rtcp.timestamp.rtp")
	if err != nil {
		problemf(res, "tshark: %v", err)
		return
	}
	if d := os.Getenv(envDump); d != "" {
		_ = os.MkdirAll(d, 0o755)
		if b, err := os.ReadFile(file); err == nil {
			_ = os.WriteFile(filepath.Join(d, env.name+"-capture-"+transport+".pcapng"), b, 0o644)
		}
	}
	streams := parseRTPFields(rtpLines)
	gso := 0
	if transport == "udp" {
		// With UDP GSO the server hands the kernel runs of equal-size
		// packets as one datagram, which lo's capture point sees before the
		// kernel segments it: parse the payloads here, cutting those.
		udpLines, err := tshark("-Y", "udp and "+fromServer, "-T", "fields", "-e", "frame.time_epoch", "-e", "udp.payload")
		if err != nil {
			problemf(res, "tshark: %v", err)
			return
		}
		streams, gso = parseRTPFromUDP(udpLines)
		if gso > 0 {
			detailf(res, "%d UDP GSO super-datagrams cut into RTP packets (lo's capture sees them before segmentation)", gso)
		}
	}
	srs := parseSRFields(srLines)
	apt := map[server.AudioType]int{server.AudioPCMU: 0, server.AudioPCMA: 8, server.AudioAAC: 97}[a.typ]
	rates := map[int]float64{96: 90000, apt: float64(a.rate)}
	vp, ap := 0, 0
	for _, s := range streams {
		rate := rates[s.pt]
		if rate == 0 {
			problemf(res, "RTP payload type %d not in the SDP", s.pt)
			continue
		}
		kind := "audio"
		if s.pt == 96 {
			kind = "video"
		}
		for _, p := range checkRTPStream(s, rate, a.samples) {
			problemf(res, "RTP %s (ssrc %08x): %s", kind, s.ssrc, p)
		}
		if s.pt == 96 {
			vp = len(s.pkts)
		} else {
			ap = len(s.pkts)
		}
	}
	res.Video = fmt.Sprintf("%d pkts", vp)
	res.Audio = fmt.Sprintf("%d pkts", ap)
	if len(streams) != 2 {
		problemf(res, "%d RTP streams captured, want 2", len(streams))
	}
	sync, problems := checkSenderReports(streams, srs, rates, apt)
	for _, p := range problems {
		problemf(res, "RTCP: %s", p)
	}
	if sync != "" {
		detailf(res, "%s", sync)
	}
	if transport == "udp" && gso == 0 {
		// tshark's own analysis, when every datagram is one RTP packet.
		st, err := tshark("-q", "-z", "rtp,streams", "-Y", fromServer)
		if err != nil {
			problemf(res, "tshark: %v", err)
			return
		}
		n := 0
		for _, l := range st {
			f := strings.Fields(l)
			if len(f) < 12 || !strings.HasPrefix(f[6], "0x") {
				continue
			}
			if sp, _ := strconv.Atoi(f[3]); sp < env.udpLo || sp > env.udpHi {
				continue // the player's packets
			}
			n++
			// ... Pkts Lost (pct) ... Problems?
			if f[len(f)-1] == "X" {
				problemf(res, "tshark's RTP analysis flags a problem: %s", strings.Join(f, " "))
			}
			if f[9] != "0" {
				problemf(res, "tshark's RTP analysis counts %s lost: %s", f[9], strings.Join(f, " "))
			}
		}
		if n != 2 {
			problemf(res, "tshark's RTP analysis lists %d streams, want 2", n)
		}
	}
}

// sdpSPSFalsePositive explains a malformed SDP when the cause is
// Wireshark's H.264 dissector reading the SPS of sprop-parameter-sets
// without removing its emulation prevention bytes: RFC 6184 §8.1 carries
// the NAL unit as it is in the stream, 0x000003 included (ffmpeg's own RTP
// muxer writes the same value for this stream), and Wireshark 4.0 then
// reads fields past the end. Anything else is not explained ("").
func sdpSPSFalsePositive(ctx context.Context, file string, decode []string, frame string) (string, error) {
	out, err := run(ctx, "tshark", append(append([]string{"-r", file}, decode...), "-V", "-Y", "frame.number=="+frame)...)
	if err != nil {
		return "", err
	}
	txt := string(out)
	i := strings.Index(txt, "NAL unit 1 string")
	j := strings.Index(txt, "NAL unit 2 string")
	if i < 0 || j < i {
		return "", nil
	}
	sps := txt[i:j]
	if strings.Count(txt, "Malformed Packet (Exception occurred)") != strings.Count(sps, "Malformed Packet (Exception occurred)") {
		return "", nil // a malformation elsewhere too
	}
	k := strings.Index(sps, "NAL unit: ")
	if k < 0 {
		return "", nil
	}
	hexSPS := strings.Fields(sps[k+len("NAL unit: "):])[0]
	if !strings.Contains(hexSPS, "000003") {
		return "", nil
	}
	return "Wireshark 4.0 flags the DESCRIBE reply malformed: its H.264 dissector parses the sprop SPS (" + hexSPS +
		") without removing emulation prevention bytes (not a server fault: RFC 6184 §8.1, and ffmpeg's RTP muxer writes the same sprop)", nil
}

// rtpPacket is one captured RTP packet.
type rtpPacket struct {
	at     float64 // capture time, Unix seconds
	seq    uint16
	ts     uint32
	marker bool
}

type rtpStream struct {
	ssrc uint32
	pt   int
	pkts []rtpPacket
}

// parseRTPFields reads tshark -T fields lines; several RTP packets of one
// frame (TCP) come as comma-separated lists.
func parseRTPFields(lines []string) []*rtpStream {
	byKey := map[uint32]*rtpStream{}
	var order []uint32
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 6 {
			continue
		}
		at, _ := strconv.ParseFloat(f[0], 64)
		ssrcs := strings.Split(f[1], ",")
		pts := strings.Split(f[2], ",")
		seqs := strings.Split(f[3], ",")
		tss := strings.Split(f[4], ",")
		marks := strings.Split(f[5], ",")
		for k := range ssrcs {
			if k >= len(pts) || k >= len(seqs) || k >= len(tss) || k >= len(marks) {
				break
			}
			ssrc, _ := strconv.ParseUint(strings.TrimPrefix(ssrcs[k], "0x"), 16, 32)
			pt, _ := strconv.Atoi(pts[k])
			seq, _ := strconv.ParseUint(seqs[k], 10, 16)
			ts, _ := strconv.ParseUint(tss[k], 10, 32)
			s := byKey[uint32(ssrc)]
			if s == nil {
				s = &rtpStream{ssrc: uint32(ssrc), pt: pt}
				byKey[uint32(ssrc)] = s
				order = append(order, uint32(ssrc))
			}
			s.pkts = append(s.pkts, rtpPacket{at: at, seq: uint16(seq), ts: uint32(ts),
				marker: marks[k] == "1" || marks[k] == "True"})
		}
	}
	var out []*rtpStream
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out
}

// checkRTPStream applies the sequence and timestamp rules to one stream.
// samples is the audio samples per packet (one AAC frame per packet).
func checkRTPStream(s *rtpStream, rate float64, samples int) []string {
	var probs []string
	add := func(format string, a ...any) {
		if len(probs) < 8 {
			probs = append(probs, fmt.Sprintf(format, a...))
		}
	}
	seen := map[uint16]bool{}
	video := s.pt == 96
	auStart := true // the next packet begins an access unit
	var lastAUTS uint32
	haveAU := false
	for i, p := range s.pkts {
		if seen[p.seq] {
			add("sequence number %d repeated", p.seq)
		}
		seen[p.seq] = true
		if i > 0 {
			prev := s.pkts[i-1]
			if p.seq != prev.seq+1 {
				add("sequence jumps from %d to %d", prev.seq, p.seq)
			}
			dts := int32(p.ts - prev.ts)
			if video {
				if !auStart && p.ts != prev.ts {
					add("timestamp changes inside an access unit (seq %d) or the marker was missing", p.seq)
				}
			} else if dts != int32(samples) {
				add("audio timestamp advances by %d at seq %d, want %d samples", dts, p.seq, samples)
			}
		}
		if video && auStart {
			if haveAU && int32(p.ts-lastAUTS) <= 0 {
				add("access unit at seq %d has timestamp %d, not after the previous one's %d", p.seq, p.ts, lastAUTS)
			}
			lastAUTS, haveAU = p.ts, true
		}
		auStart = p.marker
	}
	return probs
}

// parseRTPFromUDP parses RTP headers (RFC 3550 §5.1) out of UDP payloads
// (tshark fields: time, payload in hex). A payload holding several packets
// back to back (a GSO datagram seen before segmentation) is cut at the
// segment size: the smallest offset where the next packet of the same
// stream begins. It returns the streams and the number of such payloads.
func parseRTPFromUDP(lines []string) ([]*rtpStream, int) {
	byKey := map[uint32]*rtpStream{}
	var order []uint32
	gso := 0
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			continue
		}
		at, _ := strconv.ParseFloat(f[0], 64)
		b, err := hex.DecodeString(strings.ReplaceAll(f[1], ":", ""))
		if err != nil || len(b) < 12 || b[0]>>6 != 2 || (b[1] >= 200 && b[1] <= 204) {
			continue // not RTP (RTCP goes to the odd port; checked apart)
		}
		segs := [][]byte{b}
		if seg := gsoSegment(b); seg > 0 {
			gso++
			segs = nil
			for len(b) > 0 {
				n := min(seg, len(b))
				segs = append(segs, b[:n])
				b = b[n:]
			}
		}
		for _, p := range segs {
			if len(p) < 12 {
				continue
			}
			ssrc := binary.BigEndian.Uint32(p[8:12])
			st := byKey[ssrc]
			if st == nil {
				st = &rtpStream{ssrc: ssrc, pt: int(p[1] & 0x7f)}
				byKey[ssrc] = st
				order = append(order, ssrc)
			}
			st.pkts = append(st.pkts, rtpPacket{at: at, seq: binary.BigEndian.Uint16(p[2:4]),
				ts: binary.BigEndian.Uint32(p[4:8]), marker: p[1]&0x80 != 0})
		}
	}
	var out []*rtpStream
	for _, k := range order {
		out = append(out, byKey[k])
	}
	return out, gso
}

// gsoSegment returns the size of the packets a UDP payload holds back to
// back, or 0 when it holds one: the first offset past the header where an
// RTP header of the same SSRC with the next sequence number starts.
func gsoSegment(b []byte) int {
	seq := binary.BigEndian.Uint16(b[2:4])
	for off := 13; off+12 <= len(b); off++ {
		if b[off]>>6 == 2 && bytes.Equal(b[off+8:off+12], b[8:12]) &&
			binary.BigEndian.Uint16(b[off+2:off+4]) == seq+1 && b[off+1]&0x7f == b[1]&0x7f {
			return off
		}
	}
	return 0
}

// senderReport is one captured SR.
type senderReport struct {
	at   float64 // capture time
	ssrc uint32
	ntp  float64 // Unix seconds
	rtp  uint32
}

func parseSRFields(lines []string) []senderReport {
	var out []senderReport
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 5 {
			continue
		}
		at, _ := strconv.ParseFloat(f[0], 64)
		ss, msws, lsws, rtps := strings.Split(f[1], ","), strings.Split(f[2], ","), strings.Split(f[3], ","), strings.Split(f[4], ",")
		for k := range ss {
			if k >= len(msws) || k >= len(lsws) || k >= len(rtps) {
				break
			}
			ssrc, _ := strconv.ParseUint(strings.TrimPrefix(ss[k], "0x"), 16, 32)
			msw, _ := strconv.ParseUint(msws[k], 10, 32)
			lsw, _ := strconv.ParseUint(lsws[k], 10, 32)
			rtp, _ := strconv.ParseUint(rtps[k], 10, 32)
			out = append(out, senderReport{at: at, ssrc: uint32(ssrc),
				ntp: float64(msw) - 2208988800 + float64(lsw)/(1<<32), rtp: uint32(rtp)})
		}
	}
	return out
}

// checkSenderReports checks each stream's reports against its clock rate
// and the two streams against each other (see the file comment). Packets
// in the first 1.5 s after the first report are left out: the GOP cache
// goes out then in a burst, earlier than its timestamps.
func checkSenderReports(streams []*rtpStream, srs []senderReport, rates map[int]float64, apt int) (string, []string) {
	var probs []string
	if len(srs) == 0 {
		return "", []string{"no sender report"}
	}
	t0 := srs[0].at
	med := map[int]float64{}
	for _, s := range streams {
		var mine []senderReport
		for _, r := range srs {
			if r.ssrc == s.ssrc {
				mine = append(mine, r)
			}
		}
		rate := rates[s.pt]
		if len(mine) == 0 {
			probs = append(probs, fmt.Sprintf("no sender report for ssrc %08x", s.ssrc))
			continue
		}
		for i := 1; i < len(mine); i++ {
			d := float64(int32(mine[i].rtp-mine[i-1].rtp))/rate - (mine[i].ntp - mine[i-1].ntp)
			if math.Abs(d) > 0.005 {
				probs = append(probs, fmt.Sprintf("ssrc %08x: consecutive reports disagree by %.1f ms with the %v Hz clock", s.ssrc, d*1000, rate))
			}
		}
		var offs []float64
		for _, p := range s.pkts {
			if p.at < t0+1.5 {
				continue
			}
			var sr *senderReport
			for i := range mine {
				if mine[i].at <= p.at {
					sr = &mine[i]
				}
			}
			if sr == nil {
				continue
			}
			predicted := sr.ntp + float64(int32(p.ts-sr.rtp))/rate
			offs = append(offs, p.at-predicted)
		}
		if len(offs) == 0 {
			continue
		}
		sort.Float64s(offs)
		med[s.pt] = offs[len(offs)/2]
	}
	v, okv := med[96]
	a, oka := med[apt]
	if !okv || !oka {
		return "", probs
	}
	diff := (v - a) * 1000
	if math.Abs(diff) > 20 {
		probs = append(probs, fmt.Sprintf("sender reports put audio %+.1f ms from video (packets arrive %.1f ms (video) and %.1f ms (audio) after the time their report predicts)", -diff, v*1000, a*1000))
	}
	return fmt.Sprintf("SR-predicted arrival: video %+.1f ms, audio %+.1f ms", v*1000, a*1000), probs
}
