// Command microtable runs the packetization micro benchmarks of
// bench/internal/micro side by side and prints one Markdown table with the
// ratio of each case to gortsplib on the same codec. Each case runs -count
// times; the table shows the median ns/op.
//
//	go run ./cmd/microtable -testdata ../testdata -count 3 -benchtime 1s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/bench/internal/micro"
)

func main() {
	testing.Init()
	dir := flag.String("testdata", "../testdata", "the main module's testdata directory")
	count := flag.Int("count", 3, "runs per case (the median is shown)")
	benchtime := flag.Duration("benchtime", time.Second, "time per run")
	jsonOut := flag.String("json", "", "also write the rows as JSON to this file")
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	type row struct {
		c             micro.Case
		ns            float64
		bytes         int64
		allocB, alloc int64
	}
	var rows []row
	for _, c := range micro.Cases(*dir) {
		var runs []testing.BenchmarkResult
		for i := 0; i < *count; i++ {
			r := testing.Benchmark(c.Fn)
			if r.N == 0 {
				fmt.Fprintf(os.Stderr, "%s: benchmark failed\n", c.Name())
				os.Exit(1)
			}
			runs = append(runs, r)
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].NsPerOp() < runs[j].NsPerOp() })
		m := runs[len(runs)/2]
		rows = append(rows, row{c: c, ns: float64(m.T.Nanoseconds()) / float64(m.N), bytes: m.Bytes,
			allocB: m.AllocedBytesPerOp(), alloc: m.AllocsPerOp()})
		fmt.Fprintf(os.Stderr, "%-40s %12.0f ns/op\n", c.Name(), rows[len(rows)-1].ns)
	}

	ref := map[string]float64{}
	for _, r := range rows {
		if r.c.Impl == "gortsplib" {
			ref[r.c.Codec] = r.ns
		}
	}
	if *jsonOut != "" {
		type jrow struct {
			Codec, Impl, What string
			NsPerOp           float64
			MBps              float64
			AllocsPerOp       int64
			AllocBytesPerByte float64
			XGortsplib        float64
		}
		var js []jrow
		for _, r := range rows {
			js = append(js, jrow{r.c.Codec, r.c.Impl, r.c.What, r.ns, float64(r.bytes) / r.ns * 1e3, r.alloc,
				float64(r.allocB) / float64(r.bytes), ref[r.c.Codec] / r.ns})
		}
		data, _ := json.MarshalIndent(js, "", "  ")
		if err := os.WriteFile(*jsonOut, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("| codec | implementation | measures | µs/op | MB/s | alloc B per input B | allocs/op | × gortsplib |\n")
	fmt.Printf("|---|---|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		mbs := float64(r.bytes) / r.ns * 1e3 // bytes/ns*1e3 = MB/s
		fmt.Printf("| %s | %s | %s | %.1f | %.0f | %.2f | %d | %.1f |\n",
			r.c.Codec, r.c.Impl, r.c.What, r.ns/1e3, mbs, float64(r.allocB)/float64(r.bytes), r.alloc, ref[r.c.Codec]/r.ns)
	}
}
