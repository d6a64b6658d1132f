package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runRtspd runs the command with a fresh port and no status line, and
// returns its exit status and output.
func runRtspd(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"-port", "-1", "-status", "0"}, args...)
	code := rtspd(args, bytes.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// startRtspd runs the command in the background with args and returns
// the first line it prints (the URL it serves) and its exit status, once
// it ends; the rest of its output is discarded.
func startRtspd(t *testing.T, args ...string) (string, <-chan int) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- rtspd(args, strings.NewReader(""), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "rtspd printed nothing")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return sc.Text(), done
}

func TestHelpAndBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr []string
	}{
		{[]string{"-h"}, 0, []string{"Usage: rtspd [flags]",
			"-status interval\n    \tinterval of the status line; 0 turns it off (default 5s)\n",
			"-t duration\n    \tstop after duration; without it, run until interrupted\n",
			"-port port\n    \tRTSP port to listen on (default 8554)\n"}},
		{[]string{"-help"}, 0, []string{"Usage: rtspd [flags]"}},
		{[]string{"-bogus"}, 2, []string{"flag provided but not defined: -bogus", "Usage: rtspd [flags]"}},
		{[]string{"-fps", "0"}, 2, []string{"rtspd: -fps 0 out of range (0 to 1000)\n"}},
		{[]string{"-user", "u"}, 2, []string{"rtspd: -user and -pass go together\n"}},
		{[]string{"-cert", "c.pem"}, 2, []string{"rtspd: -cert and -key go together\n"}},
		{[]string{"-listen", "localhost"}, 2, []string{`invalid value "localhost" for flag -listen: want an IP address`}},
		{[]string{"-listen", "fe80::1%eth0"}, 2, []string{`invalid value "fe80::1%eth0" for flag -listen: want an IP address`}},
		{[]string{"-udp-ports", "9000"}, 2, []string{`invalid value "9000" for flag -udp-ports: want min-max`}},
		{[]string{"-udp-ports", "9000-9000"}, 2, []string{`invalid value "9000-9000" for flag -udp-ports`}},
		{[]string{"-udp-ports", "0-10"}, 2, []string{`invalid value "0-10" for flag -udp-ports`}},
		{[]string{"-udp-ports", "9000-70000"}, 2, []string{`invalid value "9000-70000" for flag -udp-ports`}},
		{[]string{"video.h264"}, 2, []string{`rtspd: unexpected argument "video.h264" (flags come as -name value)`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := rtspd(tc.args, nil, &out, &errOut)
			require.Equal(t, tc.code, code)
			require.Empty(t, out.String())
			for _, s := range tc.stderr {
				require.Contains(t, errOut.String(), s)
			}
			require.NotContains(t, errOut.String(), "(0: none)")
			require.NotContains(t, errOut.String(), "help requested")
		})
	}
}

// TestInputsAreCheckedBeforeStart gives inputs with no usable media: each
// is refused with a clear error, and the server never starts (nothing is
// served, so nothing is printed on standard output).
func TestInputsAreCheckedBeforeStart(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}
	text := []byte("this is not video\n")
	sps := testdata(t, "h264_main_720p.h264")[:40] // parameter sets, no picture
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing video file", []string{"-video", "nosuchfile"}, "-video nosuchfile: no such file"},
		{"missing file with an unknown extension", []string{"-video", "nosuchfile.xyz"}, "-video nosuchfile.xyz: no such file"},
		{"missing audio file", []string{"-audio", "nosuch.aac"}, "-audio nosuch.aac: no such file"},
		{"a directory", []string{"-video", dir}, "-video " + dir + ": is a directory"},
		{"unknown extension", []string{"-video", file("v.txt", text)}, `cannot tell the video codec of "` + dir + `/v.txt" from its name: use -vcodec`},
		{"empty h264", []string{"-video", file("e.h264", nil)}, "e.h264: no H.264 NAL units: not an Annex-B stream"},
		{"text as h264", []string{"-video", file("v.txt", text), "-vcodec", "h264"}, "v.txt: no H.264 NAL units"},
		{"empty h265", []string{"-video", file("e.h265", nil)}, "e.h265: no H.265 NAL units"},
		{"parameter sets only", []string{"-video", file("p.h264", sps)}, "p.h264: no usable H.264: none of its"},
		{"empty mjpeg", []string{"-video", file("e.mjpeg", nil)}, "e.mjpeg: no JPEG pictures"},
		{"text as mjpeg", []string{"-video", file("t.mjpeg", text)}, "t.mjpeg: no JPEG pictures: frame at byte 0"},
		{"empty aac", []string{"-audio", file("e.aac", nil)}, "e.aac: empty"},
		{"text as aac", []string{"-audio", file("t.aac", text)}, "t.aac: no ADTS frames: not an ADTS .aac file"},
		{"empty ulaw", []string{"-audio", file("e.ulaw", nil)}, "e.ulaw: 0 bytes, less than the 20 ms"},
		{"unknown audio", []string{"-audio", file("a.mp3", text)}, `cannot tell the audio codec of "` + dir + `/a.mp3"`},
		{"mjpeg from stdin", []string{"-video", "-", "-vcodec", "mjpeg"}, "-video - reads H.264 or H.265 only"},
		{"bad vcodec", []string{"-video", "-", "-vcodec", "vp8"}, `-vcodec: rtsp server: unknown video type: "vp8"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runRtspd(t, nil, tc.args...)
			require.Equal(t, 1, code)
			require.Empty(t, out, "the server must not start")
			require.Contains(t, errOut, tc.want)
		})
	}
}

// TestCleanStops runs the server to each clean end: exit status 0, and a
// line that says why it stopped.
func TestCleanStops(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stdin []byte
		args  []string
		code  int
		out   []string
	}{
		{"-t", nil, []string{"-t", "100ms", "-video", "../../testdata/h264_main_720p.h264"}, 0,
			[]string{"rtspd: serving ../../testdata/h264_main_720p.h264 (H.264) at rtsp://",
				"rtspd: -t 100ms is over; stopping\nrtspd: stopped cleanly\n"}},
		{"standard input ends", testdata(t, "h264_main_720p.h264"), []string{"-video", "-", "-fps", "1000"}, 0,
			[]string{"rtspd: serving standard input (H.264) at rtsp://",
				"rtspd: standard input ended; stopping\nrtspd: stopped cleanly\n"}},
		{"standard input holds nothing", nil, []string{"-video", "-"}, 1,
			[]string{"rtspd: serving standard input (H.264)", "rtspd: stopping\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runRtspd(t, tc.stdin, tc.args...)
			require.Equal(t, tc.code, code)
			for _, s := range tc.out {
				require.Contains(t, out, s)
			}
		})
	}
}
