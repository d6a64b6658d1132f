//go:build linux

package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// The matrix in MATRIX.md and its copy in the project's README.md are
// written by the run they report, with when, where and on what code it ran.

// runStarted is when the suite started, for the report.
var runStarted = time.Now()

// runInfo describes this run: the date, the machine, the load it had, the
// commit, and whether it was CI.
func runInfo() string {
	where := "a developer's machine"
	if os.Getenv("CI") == "true" {
		where = "CI (clean clone)"
	}
	return fmt.Sprintf("Run %s UTC, %s, on %s; %s; %s; load average %s at the end.",
		runStarted.UTC().Format("2006-01-02 15:04"), where, machine(), commit(),
		time.Since(runStarted).Round(time.Second), loadAverage())
}

// machine describes this computer: CPU model, cores, kernel, Go.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := ""
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(data))
	}
	return fmt.Sprintf("%s, %d cores%s, %s", model, runtime.NumCPU(), kernel, runtime.Version())
}

// commit names the code under test, and says when it had local changes.
func commit() string {
	out, err := run(context.Background(), "git", "rev-parse", "--short", "HEAD")
	if err != nil {
		return "commit unknown"
	}
	c := "commit " + strings.TrimSpace(string(out))
	if st, err := run(context.Background(), "git", "status", "--porcelain", "--untracked-files=no"); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += " with local changes"
	}
	return c
}

// loadAverage is the 1-minute load average now.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(data))[0]
}

// readmePath is the project's README, whose conformance table the run
// rewrites between readmeBegin and readmeEnd.
const (
	readmePath  = "../README.md"
	readmeBegin = "<!-- conformance:begin -->"
	readmeEnd   = "<!-- conformance:end -->"
)

// writeReadmeTable puts the matrix table (without the per-cell notes, which
// stay in MATRIX.md) into the README between the markers.
func writeReadmeTable(info, table string) error {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	s := string(data)
	i, j := strings.Index(s, readmeBegin), strings.Index(s, readmeEnd)
	if i < 0 || j < i {
		return errors.New(readmePath + ": no conformance markers")
	}
	body := "\n<!-- Written by go test ./conformance (TestMain) after a full run; do not edit by hand. -->\n" +
		info + " Notes per cell in [conformance/MATRIX.md](conformance/MATRIX.md).\n\n" + table + "\n"
	return os.WriteFile(readmePath, []byte(s[:i+len(readmeBegin)]+body+s[j:]), 0o644)
}

// tableOnly cuts the per-cell notes off a rendered matrix.
func tableOnly(md string) string {
	var b strings.Builder
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(l, "|") {
			if b.Len() > 0 {
				break
			}
			continue
		}
		b.WriteString(l + "\n")
	}
	return b.String()
}
