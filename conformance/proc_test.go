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

// playerNice is how much nicer than the suite players run: the server and
// the pacer (the camera, which has a device of its own in real life) get
// the CPU first, so that several players decoding 720p on two cores do not
// make the caller late. TestMain raises the suite itself to suiteNice when
// it may (root), so that players end at niceness 0 and share the machine
// fairly with anything else running on it rather than starve behind it.
const playerNice = "5"

// playerCommand runs name under nice.
func playerCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "nice", append([]string{"-n", playerNice, name}, args...)...)
}

func startProc(ctx context.Context, name string, args ...string) (*proc, error) {
	cmd := playerCommand(ctx, name, args...)
	// A group of its own, killed whole; and killed with the suite, should
	// the test binary die first (the namespace child killed at its limit).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
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

// until waits until cond holds, the process ends, or d passes. cond is
// given only the lines read since its previous call (it keeps what it
// needs): re-reading every line at each new one made the suite's own CPU
// use grow with the square of a player's output, enough to starve the
// pacers of a loaded machine.
func (p *proc) until(d time.Duration, cond func(newLines []line) bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	seen := 0
	next := func() []line {
		p.mu.Lock()
		defer p.mu.Unlock()
		ls := append([]line(nil), p.lines[seen:]...)
		seen = len(p.lines)
		return ls
	}
	for {
		if cond(next()) {
			return true
		}
		select {
		case <-p.notify:
		case <-p.done:
			return cond(next())
		case <-deadline.C:
			return false
		}
	}
}

// tail returns the last n lines the player wrote to standard output and to
// standard error, for the report of a player that had to be killed.
func (p *proc) tail(n int) string {
	var b strings.Builder
	out := p.snapshot()
	fmt.Fprintf(&b, "last %d of %d stdout lines:", min(n, len(out)), len(out))
	for _, l := range out[max(0, len(out)-n):] {
		fmt.Fprintf(&b, "\n  %+d ms: %s", l.wall.Sub(p.start).Milliseconds(), l.text)
	}
	errs := nonEmptyLines(p.stderrText())
	fmt.Fprintf(&b, "\nlast %d of %d stderr lines:", min(n, len(errs)), len(errs))
	for _, l := range errs[max(0, len(errs)-n):] {
		b.WriteString("\n  " + l)
	}
	return b.String()
}

// killedReport describes a player the suite had to kill: what it was
// waiting for, how long the player ran, and what it wrote last.
func (p *proc) killedReport(waitingFor string) string {
	return fmt.Sprintf("%s killed after %v while the suite waited for %s; %s",
		p.name, time.Since(p.start).Round(time.Millisecond), waitingFor, p.tail(5))
}

// interruptWithin stops a capture (dumpcap) the way it finishes its file:
// SIGINT, then SIGKILL if it has not exited within d. It returns false
// when it had to be killed.
func interruptWithin(cmd *exec.Cmd, d time.Duration) bool {
	if cmd.Process == nil {
		return true
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return false
	}
}

// toolDeadline bounds every helper command (tshark reading a capture, a
// reference decode, ip) that has no deadline of its own.
const toolDeadline = 90 * time.Second

// toolCommand is name with args in a process group of its own, killed
// whole when ctx ends, and with the suite should the test binary die first.
func toolCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// run runs a helper command to completion and returns its standard output.
// It is killed, with its process group, after toolDeadline or when ctx
// ends; the error then says so and quotes the end of its output.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, toolDeadline)
	defer cancel()
	cmd := toolCommand(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	cmdline := name + " " + strings.Join(args, " ")
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: killed after %v (%v) before it finished; last stdout: %q; last stderr: %q",
			cmdline, time.Since(start).Round(time.Millisecond), ctx.Err(), lastLines(stdout.String(), 5), lastLines(stderr.String(), 5))
	}
	return nil, fmt.Errorf("%s: %v: %s", cmdline, err, lastLines(stderr.String(), 20))
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	ls := nonEmptyLines(s)
	return strings.Join(ls[max(0, len(ls)-n):], "\n")
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
