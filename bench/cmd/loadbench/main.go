// Command loadbench is the load benchmark driver. For each row (transport
// and number of readers) and each server (gortsplib, rtspkit) it starts the
// server in its own process on the same file at the same rate, waits until
// it is ready, starts the reader swarm in another process, and over the
// swarm's measurement window reads the server process's CPU time from
// /proc/<pid>/stat. It prints one Markdown table: delivered Mbit/s, loss,
// server CPU, CPU-seconds per delivered Gbit and the ratio rtspkit/gortsplib,
// and the latency from the return of the send call to the arrival of the
// frame's last packet at the readers.
//
//	go run ./cmd/loadbench                          # the full run, a few minutes
//	go run ./cmd/loadbench -rows tcp:20 -window 3s  # a quick one
//	go run ./cmd/loadbench -profile-dir /tmp/prof   # plus CPU and heap profiles
//
// Everything runs on 127.0.0.1.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/bench/internal/media"
)

type serverKind struct {
	name string // as printed
	bin  string // binary name
	port int    // RTSP port
	udp  int    // first UDP port
}

var kinds = map[string]serverKind{
	"gortsplib": {"gortsplib", "benchserver-gortsplib", 25556, 25200},
	"ours":      {"rtspkit", "benchserver-ours", 25554, 25000},
}

// row is one line of the table. mode "" serves the file; "relay" serves
// what cmd/benchpub (our client.Publisher, the same for both servers)
// publishes to the server, so that the server's ingest is measured with its
// fan-out; "push" runs no swarm and measures the publisher instead:
// readers publishers of the implementation in cmd/benchpub push to our
// server (the sink), and the CPU is the publishing process's.
type row struct {
	mode      string
	transport string
	readers   int
}

// label is the row as written in -rows.
func (r row) label() string {
	switch r.mode {
	case "relay":
		return "relay-" + r.transport
	case "push":
		return "push"
	}
	return r.transport
}

type opts struct {
	binDir     string
	file       string
	warmup     time.Duration
	window     time.Duration
	profileDir string
	heap       bool
	workDir    string
	isKey      func(k int) bool // whether the k-th access unit sent is a keyframe
}

// run is the outcome of one server on one row.
type run struct {
	server   string
	row      row
	res      swarmResult
	cpuPct   float64 // server CPU, percent of one core
	swarmPct float64 // the swarm process's CPU
	otherPct float64 // the rest of the machine's busy time in the window
	cpuPerGb float64 // CPU-seconds per delivered Gbit
	lat      latency
	heap     map[string]int64
	report   string
	err      error
}

type swarmResult struct {
	Transport       string
	Readers         int
	Connected       int
	ConnectFailed   int
	Failed          int
	Silent          int
	WindowSeconds   float64
	Bytes           uint64
	Packets         uint64
	Lost            uint64
	Frames          uint64
	Mbps            float64
	LossPct         float64
	MinReaderMbps   float64
	ReadersWithLoss int
}

func main() {
	rowsFlag := flag.String("rows", "tcp:100,tcp:500,udp:100,udp:300,relay-tcp:100,relay-udp:100,push:50",
		"comma-separated rows: tcp:N, udp:N (N readers of the served file), relay-tcp:N, relay-udp:N (N readers of a relayed publisher), push:N (N publishers)")
	serversFlag := flag.String("servers", "gortsplib,ours", "servers to run, in this order for each row")
	repeat := flag.Int("repeat", 1, "runs per row and server (the median by CPU per Gbit is shown, all runs in the notes)")
	var o opts
	flag.StringVar(&o.file, "file", "../testdata/h264_high_720p_4mbps_bframes.h264", "input file (Annex-B H.264 or H.265)")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "time after the last reader connected before the window")
	flag.DurationVar(&o.window, "window", 10*time.Second, "measurement window")
	flag.StringVar(&o.profileDir, "profile-dir", "", "write CPU and heap profiles of every server run here")
	flag.BoolVar(&o.heap, "heap", true, "measure the heap per reader in each server (HEAP line)")
	jsonOut := flag.String("json", "", "also write the median run of every row and server as JSON to this file")
	flag.StringVar(&o.binDir, "bin", "", "directory with prebuilt binaries (default: build them into a temporary directory)")
	flag.Parse()

	rows, err := parseRows(*rowsFlag)
	if err != nil {
		fatal(err)
	}
	// Both servers send the file's access units in a loop, one per send.
	st, err := media.Load(o.file, media.IsHEVC(o.file))
	if err != nil {
		fatal(err)
	}
	o.isKey = func(k int) bool { return st.AUs[k%len(st.AUs)].Key }
	var servers []serverKind
	for _, s := range strings.Split(*serversFlag, ",") {
		k, ok := kinds[strings.TrimSpace(s)]
		if !ok {
			fatal(fmt.Errorf("unknown server %q (gortsplib, ours)", s))
		}
		servers = append(servers, k)
	}
	o.workDir, err = os.MkdirTemp("", "loadbench")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(o.workDir)
	if o.binDir == "" {
		o.binDir = filepath.Join(o.workDir, "bin")
		progress("building the servers and the swarm")
		cmd := exec.Command("go", "build", "-o", o.binDir+"/", "./cmd/benchserver-ours", "./cmd/benchserver-gortsplib", "./cmd/swarm", "./cmd/benchpub")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fatal(fmt.Errorf("go build (run loadbench from the bench directory): %w", err))
		}
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			fatal(err)
		}
	}

	all := make([][]run, len(rows)*len(servers)) // per row and server: the runs
	for rep := 0; rep < *repeat; rep++ {
		i := 0
		for _, r := range rows {
			for _, s := range servers {
				progress("%s %d %s (run %d/%d)", r.label(), r.readers, s.name, rep+1, *repeat)
				res := runOne(o, s, r, rep)
				if res.err != nil {
					progress("  error: %v", res.err)
				} else {
					progress("  %.0f Mbit/s, loss %.3f%%, server CPU %.1f%%, %.3f CPU-s/Gbit, p99 %.2f ms %s",
						res.res.Mbps, res.res.LossPct, res.cpuPct, res.cpuPerGb, res.lat.p99, res.report)
				}
				all[i] = append(all[i], res)
				i++
			}
		}
	}
	printTable(os.Stdout, rows, servers, all, o)
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, rows, servers, all); err != nil {
			fatal(err)
		}
	}
}

// jsonRun is one table row for cmd/benchall.
type jsonRun struct {
	// Mode is "" (the server serves the file), "relay" or "push" (see
	// row).
	Mode               string `json:",omitempty"`
	Transport          string
	Readers            int
	Server             string
	Error              string `json:",omitempty"`
	Mbps               float64
	LossPct            float64
	ReadersWithLoss    int
	Unhealthy          int // readers that failed to connect, failed or got nothing
	CPUPct             float64
	CPUPerGbit         float64
	RatioToGortsplib   float64 `json:",omitempty"`
	LatencyP50Ms       float64
	LatencyP99Ms       float64
	LatencyMaxMs       float64
	LatencyKeyP99Ms    float64 `json:",omitempty"`
	LatencyOtherP99Ms  float64 `json:",omitempty"`
	HeapPerReaderBytes int64
	// OtherLoadPct is the rest of the machine's busy time in the window
	// (neither the server nor the swarm): what else was running.
	OtherLoadPct float64
	ServerReport string
}

func writeJSON(path string, rows []row, servers []serverKind, all [][]run) error {
	var out []jsonRun
	i := 0
	for _, r := range rows {
		ref := 0.0
		for j, s := range servers {
			if m := median(all[i+j]); s.name == "gortsplib" && m.err == nil {
				ref = m.cpuPerGb
			}
		}
		for _, s := range servers {
			m := median(all[i])
			i++
			j := jsonRun{Mode: r.mode, Transport: r.transport, Readers: r.readers, Server: s.name}
			if m.err != nil {
				j.Error = m.err.Error()
				out = append(out, j)
				continue
			}
			j.Mbps, j.LossPct, j.ReadersWithLoss = m.res.Mbps, m.res.LossPct, m.res.ReadersWithLoss
			j.Unhealthy = m.res.ConnectFailed + m.res.Failed + m.res.Silent
			j.CPUPct, j.CPUPerGbit = m.cpuPct, m.cpuPerGb
			if s.name != "gortsplib" && ref > 0 {
				j.RatioToGortsplib = m.cpuPerGb / ref
			}
			j.LatencyP50Ms, j.LatencyP99Ms, j.LatencyMaxMs = m.lat.p50, m.lat.p99, m.lat.max
			j.LatencyKeyP99Ms, j.LatencyOtherP99Ms = m.lat.keyP99, m.lat.otherP99
			j.HeapPerReaderBytes = m.heap["heapPerReader"]
			j.OtherLoadPct = m.otherPct
			j.ServerReport = m.report
			out = append(out, j)
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func parseRows(s string) ([]row, error) {
	var rows []row
	for _, f := range strings.Split(s, ",") {
		t, n, ok := strings.Cut(strings.TrimSpace(f), ":")
		k, err := strconv.Atoi(n)
		var r row
		switch t {
		case "tcp", "udp":
			r = row{"", t, k}
		case "relay-tcp", "relay-udp":
			r = row{"relay", strings.TrimPrefix(t, "relay-"), k}
		case "push":
			r = row{"push", "tcp", k}
		default:
			ok = false
		}
		if !ok || err != nil || k < 1 {
			return nil, fmt.Errorf("bad row %q (want tcp:N, udp:N, relay-tcp:N, relay-udp:N or push:N)", f)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "loadbench: "+format+"\n", a...)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadbench:", err)
	os.Exit(1)
}

// proc is a started child process whose stdout lines arrive on a channel.
// done closes after the last line and the exit.
type proc struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{}
}

func start(bin string, args []string, stderr io.Writer) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, lines: make(chan string, 64), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitLine returns the first line with the prefix, or an error at timeout or
// when the process ends; other lines go to keep.
func (p *proc) waitLine(prefix string, timeout time.Duration, keep func(string)) (string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				return "", fmt.Errorf("%s ended before %q", filepath.Base(p.cmd.Path), prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l, nil
			}
			if keep != nil {
				keep(l)
			}
		case <-t.C:
			return "", fmt.Errorf("%s: no %q within %v", filepath.Base(p.cmd.Path), prefix, timeout)
		}
	}
}

// collect hands every remaining line to keep, in a goroutine; the returned
// channel closes after the last one.
func (p *proc) collect(keep func(string)) <-chan struct{} {
	c := make(chan struct{})
	go func() {
		defer close(c)
		for l := range p.lines {
			if keep != nil {
				keep(l)
			}
		}
	}()
	return c
}

// terminate sends SIGTERM, and SIGKILL after timeout, and waits for the
// exit. Someone must be reading the lines (collect).
func (p *proc) terminate(timeout time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTicks returns utime+stime of pid in clock ticks (USER_HZ, 100 on
// Linux), from /proc/<pid>/stat fields 14 and 15.
func cpuTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return u + st, nil
}

const userHZ = 100

// machineBusy returns the machine's busy time in ticks (all CPUs): the
// first line of /proc/stat less idle and iowait.
func machineBusy() int64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		busy += n
	}
	return busy
}

func exited(p *proc) string {
	select {
	case <-p.done:
		return p.cmd.ProcessState.String()
	default:
		return "no"
	}
}

func runOne(o opts, k serverKind, r row, rep int) run {
	if r.mode == "push" {
		return runPush(o, k, r, rep)
	}
	out := run{server: k.name, row: r}
	tag := fmt.Sprintf("%s-%s%d-%d", k.bin, r.label(), r.readers, rep)
	// The send log is the server's, or in a relay row the publisher's:
	// latency is then from the publisher's write to the reader.
	sendLog := filepath.Join(o.workDir, tag+".send")
	arrivals := filepath.Join(o.workDir, tag+".arr")
	duration := (o.warmup + o.window + 2*time.Minute).String()
	args := []string{
		"-file", o.file,
		"-port", strconv.Itoa(k.port),
		"-udp-port", strconv.Itoa(k.udp),
		"-duration", duration,
	}
	if r.mode == "relay" {
		args = append(args, "-relay")
	} else {
		args = append(args, "-latency-log", sendLog)
	}
	if o.heap {
		args = append(args, "-heap-readers", strconv.Itoa(r.readers))
	}
	if o.profileDir != "" {
		args = append(args,
			"-cpuprofile", filepath.Join(o.profileDir, fmt.Sprintf("%s-%s%d.cpu", k.bin, r.label(), r.readers)),
			"-memprofile", filepath.Join(o.profileDir, fmt.Sprintf("%s-%s%d.heap", k.bin, r.label(), r.readers)))
	}
	srv, err := start(filepath.Join(o.binDir, k.bin), args, os.Stderr)
	if err != nil {
		out.err = err
		return out
	}
	stopPub := func() {}
	if r.mode == "relay" {
		pub, err := start(filepath.Join(o.binDir, "benchpub"), []string{
			"-file", o.file, "-url", fmt.Sprintf("rtsp://127.0.0.1:%d/bench", k.port), "-impl", "ours",
			"-duration", duration, "-latency-log", sendLog,
		}, os.Stderr)
		if err != nil {
			<-srv.collect(nil)
			srv.terminate(5 * time.Second)
			out.err = err
			return out
		}
		pubLines := pub.collect(nil)
		stopPub = func() { // writes the send log
			pub.terminate(10 * time.Second)
			<-pubLines
		}
	}
	keep := func(l string) {
		switch {
		case strings.HasPrefix(l, "HEAP "):
			out.heap = parseKV(strings.TrimPrefix(l, "HEAP "))
		case strings.HasPrefix(l, "REPORT "):
			out.report = strings.TrimPrefix(l, "REPORT ")
		}
	}
	ready, err := srv.waitLine("READY ", 20*time.Second, keep)
	if err != nil {
		stopPub()
		<-srv.collect(nil)
		srv.terminate(5 * time.Second)
		out.err = err
		return out
	}
	url := strings.TrimSpace(strings.TrimPrefix(ready, "READY "))
	// From here on the server's lines (HEAP, REPORT) are kept by a
	// collector; out.heap and out.report are read only after it is done.
	srvLines := srv.collect(keep)
	stopServer := func() {
		stopPub()
		srv.terminate(15 * time.Second)
		<-srvLines
	}

	sw, err := start(filepath.Join(o.binDir, "swarm"), []string{
		"-url", url, "-n", strconv.Itoa(r.readers), "-transport", r.transport,
		"-warmup", o.warmup.String(), "-window", o.window.String(),
		"-arrivals", arrivals,
	}, os.Stderr)
	if err != nil {
		stopServer()
		out.err = err
		return out
	}
	fail := func(err error) run {
		<-sw.collect(nil)
		sw.terminate(5 * time.Second)
		stopServer()
		out.err = err
		return out
	}
	connectTimeout := 30*time.Second + time.Duration(r.readers)*50*time.Millisecond
	if _, err := sw.waitLine("WINDOW START", connectTimeout+o.warmup, nil); err != nil {
		return fail(err)
	}
	c0, err1 := cpuTicks(srv.cmd.Process.Pid)
	w0, err2 := cpuTicks(sw.cmd.Process.Pid)
	m0 := machineBusy()
	t0 := time.Now()
	if _, err := sw.waitLine("WINDOW END", o.window+30*time.Second, nil); err != nil {
		return fail(err)
	}
	c1, err3 := cpuTicks(srv.cmd.Process.Pid)
	w1, err4 := cpuTicks(sw.cmd.Process.Pid)
	m1 := machineBusy()
	secs := time.Since(t0).Seconds()
	_ = srv.cmd.Process.Signal(syscall.SIGUSR1) // REPORT, with the readers still there
	for _, e := range []error{err1, err2, err3, err4} {
		if e != nil {
			return fail(fmt.Errorf("%w (server exited: %v, swarm exited: %v)", e, exited(srv), exited(sw)))
		}
	}
	line, err := sw.waitLine("RESULT ", 30*time.Second, nil)
	if err != nil {
		return fail(err)
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "RESULT ")), &out.res); err != nil {
		return fail(err)
	}
	<-sw.collect(nil)
	sw.terminate(10 * time.Second)
	stopServer() // writes the send log and the profiles
	out.cpuPct = float64(c1-c0) / userHZ / secs * 100
	out.swarmPct = float64(w1-w0) / userHZ / secs * 100
	out.otherPct = max(0, float64((m1-m0)-(c1-c0)-(w1-w0))/userHZ/secs*100)
	if out.res.Mbps > 0 {
		out.cpuPerGb = (out.cpuPct / 100) / (out.res.Mbps / 1000)
	}
	out.lat, err = computeLatency(sendLog, arrivals, o.isKey)
	if err != nil {
		progress("  latency: %v", err)
	}
	return out
}

// runPush measures publishers rather than a server: r.readers publishers
// of k's implementation (cmd/benchpub -impl) push the file at its rate
// over TCP to our server (the sink, always the same), and the row is the
// publishing process's CPU per pushed Gbit (RTP bytes the publishers
// handed to their connections in the window).
func runPush(o opts, k serverKind, r row, rep int) run {
	out := run{server: k.name, row: r}
	sinkKind := kinds["ours"]
	duration := (o.warmup + o.window + 2*time.Minute).String()
	sink, err := start(filepath.Join(o.binDir, sinkKind.bin), []string{
		"-file", o.file, "-relay", "-duration", duration,
		"-port", strconv.Itoa(sinkKind.port), "-udp-port", strconv.Itoa(sinkKind.udp),
	}, os.Stderr)
	if err != nil {
		out.err = err
		return out
	}
	sinkLines := sink.collect(nil)
	defer func() {
		sink.terminate(15 * time.Second)
		<-sinkLines
	}()
	// The publishers start once the sink listens: gortsplib's client
	// does not retry, and ours would count a retry.
	if err := waitListening(sinkKind.port, 20*time.Second); err != nil {
		out.err = err
		return out
	}
	impl := "ours"
	if k.name == "gortsplib" {
		impl = "gortsplib"
	}
	args := []string{"-file", o.file, "-url", fmt.Sprintf("rtsp://127.0.0.1:%d/bench", sinkKind.port),
		"-impl", impl, "-n", strconv.Itoa(r.readers), "-duration", duration}
	if o.profileDir != "" {
		args = append(args, "-cpuprofile", filepath.Join(o.profileDir, fmt.Sprintf("benchpub-%s-push%d-%d.cpu", impl, r.readers, rep)))
	}
	pub, err := start(filepath.Join(o.binDir, "benchpub"), args, os.Stderr)
	if err != nil {
		out.err = err
		return out
	}
	defer func() {
		done := pub.collect(nil)
		pub.terminate(10 * time.Second)
		<-done
	}()
	if _, err := pub.waitLine("READY", 60*time.Second, nil); err != nil {
		out.err = err
		return out
	}
	// pushed asks the publisher for its counters.
	pushed := func() (map[string]int64, error) {
		_ = pub.cmd.Process.Signal(syscall.SIGUSR1)
		l, err := pub.waitLine("REPORT ", 10*time.Second, nil)
		if err != nil {
			return nil, err
		}
		out.report = strings.TrimPrefix(l, "REPORT ")
		return parseKV(out.report), nil
	}
	time.Sleep(o.warmup)
	b0, err := pushed()
	if err != nil {
		out.err = err
		return out
	}
	c0, err1 := cpuTicks(pub.cmd.Process.Pid)
	m0 := machineBusy()
	t0 := time.Now()
	time.Sleep(o.window)
	c1, err2 := cpuTicks(pub.cmd.Process.Pid)
	m1 := machineBusy()
	secs := time.Since(t0).Seconds()
	b1, err3 := pushed()
	for _, e := range []error{err1, err2, err3} {
		if e != nil {
			out.err = e
			return out
		}
	}
	out.res = swarmResult{Transport: "tcp", Readers: r.readers, Connected: int(b1["connected"]), WindowSeconds: secs,
		Bytes: uint64(b1["pushedBytes"] - b0["pushedBytes"])}
	out.res.Mbps = float64(out.res.Bytes) * 8 / secs / 1e6
	out.cpuPct = float64(c1-c0) / userHZ / secs * 100
	out.otherPct = max(0, float64((m1-m0)-(c1-c0))/userHZ/secs*100)
	if out.res.Mbps > 0 {
		out.cpuPerGb = (out.cpuPct / 100) / (out.res.Mbps / 1000)
	}
	if out.res.Connected < r.readers {
		out.err = fmt.Errorf("%d of %d publishers connected (%s)", out.res.Connected, r.readers, out.report)
	}
	return out
}

// waitListening returns once 127.0.0.1:port accepts connections.
func waitListening(port int, timeout time.Duration) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not listening after %v: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func parseKV(s string) map[string]int64 {
	m := map[string]int64{}
	for _, f := range strings.Fields(s) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			m[k] = n
		}
	}
	return m
}

func median(rs []run) run {
	ok := make([]run, 0, len(rs))
	for _, r := range rs {
		if r.err == nil {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return rs[0]
	}
	sort.Slice(ok, func(i, j int) bool { return ok[i].cpuPerGb < ok[j].cpuPerGb })
	return ok[(len(ok)-1)/2]
}

func printTable(w io.Writer, rows []row, servers []serverKind, all [][]run, o opts) {
	fmt.Fprintf(w, "| transport | readers | server | delivered Mbit/s | loss %% (readers with loss) | server CPU %% | CPU-s per Gbit | ours/gortsplib | latency p50 / p99 / max ms | p99 keyframes / other ms | heap KiB/reader | swarm CPU %% | other load %% | notes |\n")
	fmt.Fprintf(w, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	i := 0
	for _, r := range rows {
		ref := 0.0 // gortsplib's CPU per Gbit on this row, wherever it ran
		for j, s := range servers {
			if m := median(all[i+j]); s.name == "gortsplib" && m.err == nil {
				ref = m.cpuPerGb
			}
		}
		for _, s := range servers {
			rs := all[i]
			i++
			m := median(rs)
			if m.err != nil {
				fmt.Fprintf(w, "| %s | %d | %s | – | – | – | – | – | – | – | – | – | – | error: %v |\n", r.label(), r.readers, s.name, m.err)
				continue
			}
			ratio := "–"
			if s.name != "gortsplib" && ref > 0 {
				ratio = fmt.Sprintf("%.2f", m.cpuPerGb/ref)
			}
			heap := "–"
			if v, ok := m.heap["heapPerReader"]; ok {
				heap = fmt.Sprintf("%.1f", float64(v)/1024)
			}
			var notes []string
			if len(rs) > 1 {
				var v []string
				for _, x := range rs {
					if x.err == nil {
						v = append(v, fmt.Sprintf("%.3f", x.cpuPerGb))
					} else {
						v = append(v, "err")
					}
				}
				notes = append(notes, "CPU-s/Gbit runs: "+strings.Join(v, " "))
			}
			if m.res.ConnectFailed+m.res.Failed+m.res.Silent > 0 {
				notes = append(notes, fmt.Sprintf("%d/%d connected, %d failed, %d silent",
					m.res.Connected, m.res.Readers, m.res.Failed, m.res.Silent))
			}
			if m.report != "" {
				notes = append(notes, m.report)
			}
			if m.lat.mismatch > 0 {
				notes = append(notes, fmt.Sprintf("%d latency samples misattributed", m.lat.mismatch))
			}
			fmt.Fprintf(w, "| %s | %d | %s | %.0f | %.3f (%d) | %.1f | %.3f | %s | %s | %s | %s | %.0f | %.0f | %s |\n",
				r.label(), r.readers, s.name, m.res.Mbps, m.res.LossPct, m.res.ReadersWithLoss,
				m.cpuPct, m.cpuPerGb, ratio, m.lat.String(), m.lat.Split(), heap, m.swarmPct, m.otherPct, strings.Join(notes, "; "))
		}
	}
	fmt.Fprintf(w, "\nWindow %v after %v of warm-up, input %s at 25 fps; CPU from /proc/<pid>/stat of the server process. "+
		"relay rows: the server relays one publisher (cmd/benchpub, our client.Publisher over TCP, the same for both servers) to the readers, "+
		"and latency runs from the publisher's write to the reader. push rows: the readers column is the number of publishers, "+
		"the server column their implementation, delivered is what they pushed (to our server), and CPU is the publishing process's.\n",
		o.window, o.warmup, filepath.Base(o.file))
}
