//go:build linux

package boardtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// need returns the path of tool, which Debian's debianPackage provides.
// Without it the test is skipped, or fails under make test
// (RTSPKIT_REQUIRE_PLAYERS=1), where a skip would pass for a test that ran.
func need(t *testing.T, tool, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		msg := fmt.Sprintf("%s not found: install Debian's package %s (make deps)", tool, debianPackage)
		if os.Getenv("RTSPKIT_REQUIRE_PLAYERS") == "1" {
			t.Fatalf("%s; RTSPKIT_REQUIRE_PLAYERS=1 makes this a failure", msg)
		}
		t.Skip(msg)
	}
	return path
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago, for
// a server started as a separate process (which cannot hand back the port
// it picked as an in-process listener on port 0 would).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts TCP connections on
// 127.0.0.1:port, and fails the test if nothing does within timeout. A
// program under qemu-user takes a while to start, longer on a loaded
// machine: the timeout is a bound on a hang, not an expectation of speed.
func waitListening(t *testing.T, port int, timeout time.Duration) {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listening on %s after %v: %v", addr, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probe is what ffprobe decoded from a stream: the video's codec, size and
// number of frames, and the audio's codec and number of frames ("" and 0
// for a stream that is not there).
type probe struct {
	Codec         string
	Width, Height int
	Frames        int
	AudioCodec    string
	AudioFrames   int
}

// ffprobePlay plays url with ffprobe over transport ("tcp" or "udp") for
// seconds of stream time and returns what it decoded (-count_frames
// decodes every frame, so a frame counts only if it decoded). The interval
// is counted in the stream's timestamps, not on the wall clock: a loaded
// machine makes the run longer, not the count smaller. The deadline,
// seconds+60 s, only bounds a hang.
//
// With -rtsp_transport udp, ffprobe offers UDP only and never falls back
// to TCP; its default receive buffer and reordering are enough on the
// loopback.
func ffprobePlay(t *testing.T, url, transport string, seconds int) probe {
	t.Helper()
	ffprobe := need(t, "ffprobe", "ffmpeg")
	timeout := time.Duration(seconds+60) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffprobe, "-v", "error", "-rtsp_transport", transport,
		"-read_intervals", fmt.Sprintf("%%+%d", seconds), "-count_frames",
		"-show_entries", "stream=codec_type,codec_name,width,height,nb_read_frames",
		"-of", "json", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ffprobe over %s of %s did not end within %v; stderr:\n%s", transport, url, timeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("ffprobe over %s of %s: %v; stderr:\n%s", transport, url, err, stderr.String())
	}
	var out struct {
		Streams []struct {
			CodecType    string `json:"codec_type"`
			CodecName    string `json:"codec_name"`
			Width        int    `json:"width"`
			Height       int    `json:"height"`
			NbReadFrames string `json:"nb_read_frames"` // a number, quoted
		} `json:"streams"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("ffprobe over %s: reading its JSON: %v\n%s\nstderr:\n%s", transport, err, stdout.String(), stderr.String())
	}
	var p probe
	for _, s := range out.Streams {
		n, _ := strconv.Atoi(s.NbReadFrames)
		switch s.CodecType {
		case "video":
			p.Codec, p.Width, p.Height, p.Frames = s.CodecName, s.Width, s.Height, n
		case "audio":
			p.AudioCodec, p.AudioFrames = s.CodecName, n
		}
	}
	if stderr.Len() > 0 {
		// Errors ffprobe recovered from (a lost packet over UDP): worth
		// seeing, not failing on; the frame counts say what came through.
		t.Logf("ffprobe over %s said:\n%s", transport, stderr.String())
	}
	return p
}

// moduleDir is the main module's directory, as an absolute path: go test
// runs a package's tests in its directory, internal/boardtest.
func moduleDir(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from the test's directory: %v", err)
	}
	return root
}

// buildGo builds the main module's package pkg (such as ./cmd/rtspd) for
// linux/goarch into out, the way make cross builds the board's binaries:
// static (no cgo), GOARM=7 for arm, -trimpath.
func buildGo(t *testing.T, goarch, pkg, out string) {
	t.Helper()
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = moduleDir(t)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if goarch == "arm" {
		cmd.Env = append(cmd.Env, "GOARM=7")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s for linux/%s: %v\n%s", pkg, goarch, err, b)
	}
	t.Logf("built %s for linux/%s in %v", pkg, goarch, time.Since(start).Round(100*time.Millisecond))
}

// outputBuffer is a bytes.Buffer that a process's two output pipes and the
// test can use at once.
type outputBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *outputBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is what startProc keeps of a process it started.
type proc struct {
	out  *outputBuffer
	done chan struct{} // closed when Wait has returned
	err  error         // Wait's error, once done is closed

	stopOnce sync.Once
	stopErr  error // stopProc's result
}

// procs maps the *exec.Cmd startProc returned to its proc, so that the
// tests keep a plain *exec.Cmd.
var procs sync.Map

func procOf(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p, ok := procs.Load(cmd)
	if !ok {
		t.Fatalf("%s was not started by startProc", cmd.Path)
	}
	return p.(*proc)
}

// startProc starts name with args, its standard output and error in one
// buffer (procOutput) that is logged if the test fails. When the test
// ends, the process is stopped as a user would: SIGINT, then SIGKILL if it
// has not exited within stopGrace.
func startProc(t *testing.T, name string, args ...string) *exec.Cmd {
	t.Helper()
	return startProcEnv(t, nil, name, args...)
}

// startProcEnv is startProc with env added to the test's environment.
func startProcEnv(t *testing.T, env []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	p := &proc{out: &outputBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	procs.Store(cmd, p)
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		status := "exit status 0"
		if err := stopProc(t, cmd); err != nil {
			status = err.Error()
		}
		if t.Failed() {
			t.Logf("%s %s (%s), its output:\n%s", filepath.Base(name), strings.Join(args, " "), status, p.out.String())
		}
		procs.Delete(cmd)
	})
	return cmd
}

// procOutput returns what the process started by startProc has written so
// far.
func procOutput(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	return procOf(t, cmd).out.String()
}

// waitProc waits for the process started by startProc to exit by itself
// and returns its Wait error (nil for exit status 0); the test fails if it
// is still running after timeout, which only bounds a hang.
func waitProc(t *testing.T, cmd *exec.Cmd, timeout time.Duration) error {
	t.Helper()
	p := procOf(t, cmd)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v", filepath.Base(cmd.Path), timeout)
		return nil
	}
}

// stopGrace is how long stopProc waits after SIGINT: a bound on a hang,
// long enough for an emulated program on a loaded machine to stop cleanly.
const stopGrace = 30 * time.Second

// errKilled is stopProc's error for a process that ignored SIGINT.
var errKilled = fmt.Errorf("still running %v after SIGINT: killed", stopGrace)

// stopProc stops the process started by startProc (SIGINT, SIGKILL after
// stopGrace) and returns its Wait error: nil for exit status 0, errKilled
// if it had to be killed. Later calls return the same without signalling
// again.
func stopProc(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	p := procOf(t, cmd)
	p.stopOnce.Do(func() {
		select {
		case <-p.done: // it had exited by itself
			p.stopErr = p.err
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.done:
			p.stopErr = p.err
		case <-time.After(stopGrace):
			_ = cmd.Process.Kill()
			<-p.done
			p.stopErr = errKilled
		}
	})
	return p.stopErr
}
