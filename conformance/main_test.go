//go:build linux

package conformance

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// Environment variables the suite reads.
const (
	// envRequire, set to 1 by make test, turns a missing player into a
	// failure instead of a skip.
	envRequire = "RTSPKIT_REQUIRE_PLAYERS"
	// envParallel bounds the cells that run at once (default 3).
	envParallel = "RTSPKIT_CONFORMANCE_PARALLEL"
	// envMatrix names the file the matrix is written to after a full run
	// (default MATRIX.md in this folder, and then the table into the
	// README's conformance section too; "-" writes none).
	envMatrix = "RTSPKIT_MATRIX"
	// envNetnsChild marks the re-executed test binary that runs the
	// multicast cells inside a private network namespace; its value is the
	// file to write the results to.
	envNetnsChild = "RTSPKIT_NETNS_CHILD"
	// envCells, a regular expression over "row/player/transport", runs only
	// the matching cells (and then writes no MATRIX.md).
	envCells = "RTSPKIT_CELLS"
	// envDump names a folder to write every player's output to.
	envDump = "RTSPKIT_DUMP"
)

// matrix collects every cell's result; TestMain prints it at the end.
var matrix Matrix

// fullRun is set when TestPlayers ran every cell (no RTSPKIT_CELLS
// filter), and multicastRan when TestMulticast brought the multicast
// column: only then is the matrix complete enough to be written to
// MATRIX.md and the README.
var fullRun, multicastRan atomic.Bool

// columns is the order of the matrix columns.
var columns = []string{
	"ffprobe/udp", "ffprobe/tcp", "ffprobe/multicast",
	"ffmpeg/udp", "ffmpeg/tcp", "ffmpeg/multicast",
	"gstreamer/udp", "gstreamer/tcp", "gstreamer/multicast",
	"vlc/rtsp", "vlc/rtp",
}

func TestMain(m *testing.M) {
	flag.Parse()
	raisePriority()
	code := m.Run()
	if refDirMade() {
		_ = os.RemoveAll(refDir())
	}
	if os.Getenv(envNetnsChild) == "" && len(matrix.Results()) > 0 {
		md := matrix.Markdown(append([]string(nil), columns...))
		fmt.Printf("\nConformance matrix (decoded/sent units in the window: video frames + audio frames or packets):\n\n%s\n", md)
		if out := os.Getenv(envMatrix); out != "-" && fullRun.Load() && multicastRan.Load() {
			toReadme := out == ""
			if out == "" {
				out = "MATRIX.md"
			}
			// Once, before writing: the files written would count as
			// local changes.
			info := runInfo()
			if err := os.WriteFile(out, []byte(matrixHeader+info+"\n\n"+md), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "writing the matrix:", err)
			}
			if toReadme {
				if err := writeReadmeTable(info, tableOnly(md)); err != nil {
					fmt.Fprintln(os.Stderr, "writing the README's table:", err)
				}
			}
		}
	}
	os.Exit(code)
}

const matrixHeader = `<!-- Written by go test ./conformance (TestMain); do not edit by hand. -->
# Conformance matrix

Each cell: the player's verdict and the units it decoded over the units the
server sent in the measured window (video frames + audio frames or 20 ms
packets). See conformance/doc.go for what every cell asserts.

`

// requirePlayers reports whether a missing player must fail the run.
func requirePlayers() bool { return os.Getenv(envRequire) == "1" }

// needTool returns the path of bin, or skips (fails under make test) the
// test, naming the Debian package that provides it.
func needTool(t testing.TB, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("%s not found: install the Debian package %s (make deps does)", bin, pkg)
	if requirePlayers() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// gstElementPackage says which Debian package ships each element we use.
var gstElementPackage = map[string]string{
	"rtspsrc": "gstreamer1.0-plugins-good", "rtph264depay": "gstreamer1.0-plugins-good",
	"rtph265depay": "gstreamer1.0-plugins-good", "rtpjpegdepay": "gstreamer1.0-plugins-good",
	"rtpmp4gdepay": "gstreamer1.0-plugins-good", "rtppcmudepay": "gstreamer1.0-plugins-good",
	"rtppcmadepay": "gstreamer1.0-plugins-good", "jpegdec": "gstreamer1.0-plugins-good",
	"jpegparse": "gstreamer1.0-plugins-bad", "mulawdec": "gstreamer1.0-plugins-good",
	"alawdec": "gstreamer1.0-plugins-good", "h264parse": "gstreamer1.0-plugins-bad",
	"h265parse": "gstreamer1.0-plugins-bad", "checksumsink": "gstreamer1.0-plugins-bad",
	"aacparse": "gstreamer1.0-plugins-good", "avdec_h264": "gstreamer1.0-libav",
	"avdec_h265": "gstreamer1.0-libav", "avdec_aac": "gstreamer1.0-libav",
	"queue": "gstreamer1.0-plugins-base", "filesrc": "gstreamer1.0-tools",
	"filesink": "gstreamer1.0-tools", "capsfilter": "gstreamer1.0-tools",
}

// needGst checks gst-launch-1.0 and every element named.
func needGst(t testing.TB, elements ...string) {
	t.Helper()
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	inspect := needTool(t, "gst-inspect-1.0", "gstreamer1.0-tools")
	var missing []string
	for _, e := range elements {
		if _, err := run(context.Background(), inspect, "--exists", e); err != nil {
			missing = append(missing, e+" ("+gstElementPackage[e]+")")
		}
	}
	if len(missing) > 0 {
		msg := "GStreamer elements missing: " + strings.Join(missing, ", ")
		if requirePlayers() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}
