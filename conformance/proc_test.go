//go:build linux

package conformance

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// line is one line of a player's standard output with the instant the suite
// read it (players flush per decoded unit, see the runners).
type line struct {
	wall time.Time
	text string
}

// proc is a running player whose stdout is read line by line as it comes
// and whose stderr is kept whole.
type proc struct {
	cmd     *exec.Cmd
	name    string
	start   time.Time
	mu      sync.Mutex
	lines   []line
	stderr  bytes.Buffer
	notify  chan struct{} // receives a value (non-blocking) per line
	done    chan struct{}
	waitErr error
}

// playerNice is the niceness players run at: the server and the pacer (the
// camera, which has a device of its own in real life) get the CPU first, so
// that six players decoding 720p on two cores do not make the caller late.
const playerNice = "10"

// playerCommand runs name under nice.
func playerCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nice", append([]string{"-n", playerNice, name}, args...)...)
}

func startProc(ctx context.Context, name string, args ...string) (*proc, error) {
	cmd := playerCommand(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// Kill the whole group: runuser and its child, gst-launch's helpers.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 2 * time.Second
	p := &proc{cmd: cmd, name: name, notify: make(chan struct{}, 1), done: make(chan struct{})}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = &lockedWriter{mu: &p.mu, b: &p.stderr}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			l := line{wall: time.Now(), text: sc.Text()}
			p.mu.Lock()
			p.lines = append(p.lines, l)
			p.mu.Unlock()
			select {
			case p.notify <- struct{}{}:
			default:
			}
		}
		_, _ = bufioDrain(out)
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func bufioDrain(r interface{ Read([]byte) (int, error) }) (int, error) {
	var buf [4096]byte
	n := 0
	for {
		k, err := r.Read(buf[:])
		n += k
		if err != nil {
			return n, err
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.b.Len() > 4<<20 {
		return len(p), nil // keep the first 4 MiB
	}
	return w.b.Write(p)
}

// snapshot returns the lines read so far.
func (p *proc) snapshot() []line {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]line(nil), p.lines...)
}

func (p *proc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// signal sends sig to the player's process group.
func (p *proc) signal(sig syscall.Signal) {
	if p.cmd.Process != nil {
		_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	}
}

// wait waits for the player to exit, at most d, then kills it. It returns
// the exit code (-1 when killed or not started).
func (p *proc) wait(d time.Duration) (int, bool) {
	select {
	case <-p.done:
	case <-time.After(d):
		p.signal(syscall.SIGKILL)
		<-p.done
		return -1, false
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ExitCode(), true
	}
	if p.waitErr != nil {
		return -1, true
	}
	return 0, true
}

// until waits for cond over the lines read so far, re-checking on each new
// line, until it holds, the process ends, or d passes.
func (p *proc) until(d time.Duration, cond func([]line) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if cond(p.snapshot()) {
			return true
		}
		select {
		case <-p.notify:
		case <-p.done:
			return cond(p.snapshot())
		case <-deadline.C:
			return false
		}
	}
}

// nonEmptyLines returns the lines of s that are not blank.
func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// dump writes the player's output, each line with its arrival time relative
// to ref, to the folder named by RTSPKIT_DUMP (for debugging a cell).
func (p *proc) dump(name string, ref time.Time) {
	dir := os.Getenv(envDump)
	if dir == "" {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# started %+d ms from PLAY\n", strings.Join(p.cmd.Args, " "), p.start.Sub(ref).Milliseconds())
	for _, l := range p.snapshot() {
		fmt.Fprintf(&b, "%+7d %s\n", l.wall.Sub(ref).Milliseconds(), l.text)
	}
	b.WriteString("# stderr:\n" + p.stderrText())
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(name)+".txt"), []byte(b.String()), 0o644)
}
