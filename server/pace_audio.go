package server

import (
	"time"
)

// Audio pacing. A caller whose capture hands over several packets' worth
// of audio at once (an ALSA period or an encoder buffer of 200 ms is
// common) would have them reach players as one burst per call. Players that
// time media by its arrival turn bursts into jumps: GStreamer's jitter
// buffer estimates the sender's clock from arrival times, so its audio
// timeline and A/V offset moved by up to a call's duration (the conformance
// rows "audio 10 per call"). The server therefore sends the first packet of
// a call at once and the others at the pace they play, so that all of a
// call's audio is as late as its first sample rather than a sawtooth. It
// paces a little faster than real time (paceNum/paceDen) so that a caller
// whose clock runs slightly fast never builds up a backlog. A caller that
// sends one packet's worth per call (the board's 20 ms of G.711, one AAC
// frame) is not delayed at all.

// audioPacer holds a mount's audio packets waiting for their time, each as
// a frame of its own. Guarded by the mount's mu.
type audioPacer struct {
	q     []pacedFrame
	timer *time.Timer
	// now is the pacer's clock when set: a test hook, which stops the
	// clock to check the schedule and that calls do not wait for it
	// (pace_audio_test.go). nil: time.Now.
	now func() time.Time
}

func (p *audioPacer) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

type pacedFrame struct {
	f   *frame
	due time.Time
	dur time.Duration // the packet's playing time
}

// Pacing speed: 15/16 of a packet's duration between packets.
const paceNum, paceDen = 15, 16

// paceMax bounds the audio waiting: beyond it the caller is ahead of real
// time (catching up after a stall) and waiting would only add delay, so
// everything goes out at once.
const paceMax = time.Second

// publishAudio publishes the packets of an audio frame, paced (see above).
// end is the RTP timestamp where the frame's audio ends. Called with mu
// held; takes over the caller's reference to f.
func (m *mount) publishAudio(f *frame, end uint32) {
	p := &m.pace
	n := f.batch.Len()
	if n <= 1 && len(p.q) == 0 {
		m.publish(f)
		return
	}
	t := m.tracks[f.track]
	now := p.clock()
	ahead := t.clock.duration(end - f.batch.Timestamp(0))
	if k := len(p.q); k > 0 {
		ahead += p.q[k-1].due.Sub(now)
	}
	if ahead > paceMax {
		// More than paceMax would wait: the caller is ahead of real
		// time (catching up after a stall, or one huge call). Waiting
		// would only add delay: everything goes out now.
		m.paceFlush(time.Time{})
		m.publish(f)
		return
	}
	for i := 0; i < n; i++ {
		next := end
		if i+1 < n {
			next = f.batch.Timestamp(i + 1)
		}
		pf := pacedFrame{f: m.packetFrame(f, i), due: now, dur: t.clock.duration(next - f.batch.Timestamp(i))}
		if k := len(p.q); k > 0 {
			last := p.q[k-1]
			if d := last.due.Add(last.dur * paceNum / paceDen); d.After(now) {
				pf.due = d
			}
		}
		p.q = append(p.q, pf)
	}
	f.release()
	m.paceFlush(now)
}

// packetFrame returns a frame holding packet i of f, with its own copy of
// the media (f goes back to the pool before the packet goes out).
func (m *mount) packetFrame(f *frame, i int) *frame {
	g := m.frames.get(f.track)
	g.key = true
	g.ts = f.batch.Timestamp(i)
	g.data = append(g.data, f.batch.Body(i)...)
	g.batch.AppendRaw(f.batch.Head(i), g.data)
	g.seal()
	return g
}

// paceFlush publishes the packets due by now (all of them for a zero now)
// and sets the timer for the next. Called with mu held.
func (m *mount) paceFlush(now time.Time) {
	p := &m.pace
	k := 0
	for ; k < len(p.q) && (now.IsZero() || !p.q[k].due.After(now)); k++ {
		m.publish(p.q[k].f)
		p.q[k] = pacedFrame{}
	}
	p.q = p.q[:copy(p.q, p.q[k:])]
	if len(p.q) == 0 {
		return
	}
	d := p.q[0].due.Sub(now)
	// m.timers counts the callback from when it is armed to when it has
	// run (or been stopped): see mount.timers.
	if p.timer == nil {
		m.timers.add()
		p.timer = time.AfterFunc(d, m.paceTick)
	} else if !p.timer.Reset(d) {
		m.timers.add() // it had fired (or been stopped): armed anew
	}
}

func (m *mount) paceTick() {
	defer m.timers.done()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.paceFlush(m.pace.clock())
	}
}

// paceClose drops what waits (the mount is closing). Called with mu held.
func (m *mount) paceClose() {
	p := &m.pace
	if p.timer != nil && p.timer.Stop() {
		m.timers.done() // it will not run
	}
	for i := range p.q {
		p.q[i].f.release()
		p.q[i] = pacedFrame{}
	}
	p.q = p.q[:0]
}
