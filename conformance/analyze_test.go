//go:build linux

package conformance

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// streamReport is the analysis of one decoded stream over the window.
type streamReport struct {
	decoded    int           // units with pts in [first, first+window)
	expected   int           // window times the source's unit rate
	identified int           // decoded units found in the reference
	sent       int           // units the server was given over the span decoded
	missing    int           // sent but not decoded
	repeated   int           // decoded twice
	jitter     time.Duration // largest distance of a unit's pts from where its content belongs
	fps        float64       // units per second derived from the pts
	backwards  int           // pts that did not increase
	gaps       int           // audio: a unit's pts is not the previous one's plus its duration
	offset     time.Duration // median of pts - media time of the unit (resolved)
	resolved   bool          // units were matched to what the pacer sent
	first      unit          // first decoded unit
	firstIndex int           // its loop position (-1 unknown)
}

// analyzeStream checks one stream. ref identifies units; dur is the
// source's unit duration; sent[n] is when the pacer sent global unit n.
//
// The window starts skip after the first unit's pts: 0 for ffmpeg, whose
// timestamps are the RTP timestamps; for GStreamer the time its jitter
// buffer takes to settle after the GOP cache burst (see gstSettle).
func analyzeStream(so *streamObs, ref refMap, dur time.Duration, sent []time.Time, skip, window time.Duration) streamReport {
	r := streamReport{firstIndex: -1}
	r.expected = int(math.Round(window.Seconds() / dur.Seconds()))
	if so == nil || len(so.units) == 0 {
		return r
	}
	r.first = so.units[0]
	if i, ok := ref.idx[r.first.hash]; ok {
		r.firstIndex = i
	}
	p0 := so.units[0].pts + skip
	var us []unit
	for _, u := range so.units {
		if u.pts >= p0 && u.pts-p0 < window {
			us = append(us, u)
		}
	}
	r.decoded = len(us)
	if len(us) == 0 {
		return r
	}
	for k := 1; k < len(us); k++ {
		d := us[k].pts - us[k-1].pts
		if d <= 0 {
			r.backwards++
		}
		if dur < 30*time.Millisecond && absDur(d-dur) > 2*time.Millisecond {
			r.gaps++ // audio must be contiguous
		}
	}
	if n := len(us); n > 1 {
		if span := us[n-1].pts - us[0].pts; span > 0 {
			r.fps = float64(n-1) / span.Seconds()
		}
	}
	// Identify: position in the loop of every unit we know.
	pos := make([]int, len(us))
	lastID := -1
	for k, u := range us {
		pos[k] = -1
		if i, ok := ref.idx[u.hash]; ok {
			pos[k] = i
			r.identified++
			lastID = k
		}
	}
	if lastID < 0 || ref.loop == 0 || len(sent) == 0 {
		return r
	}
	// Resolve global unit numbers. The last identified unit is live: it
	// went out less than a loop (2 s of video, 1 s of MJPEG) before the
	// player printed it, however slow the machine made the player, which
	// picks one loop. The others follow by walking the content positions
	// backwards and forwards from it (a position that repeats is a unit
	// decoded twice); units the reference does not know are placed by their
	// pts distance to a neighbour. Timestamps are not trusted for placing
	// identified units: with the board's constant timestamp they carry the
	// jitter of the caller.
	lu := us[lastID]
	n := make([]int, len(us))
	n[lastID] = -1
	maxAge := time.Duration(ref.loop) * dur * 95 / 100
	for c := pos[lastID]; c < len(sent); c += ref.loop {
		if !sent[c].After(lu.wall) && lu.wall.Sub(sent[c]) < maxAge {
			if n[lastID] >= 0 {
				return r // ambiguous
			}
			n[lastID] = c
		}
	}
	if n[lastID] < 0 {
		return r
	}
	r.resolved = true
	step := func(from, to int) int { // units from us[from] to us[to], to > from
		if pos[from] >= 0 && pos[to] >= 0 {
			return ((pos[to]-pos[from])%ref.loop + ref.loop) % ref.loop
		}
		return max(1, int(math.Round(float64(us[to].pts-us[from].pts)/float64(dur))))
	}
	for k := lastID - 1; k >= 0; k-- {
		n[k] = n[k+1] - step(k, k+1)
	}
	for k := lastID + 1; k < len(us); k++ {
		n[k] = n[k-1] + step(k-1, k)
	}
	seen := map[int]int{}
	var offsets []time.Duration
	for k, u := range us {
		seen[n[k]]++
		if pos[k] >= 0 {
			offsets = append(offsets, u.pts-time.Duration(n[k])*dur)
		}
	}
	r.sent = n[len(n)-1] - n[0] + 1
	r.missing = r.sent - len(seen)
	for _, c := range seen {
		if c > 1 {
			r.repeated += c - 1
		}
	}
	if len(offsets) > 0 {
		sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
		r.offset = offsets[len(offsets)/2]
		for _, o := range offsets {
			r.jitter = max(r.jitter, absDur(o-r.offset))
		}
	}
	return r
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// withinCount says whether got is within a few percent of want: 3 %, and
// at least 2 units, of slack.
func withinCount(got, want int) bool {
	slack := max(2, int(math.Ceil(0.03*float64(want))))
	return got >= want-slack && got <= want+slack
}

func (r streamReport) counts() string {
	if r.resolved {
		return fmt.Sprintf("%d/%d", r.decoded, r.sent)
	}
	return fmt.Sprintf("%d/~%d", r.decoded, r.expected)
}

// joinReport says where a player's first decoded frame came from.
type joinReport struct {
	first   int   // global unit number of the first decoded frame (-1: unknown)
	allowed []int // keyframes that may have headed the GOP cache at PLAY
}

// fromCache reports whether the first decoded frame is a keyframe that was
// in the GOP cache when the player's PLAY took effect.
func (j joinReport) fromCache() bool {
	for _, k := range j.allowed {
		if j.first == k {
			return true
		}
	}
	return false
}

// analyzeJoin finds which unit a player decoded first and which keyframes
// the server's GOP cache could have started with at PLAY.
//
// The first frame's content gives its position pos in the loop, and so the
// units it may have been: those with that position sent before the player
// printed it. Content cannot tell them apart, so when one of them is a
// keyframe the cache may have held, that is the one; otherwise the latest
// (a slow player that printed the first frame more than a loop after PLAY
// makes the two coincide). The cache at PLAY holds the frames from the last keyframe the
// server had been given. play is when the suite saw the server begin
// sending, up to slack after the real instant (polling, and the Send call
// still in progress), so every keyframe whose call began within slack
// before play may be the cached one; a keyframe sent after play is the
// next live one, which a server without a working cache would start with.
func analyzeJoin(sent []time.Time, key func(n int) bool, loop, pos int, firstWall, play time.Time, slack time.Duration) joinReport {
	j := joinReport{first: -1}
	last := -1 // the last keyframe sent at least slack before play
	for n := range sent {
		if !key(n) || sent[n].After(play) {
			continue
		}
		if !sent[n].After(play.Add(-slack)) {
			last = n
		} else {
			j.allowed = append(j.allowed, n)
		}
	}
	if last >= 0 {
		j.allowed = append([]int{last}, j.allowed...)
	}
	if loop <= 0 || pos < 0 {
		return j
	}
	for n := pos; n < len(sent) && !sent[n].After(firstWall); n += loop {
		j.first = n
		if j.fromCache() {
			break
		}
	}
	return j
}
