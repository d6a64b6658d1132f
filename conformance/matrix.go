package conformance

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Status is the outcome of one cell of the matrix.
type Status string

// Cell outcomes.
const (
	// Pass: the player decoded the stream and every assertion held.
	Pass Status = "pass"
	// Fail: an assertion did not hold; Result.Problems says which.
	Fail Status = "FAIL"
	// Cannot: the player cannot play this kind of stream at all, for a
	// reason outside the server that the suite asserts exactly (Debian's
	// VLC without live555). Result.Detail says why.
	Cannot Status = "cannot"
	// Skip: the player is not installed (only outside make test).
	Skip Status = "skip"
	// Known: the cell failed twice, and every problem is a known open
	// defect listed in known_test.go with the issue it is tracked in. It
	// does not fail the run, and it is shown as KNOWN in the matrix so
	// nobody mistakes it for a pass.
	Known Status = "KNOWN"
)

// Result is one cell: one stream played by one player over one transport.
type Result struct {
	// Media is the row: the codecs and the way the stream was fed, such
	// as "h264-main board" or "h264+aac-mono48 careful".
	Media string
	// Player is "ffprobe", "ffmpeg", "gstreamer" or "vlc".
	Player string
	// Transport is "udp", "tcp", "multicast" or "rtp" (VLC's RTP input).
	Transport string
	Status    Status
	// Video and Audio are the measured counts, "decoded/sent" units in
	// the window (frames; packets or AAC frames for audio), empty when
	// the cell does not count.
	Video, Audio string
	// Detail holds short measurements: A/V offset, first-frame latency,
	// derived frame rate, or why a cell cannot run.
	Detail string
	// Problems lists every assertion that failed.
	Problems []string
	// Elapsed is how long the cell took.
	Elapsed time.Duration
}

// Column names the player and transport of a result, "ffmpeg/udp".
func (r Result) Column() string { return r.Player + "/" + r.Transport }

// Cell is the text of a result inside the matrix table.
func (r Result) Cell() string {
	var parts []string
	parts = append(parts, string(r.Status))
	counts := r.Video
	if r.Audio != "" {
		if counts != "" {
			counts += " + "
		}
		counts += r.Audio
	}
	if counts != "" {
		parts = append(parts, counts)
	}
	return strings.Join(parts, " ")
}

// Matrix collects results from concurrent cells and renders them.
type Matrix struct {
	mu      sync.Mutex
	results []Result
}

// Add records a result. Safe for concurrent use.
func (m *Matrix) Add(r Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results = append(m.results, r)
}

// Results returns the results recorded so far, sorted by row then column.
func (m *Matrix) Results() []Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := append([]Result(nil), m.results...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Media != out[j].Media {
			return out[i].Media < out[j].Media
		}
		return out[i].Column() < out[j].Column()
	})
	return out
}

// Markdown renders the matrix: one row per stream, one column per
// player/transport in the order given (columns absent from cols are
// appended), each cell "status decoded/sent", then a list of the details
// of every cell that has any.
func (m *Matrix) Markdown(cols []string) string {
	res := m.Results()
	var rows []string
	seenRow := map[string]bool{}
	seenCol := map[string]bool{}
	cell := map[[2]string]Result{}
	for _, c := range cols {
		seenCol[c] = true
	}
	for _, r := range res {
		if !seenRow[r.Media] {
			seenRow[r.Media] = true
			rows = append(rows, r.Media)
		}
		if !seenCol[r.Column()] {
			seenCol[r.Column()] = true
			cols = append(cols, r.Column())
		}
		cell[[2]string{r.Media, r.Column()}] = r
	}
	// Keep only columns that have at least one result.
	var used []string
	for _, c := range cols {
		for _, r := range rows {
			if _, ok := cell[[2]string{r, c}]; ok {
				used = append(used, c)
				break
			}
		}
	}
	var b strings.Builder
	b.WriteString("| stream |")
	for _, c := range used {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|")
	for range used {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + r + " |")
		for _, c := range used {
			if x, ok := cell[[2]string{r, c}]; ok {
				b.WriteString(" " + x.Cell() + " |")
			} else {
				b.WriteString(" |")
			}
		}
		b.WriteString("\n")
	}
	var notes []string
	for _, r := range res {
		if r.Detail == "" && len(r.Problems) == 0 {
			continue
		}
		line := fmt.Sprintf("- %s, %s: %s", r.Media, r.Column(), r.Status)
		if r.Detail != "" {
			line += "; " + r.Detail
		}
		for _, p := range r.Problems {
			line += "; **" + p + "**"
		}
		notes = append(notes, line)
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		b.WriteString(strings.Join(notes, "\n"))
		b.WriteString("\n")
	}
	return b.String()
}
