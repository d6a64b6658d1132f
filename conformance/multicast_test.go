//go:build linux

package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Multicast cells run in a network namespace of their own, so that no
// multicast packet can reach a real network: TestMulticast re-executes this
// test binary under `unshare --net`, which gives it a namespace holding only
// a loopback interface that disappears with the process (nothing to tear
// down, even after a crash). Inside, TestMulticastChild brings lo up, turns
// multicast on for it (lo lacks the MULTICAST flag by default) and routes
// 224.0.0.0/4 to it, so that the server (Config.MulticastInterface "lo",
// TTL 1) and the players' IP_ADD_MEMBERSHIP both use lo. The parent
// captures on the host's default-route interface meanwhile and asserts that
// not one multicast packet appeared there. It needs root (CAP_SYS_ADMIN),
// which make test has in CI.

// TestMulticast runs the multicast column in a private network namespace.
func TestMulticast(t *testing.T) {
	if os.Getenv(envNetnsChild) != "" {
		t.Skip("inside the namespace: TestMulticastChild runs the cells")
	}
	require.NoError(t, loadSources())
	if testing.Short() {
		t.Skip("the conformance matrix runs players for minutes; not in -short")
	}
	needTool(t, "unshare", "util-linux")
	needTool(t, "ip", "iproute2")
	needTool(t, "ffmpeg", "ffmpeg")
	needTool(t, "ffprobe", "ffmpeg")
	if os.Geteuid() != 0 {
		msg := "multicast cells need root to create a network namespace (unshare --net)"
		if requirePlayers() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "results.json")

	// Watch the real interface for leaks while the cells run.
	stopCapture, leaked := captureMulticastLeaks(t, dir)

	// The child's cells end by cellsDeadline; it then writes its results.
	// Past childLimit it is killed and the failure says which cells were
	// still running and what it printed last.
	childLimit := cellsDeadline + 2*time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), childLimit)
	defer cancel()
	args := []string{"--net", "--", os.Args[0], "-test.run", "^TestMulticastChild$", "-test.v", "-test.count=1",
		"-test.timeout", (childLimit + time.Minute).String()}
	cmd := exec.CommandContext(ctx, "unshare", args...)
	cmd.Env = append(os.Environ(), envNetnsChild+"="+out)
	cmd.Dir, _ = os.Getwd()
	cmd.WaitDelay = 5 * time.Second
	var log childLog
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	err := cmd.Run()
	stopCapture()
	if ctx.Err() != nil {
		t.Fatalf("the namespace child was killed after %v (limit %v): %s", time.Since(start).Round(time.Second), childLimit, log.report())
	}
	var results []Result
	if b, rerr := os.ReadFile(out); rerr == nil {
		require.NoError(t, json.Unmarshal(b, &results))
	}
	if len(results) == 0 {
		t.Fatalf("the namespace child produced no results (%v): %s", err, log.report())
	}
	if os.Getenv(envCells) == "" {
		multicastRan.Store(true)
	}
	for _, r := range results {
		matrix.Add(r)
		t.Run(r.Media+"/"+r.Column(), func(t *testing.T) {
			t.Logf("%s in %v: video %s audio %s; %s", r.Status, r.Elapsed.Round(time.Millisecond), r.Video, r.Audio, r.Detail)
			if r.Status == Skip {
				t.Skip(r.Detail)
			}
			if r.Status == Known {
				t.Logf("KNOWN open defect, not failing the run: %v", r.Problems)
				return
			}
			require.Empty(t, r.Problems)
		})
	}
	if err != nil {
		t.Errorf("namespace child: %v: %s", err, log.report())
	}
	if n, checked := leaked(); checked {
		require.Zero(t, n, "multicast packets seen on the host's default-route interface")
	} else {
		t.Log("no capture on the default-route interface (dumpcap missing or no default route)")
	}
}

// TestMulticastChild runs the multicast cells; only inside the namespace.
func TestMulticastChild(t *testing.T) {
	out := os.Getenv(envNetnsChild)
	if out == "" {
		t.Skip("runs only inside the network namespace TestMulticast creates")
	}
	require.NoError(t, loadSources())
	for _, c := range [][]string{
		{"ip", "link", "set", "lo", "up"},
		{"ip", "link", "set", "lo", "multicast", "on"},
		{"ip", "route", "add", "224.0.0.0/4", "dev", "lo"},
	} {
		_, err := run(context.Background(), c[0], c[1:]...)
		require.NoError(t, err)
	}
	// Refuse to run anywhere but in a namespace with nothing but lo.
	links, err := run(context.Background(), "ip", "-o", "link")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(links), "\n"), "the namespace must hold only lo:\n%s", links)

	var tasks []task
	for _, r := range rows {
		tasks = append(tasks, rowTasks(r, []string{"multicast"}, false)...)
	}
	tasks, _ = filterTasks(tasks)
	buildReferences(t, tasks)
	runTasks(t, tasks)
	b, err := json.Marshal(matrix.Results())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, b, 0o644))
}

// captureMulticastLeaks captures multicast on the default-route interface
// until stop is called; leaked then counts the packets seen.
func captureMulticastLeaks(t *testing.T, dir string) (stop func(), leaked func() (int, bool)) {
	none := func() (int, bool) { return 0, false }
	dev := defaultRouteDev()
	dumpcap, err := exec.LookPath("dumpcap")
	if dev == "" || err != nil {
		return func() {}, none
	}
	file := filepath.Join(dir, "leak.pcapng")
	cmd := exec.Command(dumpcap, "-q", "-i", dev, "-f", "ip multicast", "-w", file)
	if err := cmd.Start(); err != nil {
		return func() {}, none
	}
	// dumpcap needs a moment to open the interface.
	for i := 0; i < 50; i++ {
		if _, err := os.Stat(file); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		if !interruptWithin(cmd, 10*time.Second) {
			t.Errorf("dumpcap on %s did not stop within 10s of SIGINT (killed)", dev)
		}
	}
	leaked = func() (int, bool) {
		stop()
		out, err := run(context.Background(), "tshark", "-r", file, "-T", "fields", "-e", "frame.number")
		if err != nil {
			t.Logf("reading the leak capture: %v", err)
			return 0, false
		}
		n := 0
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) != "" {
				n++
			}
		}
		t.Logf("multicast packets on %s during the multicast cells: %d", dev, n)
		return n, true
	}
	return stop, leaked
}

// defaultRouteDev returns the interface of the IPv4 default route.
func defaultRouteDev() string {
	out, err := run(context.Background(), "ip", "-4", "route", "show", "default")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(out))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "dev" {
			return f[i+1]
		}
	}
	return ""
}

// childLog collects the namespace child's output as it comes, so that a
// child that has to be killed can still be reported on.
type childLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *childLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len() < 16<<20 {
		l.buf.Write(p)
	}
	return len(p), nil
}

// report names the cells the child started and did not finish, and quotes
// its last lines.
func (l *childLog) report() string {
	l.mu.Lock()
	text := l.buf.String()
	l.mu.Unlock()
	running := map[string]bool{}
	var order []string
	for _, ln := range strings.Split(text, "\n") {
		rest, ok := strings.CutPrefix(ln, progressPrefix)
		if !ok || len(rest) < 13 {
			continue
		}
		rest = rest[13:] // the time stamp
		if cell, ok := strings.CutPrefix(rest, "start "); ok {
			running[cell] = true
			order = append(order, cell)
		} else if cell, ok := strings.CutPrefix(rest, "done "); ok {
			name, _, _ := strings.Cut(cell, ": ")
			delete(running, name)
		}
	}
	var still []string
	for _, c := range order {
		if running[c] {
			still = append(still, c)
		}
	}
	return fmt.Sprintf("cells still running: %q; last lines of its output:\n%s", still, lastLines(text, 40))
}
