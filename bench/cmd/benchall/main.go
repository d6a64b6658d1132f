// Command benchall is `make bench`: it builds the benchmark programs, runs
// the packetization micro benchmarks (cmd/microtable) and the load benchmark
// (cmd/loadbench), and prints one Markdown report: the date and machine,
// the targets of the benchmark issue with what was measured against each,
// and both tables. With -readme it also puts the report into bench's
// README.md between the markers <!-- bench:begin --> and <!-- bench:end -->,
// and with -summary a side-by-side table into the project's README.md
// between <!-- perf:begin --> and <!-- perf:end --> (make bench does both:
// those tables are never edited by hand).
//
//	go run ./cmd/benchall                 # the full run, a few minutes
//	go run ./cmd/benchall -quick          # a one-minute smoke run
//	go run ./cmd/benchall -readme README.md -summary ../README.md
//
// Run it from the bench directory.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type microRow struct {
	Codec, Impl, What string
	NsPerOp           float64
	MBps              float64
	AllocsPerOp       int64
	AllocBytesPerByte float64
	XGortsplib        float64
}

type loadRow struct {
	Mode               string // "", "relay" or "push" (loadbench's rows)
	Transport          string
	Readers            int
	Server             string
	Error              string
	Mbps               float64
	LossPct            float64
	ReadersWithLoss    int
	Unhealthy          int
	CPUPct             float64
	CPUPerGbit         float64
	RatioToGortsplib   float64
	LatencyP50Ms       float64
	LatencyP99Ms       float64
	LatencyMaxMs       float64
	LatencyKeyP99Ms    float64
	LatencyOtherP99Ms  float64
	HeapPerReaderBytes int64
	OtherLoadPct       float64
	ServerReport       string
}

func main() {
	quick := flag.Bool("quick", false, "a short smoke run: rows tcp:50,udp:50, 4 s windows, one micro run per case")
	rows := flag.String("rows", "", "load rows (default: loadbench's tcp:100,tcp:500,udp:100,udp:300)")
	repeat := flag.Int("repeat", 1, "load runs per row and server")
	window := flag.Duration("window", 10*time.Second, "load measurement window")
	readme := flag.String("readme", "", "also write the report into this README between the bench markers")
	summary := flag.String("summary", "", "also write a side-by-side summary into this README between the perf markers (the project's README.md)")
	flag.Parse()
	if err := run(*quick, *rows, *repeat, *window, *readme, *summary); err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
}

func run(quick bool, rows string, repeat int, window time.Duration, readme, summary string) error {
	tmp, err := os.MkdirTemp("", "benchall")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	build := exec.Command("go", "build", "-o", bin+"/", "./cmd/microtable", "./cmd/loadbench",
		"./cmd/benchserver-ours", "./cmd/benchserver-gortsplib", "./cmd/swarm", "./cmd/benchpub")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build (run from the bench directory): %w", err)
	}

	microArgs := []string{"-testdata", "../testdata", "-json", filepath.Join(tmp, "micro.json")}
	loadArgs := []string{"-bin", bin, "-json", filepath.Join(tmp, "load.json"),
		"-repeat", fmt.Sprint(repeat), "-window", window.String()}
	if quick {
		microArgs = append(microArgs, "-count", "1", "-benchtime", "300ms")
		loadArgs = append(loadArgs, "-rows", "tcp:50,udp:50,relay-tcp:50,push:20", "-window", "4s", "-warmup", "2s")
	} else if rows != "" {
		loadArgs = append(loadArgs, "-rows", rows)
	}
	fmt.Fprintln(os.Stderr, "benchall: micro benchmarks")
	microTable, err := output(filepath.Join(bin, "microtable"), microArgs...)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "benchall: load benchmark")
	loadTable, err := output(filepath.Join(bin, "loadbench"), loadArgs...)
	if err != nil {
		return err
	}
	var micro []microRow
	var load []loadRow
	if err := readJSON(filepath.Join(tmp, "micro.json"), &micro); err != nil {
		return err
	}
	if err := readJSON(filepath.Join(tmp, "load.json"), &load); err != nil {
		return err
	}

	var rep bytes.Buffer
	measured := fmt.Sprintf("Measured %s on %s; gortsplib %s, pion/rtp %s",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), machine(), modVersion("github.com/bluenviron/gortsplib/v4"), modVersion("github.com/pion/rtp"))
	if quick {
		measured += " (a -quick run: short windows, fewer readers)"
	}
	fmt.Fprintf(&rep, "%s.\n\n", measured)
	fmt.Fprintf(&rep, "### Targets\n\n")
	targets(&rep, micro, load)
	fmt.Fprintf(&rep, "\n### Packetize + marshal (whole 1-s input per op, median of runs)\n\n%s\n", strings.TrimSpace(microTable))
	fmt.Fprintf(&rep, "\n### Load (one server process, one swarm process, loopback)\n\n%s\n", strings.TrimSpace(loadTable))
	os.Stdout.Write(rep.Bytes())
	if readme != "" {
		if err := writeBetween(readme, "<!-- bench:begin -->", "<!-- bench:end -->", rep.Bytes()); err != nil {
			return err
		}
	}
	if summary != "" {
		var sum bytes.Buffer
		fmt.Fprintf(&sum, "<!-- Written by make bench (bench/cmd/benchall -summary); do not edit by hand. -->\n%s.\n\n", measured)
		summaryTable(&sum, micro, load)
		if err := writeBetween(summary, "<!-- perf:begin -->", "<!-- perf:end -->", sum.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// summaryTable writes the load rows side by side (rtspkit / gortsplib) and
// the packetization and heap figures, for the project's README.
func summaryTable(w *bytes.Buffer, micro []microRow, load []loadRow) {
	find := func(mode, t string, n int, server string) *loadRow {
		for i := range load {
			if load[i].Mode == mode && load[i].Transport == t && load[i].Readers == n && load[i].Server == server {
				return &load[i]
			}
		}
		return nil
	}
	var other float64
	for i := range load {
		other = max(other, load[i].OtherLoadPct)
	}
	if other >= 10 {
		fmt.Fprintf(w, "Other processes kept the machine up to %.0f %% busy during the load rows: the ratios, measured side by side in one run, hold; the absolute figures are high.\n\n", other)
	}
	fmt.Fprintf(w, "| load | delivered | loss %%, rtspkit / gortsplib | server CPU %%, rtspkit / gortsplib | CPU-s per Gbit, rtspkit / gortsplib | ratio | p99 latency ms, rtspkit / gortsplib (rtspkit keyframes; other frames) |\n")
	fmt.Fprintf(w, "|---|---:|---|---|---|---:|---|\n")
	var maxHeap int64
	for i := range load {
		o := &load[i]
		if o.Server != "rtspkit" || o.Mode == "push" {
			continue
		}
		label := fmt.Sprintf("%d %s readers", o.Readers, strings.ToUpper(o.Transport))
		if o.Mode == "relay" {
			label = fmt.Sprintf("relay: 1 publisher → %d %s readers", o.Readers, strings.ToUpper(o.Transport))
		}
		if o.Error != "" {
			fmt.Fprintf(w, "| %s | error: %s | | | | | |\n", label, o.Error)
			continue
		}
		maxHeap = max(maxHeap, o.HeapPerReaderBytes)
		g := find(o.Mode, o.Transport, o.Readers, "gortsplib")
		if g == nil || g.Error != "" {
			fmt.Fprintf(w, "| %s | %.0f Mbit/s | %.3f / – | %.1f / – | %.3f / – | – | %.2f (%.2f; %.2f) / – |\n",
				label, o.Mbps, o.LossPct, o.CPUPct, o.CPUPerGbit,
				o.LatencyP99Ms, o.LatencyKeyP99Ms, o.LatencyOtherP99Ms)
			continue
		}
		fmt.Fprintf(w, "| %s | %.0f Mbit/s | %.3f / %.3f | %.1f / %.1f | %.3f / %.3f | %.2f | %.2f (%.2f; %.2f) / %.2f |\n",
			label, o.Mbps, o.LossPct, g.LossPct, o.CPUPct, g.CPUPct,
			o.CPUPerGbit, g.CPUPerGbit, o.RatioToGortsplib, o.LatencyP99Ms, o.LatencyKeyP99Ms, o.LatencyOtherP99Ms, g.LatencyP99Ms)
	}
	fmt.Fprintf(w, "\n")
	for i := range load {
		o := &load[i]
		if o.Server != "rtspkit" || o.Mode != "push" || o.Error != "" {
			continue
		}
		if g := find("push", o.Transport, o.Readers, "gortsplib"); g != nil && g.Error == "" {
			fmt.Fprintf(w, "Publishing, %d publishers over TCP (%.0f Mbit/s pushed): %.3f CPU-s per pushed Gbit, gortsplib's client %.3f (ratio %.2f).\n",
				o.Readers, o.Mbps, o.CPUPerGbit, g.CPUPerGbit, o.RatioToGortsplib)
		}
	}
	for _, r := range micro {
		if r.Impl == "rtspkit" && r.What == "packetize+marshal" {
			fmt.Fprintf(w, "Packetize + marshal of %s (a whole second of the stream per op): %.1f GB/s, %d allocs/op, %.1f× gortsplib.\n",
				r.Codec, r.MBps/1000, r.AllocsPerOp, r.XGortsplib)
		}
	}
	if maxHeap > 0 {
		fmt.Fprintf(w, "Heap per connected reader: %.1f KiB at most.\n", float64(maxHeap)/1024)
	}
}

func output(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", filepath.Base(bin), err)
	}
	return string(out), nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
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

// modVersion reads a requirement's version from ./go.mod.
func modVersion(path string) string {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == path {
			return f[1]
		}
		if len(f) >= 3 && f[0] == "require" && f[1] == path {
			return f[2]
		}
	}
	return "?"
}

func targets(w *bytes.Buffer, micro []microRow, load []loadRow) {
	fmt.Fprintf(w, "| target | measured | met |\n|---|---|---|\n")
	mark := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	for _, codec := range []string{"H.264", "H.265"} {
		for _, r := range micro {
			if r.Codec == codec && r.Impl == "rtspkit" && r.What == "packetize+marshal" {
				fmt.Fprintf(w, "| %s packetize+marshal ≥ 8× gortsplib, 0 allocs/op | %.1f×, %d allocs/op | %s |\n",
					codec, r.XGortsplib, r.AllocsPerOp, mark(r.XGortsplib >= 8 && r.AllocsPerOp == 0))
			}
		}
	}
	find := func(mode, t string, n int, server string) *loadRow {
		for i := range load {
			if load[i].Mode == mode && load[i].Transport == t && load[i].Readers == n && load[i].Server == server {
				return &load[i]
			}
		}
		return nil
	}
	healthy := func(r *loadRow) bool { return r != nil && r.Error == "" && r.LossPct == 0 && r.Unhealthy == 0 }
	var maxHeap int64
	for i := range load {
		r := &load[i]
		if r.Server != "rtspkit" {
			continue
		}
		if r.Error != "" {
			fmt.Fprintf(w, "| %s %s %d | error: %s | **no** |\n", r.Mode, r.Transport, r.Readers, r.Error)
			continue
		}
		maxHeap = max(maxHeap, r.HeapPerReaderBytes)
		switch r.Mode {
		case "relay":
			// The publishing issue: a relay, ingest to fan-out, at most
			// 1/3 of gortsplib's CPU per delivered Gbit.
			fmt.Fprintf(w, "| relay to %d %s readers: CPU per delivered Gbit ≤ 1/3 of gortsplib's | %.2f (%.3f vs %.3f CPU-s/Gbit) | %s |\n",
				r.Readers, r.Transport, r.RatioToGortsplib, r.CPUPerGbit, r.CPUPerGbit/max(r.RatioToGortsplib, 1e-9),
				mark(r.RatioToGortsplib > 0 && r.RatioToGortsplib <= 1.0/3))
			fmt.Fprintf(w, "| relay to %d %s readers: no loss | %.3f %% lost, %d readers unhealthy | %s |\n",
				r.Readers, r.Transport, r.LossPct, r.Unhealthy, mark(healthy(r)))
			continue
		case "push":
			fmt.Fprintf(w, "| push, %d publishers: CPU per pushed Gbit (no target; measured) | %.3f CPU-s/Gbit, %.2f of gortsplib's client | – |\n",
				r.Readers, r.CPUPerGbit, r.RatioToGortsplib)
			continue
		}
		limit := 0.25
		if r.Transport == "udp" {
			limit = 0.5
		}
		if r.RatioToGortsplib > 0 {
			fmt.Fprintf(w, "| %s %d readers: CPU per Gbit ≤ %g of gortsplib | %.2f (%.3f vs %.3f CPU-s/Gbit) | %s |\n",
				r.Transport, r.Readers, limit, r.RatioToGortsplib, r.CPUPerGbit, r.CPUPerGbit/r.RatioToGortsplib,
				mark(r.RatioToGortsplib <= limit))
		}
		g := find("", r.Transport, r.Readers, "gortsplib")
		must := healthy(g) || (r.Transport == "udp" && r.Readers >= 300)
		if must {
			fmt.Fprintf(w, "| %s %d readers: no loss | %.3f %% lost, %d readers unhealthy | %s |\n",
				r.Transport, r.Readers, r.LossPct, r.Unhealthy, mark(healthy(r)))
		}
		if r.Readers == 100 {
			fmt.Fprintf(w, "| %s 100 readers: latency p99 < 2 ms | %.2f ms (keyframes %.2f, other frames %.2f) | %s |\n",
				r.Transport, r.LatencyP99Ms, r.LatencyKeyP99Ms, r.LatencyOtherP99Ms, mark(r.LatencyP99Ms < 2))
		}
	}
	fmt.Fprintf(w, "| heap per reader ≤ 64 KiB | %.1f KiB at most | %s |\n", float64(maxHeap)/1024, mark(maxHeap > 0 && maxHeap <= 64<<10))
}

// writeBetween replaces what stands between the markers begin and end in
// the file at path with report.
func writeBetween(path, begin, end string, report []byte) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return errors.New(path + ": no " + begin + " ... " + end + " markers")
	}
	s = s[:i+len(begin)] + "\n" + string(report) + "\n" + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
