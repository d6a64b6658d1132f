//go:build linux

package conformance

import (
	"fmt"
	"sync"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// feedMode is how the stream is handed to the server.
type feedMode int

const (
	// board feeds the way the K230 board's example does: one call per
	// encoder pack, that is one NAL unit per call (one JPEG picture, one
	// audio frame or 20 ms of G.711), always with the timestamp 1000.
	board feedMode = iota
	// careful feeds whole access units with real timestamps, in
	// microseconds from an arbitrary origin.
	careful
)

func (m feedMode) String() string {
	if m == board {
		return "board"
	}
	return "careful"
}

// carefulBase is the careful caller's timestamp origin, in µs: anything
// but 0, to show that the origin does not matter.
const carefulBase = 7_000_000_000

// pacer feeds a server session in real time from its own goroutine:
// video at the source's frame rate, audio one unit per unit duration, both
// looping, both on one schedule from one start instant (so unit n of a
// stream has media time n times its duration). It logs when each unit
// went out, which the analysis uses to tell which loop a decoded unit came
// from.
type pacer struct {
	srv  *server.Server
	name string
	mode feedMode
	v    *videoSource
	a    *audioSource

	// stall makes the caller freeze for stall every 2 s of media, then
	// send what it owes at once, as a board whose encoder thread was
	// descheduled does.
	stall time.Duration
	// chunk makes the caller hand audio over chunk units at a time, when
	// the last one is due, stamped with the first one's time: what an
	// audio capture buffer of chunk units delivers.
	chunk int

	start time.Time
	stop  chan struct{}
	done  chan struct{}

	mu     sync.Mutex
	vSent  []time.Time // wall clock of each video unit, by global index
	aSent  []time.Time
	errs   []string
	keyCh  []chan struct{} // waiters for the next keyframe
	lastKy int             // global index of the last keyframe sent
	late   time.Duration   // the most a unit went out after its schedule
	call   time.Duration   // the longest SendVideoData/SendAudioData call
}

// longestCall is the longest time a Send call took: the server must never
// make the caller wait (README, "Slow players").
func (p *pacer) longestCall() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.call
}

// maxLateness is how late the pacer sent a unit at worst: the machine's
// scheduling delay, which the board mode turns into timestamp jitter.
func (p *pacer) maxLateness() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.late
}

func startPacer(srv *server.Server, name string, r row, v *videoSource, a *audioSource) *pacer {
	p := &pacer{srv: srv, name: name, mode: r.mode, v: v, a: a, stall: r.stall, chunk: max(1, r.chunk),
		stop: make(chan struct{}), done: make(chan struct{}), lastKy: -1}
	p.start = time.Now()
	go p.run()
	return p
}

func (p *pacer) close() {
	close(p.stop)
	<-p.done
}

func (p *pacer) run() {
	defer close(p.done)
	vd := p.v.frameDur()
	var ad time.Duration
	if p.a != nil {
		ad = p.a.unitDur()
	}
	nv, na := 0, 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	stalled := 0 // stalls done
	for {
		next := p.start.Add(time.Duration(nv) * vd)
		isVideo := true
		if p.a != nil {
			// A chunk is due when its last unit is.
			if at := p.start.Add(time.Duration(na+p.chunk-1) * ad); at.Before(next) {
				next, isVideo = at, false
			}
		}
		if p.stall > 0 && next.Sub(p.start) >= time.Duration(stalled+1)*2*time.Second {
			stalled++
			next = next.Add(p.stall)
		}
		if d := time.Until(next); d > 0 {
			timer.Reset(d)
			select {
			case <-p.stop:
				return
			case <-timer.C:
			}
		} else {
			select {
			case <-p.stop:
				return
			default:
			}
		}
		if l := time.Since(next); l > 0 {
			p.mu.Lock()
			p.late = max(p.late, l)
			p.mu.Unlock()
		}
		if isVideo {
			p.sendVideo(nv, time.Duration(nv)*vd)
			nv++
		} else {
			p.sendAudio(na, time.Duration(na)*ad)
			na += p.chunk
		}
	}
}

func (p *pacer) ts(media time.Duration) uint64 {
	if p.mode == board {
		return 1000
	}
	return carefulBase + uint64(media/time.Microsecond)
}

func (p *pacer) sendVideo(n int, media time.Duration) {
	i := n % len(p.v.units)
	now := time.Now()
	var err error
	if p.mode == board && p.v.nals != nil {
		for _, nal := range p.v.nals[i] {
			if err = p.srv.SendVideoData(p.name, nal, p.ts(media)); err != nil {
				break
			}
		}
	} else {
		err = p.srv.SendVideoData(p.name, p.v.units[i], p.ts(media))
	}
	took := time.Since(now)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call = max(p.call, took)
	p.vSent = append(p.vSent, now)
	if err != nil && len(p.errs) < 10 {
		p.errs = append(p.errs, fmt.Sprintf("SendVideoData unit %d: %v", n, err))
	}
	if p.v.key[i] {
		p.lastKy = n
		for _, c := range p.keyCh {
			close(c)
		}
		p.keyCh = nil
	}
}

// sendAudio sends units n to n+chunk-1 in one call.
func (p *pacer) sendAudio(n int, media time.Duration) {
	data := p.a.units[n%len(p.a.units)]
	if p.chunk > 1 {
		data = nil
		for k := n; k < n+p.chunk; k++ {
			data = append(data, p.a.units[k%len(p.a.units)]...)
		}
	}
	now := time.Now()
	err := p.srv.SendAudioData(p.name, data, p.ts(media))
	took := time.Since(now)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.call = max(p.call, took)
	for k := 0; k < p.chunk; k++ {
		p.aSent = append(p.aSent, now)
	}
	if err != nil && len(p.errs) < 10 {
		p.errs = append(p.errs, fmt.Sprintf("SendAudioData unit %d: %v", n, err))
	}
}

// waitKeyframeAfter blocks until a keyframe has been sent at least d after
// the start, and returns when it went out.
func (p *pacer) waitKeyframeAfter(d time.Duration) time.Time {
	for {
		p.mu.Lock()
		if p.lastKy >= 0 && p.vSent[p.lastKy].Sub(p.start) >= d {
			t := p.vSent[p.lastKy]
			p.mu.Unlock()
			return t
		}
		c := make(chan struct{})
		p.keyCh = append(p.keyCh, c)
		p.mu.Unlock()
		select {
		case <-c:
		case <-p.done:
			return time.Now()
		}
	}
}

// nextKeyframeAfter returns when the first keyframe after t went out (zero
// if none yet).
func (p *pacer) nextKeyframeAfter(t time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, w := range p.vSent {
		if w.After(t) && p.v.key[n%len(p.v.units)] {
			return w
		}
	}
	return time.Time{}
}

// sentLog returns copies of the send logs.
func (p *pacer) sentLog() (v, a []time.Time, errs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.vSent...), append([]time.Time(nil), p.aSent...), append([]string(nil), p.errs...)
}
