package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/rtspkit/rtspkit/bench/internal/srvmain"
)

// latency summarises, over every reader, the time from the return of the
// server's send call for an access unit to the arrival (the return of the
// reader's read) of that access unit's last packet. A packet that arrives
// before the call returns counts as 0.
type latency struct {
	n             int
	p50, p99, max float64 // milliseconds
	// p99 of the arrivals of keyframes (IDR, about five times a P frame's
	// size here) and of the other frames: with many readers the p99 over
	// all frames falls among the keyframes' arrivals.
	keyP99, otherP99 float64
	// mismatch counts arrivals whose attribution to a frame disagrees with
	// the RTP timestamps (see computeLatency); it should be 0.
	mismatch int
}

// Split is keyP99 and otherP99 for the table.
func (l latency) Split() string {
	if l.n == 0 || l.keyP99 < 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f / %.2f", l.keyP99, l.otherP99)
}

func (l latency) String() string {
	if l.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f / %.2f / %.1f", l.p50, l.p99, l.max)
}

// computeLatency joins the server's send log with the swarm's arrivals.
// Both hold unix nanoseconds of the same machine's clock. Access unit k has
// RTP timestamp offset + 3600·k (25 fps at 90 kHz) on both servers, with an
// offset the swarm does not know; it is found as the one that most
// arrivals agree on when each is given to the last access unit whose send
// started before it (right whenever latency is under one frame period).
// Every arrival is then attributed by its RTP timestamp, so late frames
// count with their full latency; arrivals whose timestamp matches no sent
// access unit are counted in mismatch. isKey, when not nil, says whether
// the k-th access unit sent is a keyframe.
func computeLatency(sendPath, arrPath string, isKey func(k int) bool) (latency, error) {
	var l latency
	sends, err := srvmain.ReadSendLog(sendPath)
	if err != nil {
		return l, err
	}
	if len(sends) == 0 {
		return l, fmt.Errorf("empty send log")
	}
	f, err := os.Open(arrPath)
	if err != nil {
		return l, err
	}
	defer f.Close()
	type arrival struct {
		ts uint32
		at int64
	}
	var arr []arrival
	votes := map[uint32]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			continue
		}
		ts, err1 := strconv.ParseUint(fs[1], 10, 32)
		at, err2 := strconv.ParseInt(fs[2], 10, 64)
		if err1 != nil || err2 != nil {
			return l, fmt.Errorf("bad arrival line %q", sc.Text())
		}
		a := arrival{uint32(ts), at}
		arr = append(arr, a)
		if k := sort.Search(len(sends), func(i int) bool { return sends[i][0] > at }) - 1; k >= 0 {
			votes[a.ts-uint32(k)*3600]++
		}
	}
	if err := sc.Err(); err != nil {
		return l, err
	}
	var offset uint32
	best := 0
	for off, n := range votes {
		if n > best {
			offset, best = off, n
		}
	}
	var lat, key, other []float64
	for _, a := range arr {
		d := a.ts - offset
		k := int(d / 3600)
		if d%3600 != 0 || k >= len(sends) {
			l.mismatch++
			continue
		}
		ms := float64(a.at-sends[k][1]) / 1e6
		if ms < 0 {
			ms = 0
		}
		lat = append(lat, ms)
		if isKey != nil && isKey(k) {
			key = append(key, ms)
		} else {
			other = append(other, ms)
		}
	}
	if len(lat) == 0 {
		return l, fmt.Errorf("no arrivals")
	}
	sort.Float64s(lat)
	l.n = len(lat)
	l.p50 = lat[len(lat)/2]
	l.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	l.max = lat[len(lat)-1]
	l.keyP99, l.otherP99 = p99(key), p99(other)
	return l, nil
}

// p99 of v (sorted in place), -1 for none.
func p99(v []float64) float64 {
	if len(v) == 0 {
		return -1
	}
	sort.Float64s(v)
	return v[min(len(v)-1, len(v)*99/100)]
}
