//go:build linux

package boardtest

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/server"
)

// The C library is built once per test binary, by the script make capi
// runs, into capiDir: what is tested is what make capi ships.
var (
	capiOnce sync.Once
	capiDir  string
	capiErr  error
	capiLog  []byte
)

// capi builds the C library for the host and riscv64 (the first call; later
// ones wait for it) and returns the directory laid out like dist/capi.
func capi(t *testing.T) string {
	t.Helper()
	need(t, "cc", "gcc")
	need(t, "riscv64-linux-gnu-gcc", "gcc-riscv64-linux-gnu")
	capiOnce.Do(func() {
		capiDir, capiErr = os.MkdirTemp("", "rtspkit-capi-")
		if capiErr != nil {
			return
		}
		cmd := exec.Command("bash", "scripts/capi.sh")
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "CAPI_OUT="+capiDir, "CAPI_ARCHS="+hostArch+" riscv64")
		capiLog, capiErr = cmd.CombinedOutput()
	})
	require.NoError(t, capiErr, "scripts/capi.sh:\n%s", capiLog)
	return capiDir
}

// moduleRoot is the main module's directory, relative to this package's
// (where go test runs its tests); moduleDir is the absolute form.
const moduleRoot = "../.."

// hostArch is the architecture the tests run on (amd64 in CI), whose
// programs run directly; riscv64 ones run under qemu.
const hostArch = runtime.GOARCH

// sample is rtspd's embedded sample: H.264 Main 1280x720, 25 fps, one
// slice per picture.
var sample, _ = filepath.Abs(filepath.Join(moduleRoot, "cmd/rtspd/sample/sample.h264"))

func TestMain(m *testing.M) {
	code := m.Run()
	if capiDir != "" {
		os.RemoveAll(capiDir)
	}
	os.Exit(code)
}

// compileC builds C sources against the library of arch, linked the way
// the header says: the archive with -lpthread -ldl -lm and nothing else
// (shared: against librtspkit.so instead).
func compileC(t *testing.T, arch string, shared bool, out string, src ...string) {
	t.Helper()
	dir := capi(t)
	cc := "cc"
	if arch != hostArch {
		require.Equal(t, "riscv64", arch)
		cc = "riscv64-linux-gnu-gcc"
	}
	args := []string{"-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", dir}
	for _, s := range src {
		args = append(args, filepath.Join(moduleRoot, s))
	}
	if shared {
		args = append(args, "-L", filepath.Join(dir, arch), "-lrtspkit")
	} else {
		args = append(args, filepath.Join(dir, arch, "librtspkit.a"), "-lpthread", "-ldl", "-lm")
	}
	args = append(args, "-o", out)
	b, err := exec.Command(cc, args...).CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", cc, strings.Join(args, " "), b)
}

// runC starts a C program built for arch with startProc (its output
// logged if the test fails; SIGINT when the test ends): riscv64 ones run
// under qemu-riscv64-static with Debian's riscv64 libc (-L).
func runC(t *testing.T, arch string, env []string, prog string, args ...string) *exec.Cmd {
	t.Helper()
	if arch != hostArch {
		qemu := need(t, "qemu-riscv64-static", "qemu-user-static")
		args = append([]string{"-L", "/usr/riscv64-linux-gnu", prog}, args...)
		prog = qemu
	}
	return startProcEnv(t, env, prog, args...)
}

// waitC waits for the program to exit on its own, requires status 0 and
// returns its output.
func waitC(t *testing.T, cmd *exec.Cmd, timeout time.Duration) string {
	t.Helper()
	require.NoError(t, waitProc(t, cmd, timeout), "exit status; output:\n%s", procOutput(t, cmd))
	return procOutput(t, cmd)
}

// interruptC sends SIGINT, then requires exit status 0 as waitC does.
func interruptC(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	require.NoError(t, stopProc(t, cmd), "exit status after SIGINT; output:\n%s", procOutput(t, cmd))
	return procOutput(t, cmd)
}

// TestCHeaderMatchesExports compares rtspkit.h's prototypes with the ones
// cgo generates from the //export functions, const aside (cgo cannot say
// const): a function renamed, added or changed on one side only fails
// here, not at a board's link.
func TestCHeaderMatchesExports(t *testing.T) {
	need(t, "cc", "gcc")
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-buildmode=c-archive", "-o", filepath.Join(dir, "lib.a"), "./capi")
	cmd.Dir = moduleRoot
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	gen, err := os.ReadFile(filepath.Join(dir, "lib.h"))
	require.NoError(t, err)
	ours, err := os.ReadFile(filepath.Join(moduleRoot, "capi/rtspkit.h"))
	require.NoError(t, err)
	want := prototypes(t, string(ours))
	got := prototypes(t, string(gen))
	require.Equal(t, want, got)
	for _, fn := range []string{"RtspServer_create", "RtspServer_destroy", "RtspServer_Init", "RtspServer_DeInit",
		"RtspServer_CreateSession", "RtspServer_DestroySession", "RtspServer_GetRtspUrl", "RtspServer_Start",
		"RtspServer_Stop", "RtspServer_SendVideoData", "RtspServer_SendAudioData",
		"RtspPusher_create", "RtspPusher_destroy", "RtspPusher_Init", "RtspPusher_DeInit", "RtspPusher_Open",
		"RtspPusher_Close", "RtspPusher_PushVideoHeader", "RtspPusher_PushVideoData"} {
		require.Contains(t, strings.Join(want, "\n"), " "+fn+"(", "the board's %s", fn)
	}
	// The board's wrapper's exact types, written out.
	for _, p := range []string{
		"KdRtspServer* RtspServer_create(void)",
		"int RtspServer_Init(KdRtspServer*,int)",
		"int RtspServer_CreateSession(KdRtspServer*,char*,SessionAttr*)",
		"char* RtspServer_GetRtspUrl(KdRtspServer*,char*)",
		"void RtspServer_Start(KdRtspServer*)",
		"int RtspServer_SendVideoData(KdRtspServer*,char*,uint8_t*,size_t,uint64_t)",
		"int RtspPusher_Init(KdRtspPusher*,int,int,char*,int,char*)",
		"int RtspPusher_PushVideoData(KdRtspPusher*,uint8_t*,size_t,bool,uint64_t)",
	} {
		require.Contains(t, want, p)
	}
}

var protoRE = regexp.MustCompile(`(?m)^(?:extern\s+)?([A-Za-z_][\w\s\*]*?[\s\*])((?:RtspServer|RtspPusher|RtspKit)_\w+)\s*\(([^)]*)\)\s*;`)

// prototypes returns a header's functions as "ret Name(type,type)", const
// and parameter names removed, sorted.
func prototypes(t *testing.T, h string) []string {
	t.Helper()
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "const ", "")
		s = strings.ReplaceAll(s, "_Bool", "bool")
		s = strings.Join(strings.Fields(s), " ")
		s = strings.ReplaceAll(s, " *", "*")
		return strings.TrimSpace(s)
	}
	var out []string
	for _, m := range protoRE.FindAllStringSubmatch(h, -1) {
		var params []string
		for _, p := range strings.Split(m[3], ",") {
			p = norm(p)
			if p != "void" {
				// Drop the parameter's name: the last identifier.
				i := strings.LastIndexAny(p, " *")
				require.Positive(t, i, "parameter %q of %s", p, m[2])
				p = strings.TrimSpace(p[:i+1])
			}
			params = append(params, strings.ReplaceAll(p, " ", ""))
		}
		out = append(out, fmt.Sprintf("%s %s(%s)", norm(m[1]), m[2], strings.Join(params, ",")))
	}
	sort.Strings(out)
	require.NotEmpty(t, out)
	return out
}

// TestCMisuse: every misuse from C is an error code, none a crash, with
// the static and the shared library.
func TestCMisuse(t *testing.T) {
	dir := capi(t)
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "archive", true: "shared"}[shared], func(t *testing.T) {
			prog := filepath.Join(t.TempDir(), "check")
			compileC(t, hostArch, shared, prog, "internal/boardtest/testdata/capi_check.c")
			var env []string
			if shared {
				env = []string{"LD_LIBRARY_PATH=" + filepath.Join(dir, hostArch)}
			}
			out := waitC(t, runC(t, hostArch, env, prog, "misuse"), 2*time.Minute)
			require.Contains(t, out, "misuse: ok")
			require.NotContains(t, out, "FAIL")
			require.NotContains(t, out, "internal error", "no Go panic was recovered")
		})
	}
}

// TestCThreads: eight C threads create, feed, query and destroy sessions
// of one server while a ninth stops and starts it.
func TestCThreads(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "check")
	compileC(t, hostArch, false, prog, "internal/boardtest/testdata/capi_check.c")
	out := waitC(t, runC(t, hostArch, nil, prog, "threads", strconv.Itoa(freePort(t)), sample), 2*time.Minute)
	m := regexp.MustCompile(`threads: 8 threads, (\d+) session rounds, (\d+) restarts, 0 failures`).FindStringSubmatch(out)
	require.NotNil(t, m, "output:\n%s", out)
	rounds, _ := strconv.Atoi(m[1])
	restarts, _ := strconv.Atoi(m[2])
	require.Positive(t, rounds)
	require.Positive(t, restarts)
	require.NotContains(t, out, "internal error")
	t.Logf("%d session rounds, %d restarts in 3 s", rounds, restarts)
}

// TestCThreadsRace is TestCThreads against the library built with the
// race detector: the C interface's own state (the handle tables, the URL
// strings, the session cache) and the server under it, called from C
// threads the Go runtime did not create. ThreadSanitizer makes the
// program exit 66 and print "DATA RACE" on a race.
func TestCThreadsRace(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("the race detector's c-archive is built here for amd64 and arm64, not %s", runtime.GOARCH)
	}
	need(t, "cc", "gcc")
	dir := t.TempDir()
	lib := filepath.Join(dir, "librtspkit.a")
	build := exec.Command("go", "build", "-race", "-buildmode=c-archive", "-o", lib, "./capi")
	build.Dir = moduleRoot
	b, err := build.CombinedOutput()
	require.NoError(t, err, "%s", b)
	prog := filepath.Join(dir, "check")
	// -no-pie: ThreadSanitizer maps its shadow memory at fixed addresses,
	// where a position-independent program may already be loaded ("failed
	// to allocate ... errno 12").
	args := []string{"-O1", "-std=c11", "-no-pie", "-I", filepath.Join(moduleRoot, "capi"),
		filepath.Join(moduleRoot, "internal/boardtest/testdata/capi_check.c"), lib, "-lpthread", "-ldl", "-lm", "-o", prog}
	b, err = exec.Command("cc", args...).CombinedOutput()
	require.NoError(t, err, "cc %s:\n%s", strings.Join(args, " "), b)
	out := waitC(t, runC(t, hostArch, nil, prog, "threads", strconv.Itoa(freePort(t)), sample), 3*time.Minute)
	require.NotContains(t, out, "DATA RACE")
	require.Regexp(t, `threads: 8 threads, [1-9]\d* session rounds, [1-9]\d* restarts, 0 failures`, out)
}

// TestCCyclesKeepRSSFlat: 2000 cycles of the board's whole flow (create,
// Init, CreateSession, Start, GetRtspUrl, Stop, DeInit, destroy) in one
// process. After the first half the Go heap and the runtime's pools have
// reached their size; the second half must not add to the RSS beyond
// noise (a leak of one session, goroutine or socket buffer per cycle
// would add megabytes).
func TestCCyclesKeepRSSFlat(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "check")
	compileC(t, hostArch, false, prog, "internal/boardtest/testdata/capi_check.c")
	const cycles = 2000
	out := waitC(t, runC(t, hostArch, nil, prog, "cycles", strconv.Itoa(cycles), strconv.Itoa(freePort(t))), 5*time.Minute)
	m := regexp.MustCompile(`cycles: (\d+) rss_kb_warm (\d+) rss_kb_end (\d+) failures 0`).FindStringSubmatch(out)
	require.NotNil(t, m, "output:\n%s", out)
	warm, _ := strconv.Atoi(m[2])
	end, _ := strconv.Atoi(m[3])
	t.Logf("RSS after %d cycles %d KB, after %d cycles %d KB", cycles/2, warm, cycles, end)
	require.LessOrEqual(t, end-warm, 2048, "RSS grew %d KB over the last %d cycles", end-warm, cycles/2)
}

// TestCBackchannel: a player sends audio on the ONVIF backchannel of a
// session served from C; the C callback given to
// RtspKit_InitWithBackChannel receives every byte, in order.
func TestCBackchannel(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "check")
	compileC(t, hostArch, false, prog, "internal/boardtest/testdata/capi_check.c")
	port := freePort(t)
	const packets, size = 50, 160
	p := runC(t, hostArch, nil, prog, "backchannel", strconv.Itoa(port), sample, strconv.Itoa(packets*size))
	waitListening(t, port, time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, fmt.Sprintf("rtsp://127.0.0.1:%d/door", port),
		client.Options{Transport: client.TransportTCP, Require: []string{"www.onvif.org/ver20/backchannel"}})
	require.NoError(t, err)
	defer c.Close()
	d, err := c.Describe()
	require.NoError(t, err)
	require.Len(t, d.Tracks, 3, "video, audio and the backchannel")
	for i := range d.Tracks {
		require.NoError(t, c.Setup(i))
	}
	_, err = c.Play()
	require.NoError(t, err)
	h := fnv.New32a()
	st := rtp.Stream{PayloadType: 0, SSRC: 99, Seq: 7}
	for i := 0; i < packets; i++ {
		payload := bytes.Repeat([]byte{byte(i * 3)}, size)
		h.Write(payload)
		var b rtp.Batch
		b.Begin(&st, uint32(i*size))
		b.SetBody(payload)
		require.NoError(t, c.WriteRTP(2, b.AppendPacket(nil, 0)))
		time.Sleep(5 * time.Millisecond)
	}
	out := waitC(t, p, 2*time.Minute)
	require.Contains(t, out, fmt.Sprintf("backchannel: session door bytes %d fnv %08x", packets*size, h.Sum32()), "output:\n%s", out)
}

// TestCPusher: the board's pusher calls, from C, publish the sample to a
// server of this module that takes publishers; ffprobe plays what
// arrived there.
func TestCPusher(t *testing.T) {
	prog := filepath.Join(t.TempDir(), "check")
	compileC(t, hostArch, false, prog, "internal/boardtest/testdata/capi_check.c")
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1",
		PublishPaths: []string{"cam"}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	url := fmt.Sprintf("rtsp://%s/cam", ln.Addr())
	p := runC(t, hostArch, nil, prog, "push", url, sample, "600")
	// The publication exists once the pusher's ANNOUNCE and RECORD came;
	// a second of pictures makes sure ffprobe joins a flowing stream.
	require.Eventually(t, func() bool {
		st, err := srv.Stats("cam")
		return err == nil && st.UnitsIn >= 25
	}, 2*time.Minute, 50*time.Millisecond, "the C pusher's pictures did not arrive")
	got := ffprobePlay(t, url, "tcp", 3)
	require.Equal(t, "h264", got.Codec)
	require.Equal(t, 1280, got.Width)
	require.Equal(t, 720, got.Height)
	require.GreaterOrEqual(t, got.Frames, 25, "3 s of 25 fps pushed from C, played through the server")
	out := interruptC(t, p)
	require.Contains(t, out, "push: ")
	require.Contains(t, out, " 0 failures")
}

// TestCExample runs the C example of the README, the board's own flow,
// for amd64 and for riscv64 under qemu; ffprobe plays it over TCP and
// UDP, then SIGINT makes it stop, deinit and destroy, and exit 0 having
// refused no pack.
func TestCExample(t *testing.T) {
	for _, arch := range []string{hostArch, "riscv64"} {
		t.Run(arch, func(t *testing.T) {
			prog := filepath.Join(t.TempDir(), "board_example")
			compileC(t, arch, false, prog, "capi/example/board_example.c")
			port := freePort(t)
			p := runC(t, arch, nil, prog, sample, "600", strconv.Itoa(port))
			waitListening(t, port, 2*time.Minute)
			url := fmt.Sprintf("rtsp://127.0.0.1:%d/test", port)
			for _, tr := range []string{"tcp", "udp"} {
				got := ffprobePlay(t, url, tr, 3)
				require.Equal(t, "h264", got.Codec, tr)
				require.Equal(t, 1280, got.Width, tr)
				require.Equal(t, 720, got.Height, tr)
				require.GreaterOrEqual(t, got.Frames, 25, "%s: 3 s at 25 fps", tr)
				t.Logf("%s over %s: %d pictures in 3 s", arch, tr, got.Frames)
			}
			out := interruptC(t, p)
			require.Regexp(t, `sent \d+ pictures, 0 packs refused`, out)
			require.Contains(t, out, "rtsp url: rtsp://")
		})
	}
}
