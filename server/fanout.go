package server

import (
	"errors"
	goruntime "runtime"
	"sync/atomic"
	"time"
)

// fanout sends the frames of every playing reader of the server. It has a
// few worker goroutines (as many as cores, at most maxWorkers); each reader
// belongs to one worker for good, so its frames stay in order. TCP readers
// go round the workers, so a frame's writes run on every core; UDP readers
// fill one worker before the next (assignUDP), so that up to a few hundred
// of them get each frame from one sendmmsg.
//
// The publisher stages a frame's readers while it offers the frame
// (mount.stage) and hands each worker its list in one step
// (mount.flushStage). The worker then sends the frame to all its UDP
// readers with one sendmmsg (fanout_udp.go) and writes it to each TCP
// reader with one non-blocking write (fanout_tcp.go). A goroutine per
// reader, woken per frame, cost a fifth of the server's time at a few
// hundred readers (scheduler and futex wake-ups, UDP senders queuing on
// the shared socket's lock) and spread each frame's delivery over many
// scheduler rounds. A worker never blocks: a TCP reader whose socket is
// full gets the frame through its own queue and writer goroutine
// (reader.go), a UDP datagram that does not fit is lost as UDP allows.
type fanout struct {
	u       *udpPair
	workers []*worker
	next    atomic.Uint32 // round-robin assignment of readers to workers

	// UDP pacing (pace_udp.go): the least rate in datagrams a second (0:
	// none) and the burst.
	rate  float64
	burst int
}

// A worker is one sending goroutine with its queue of jobs.
type worker struct {
	fo   *fanout
	q    chan *job
	free chan *job     // recycled jobs with their reader lists
	busy chan struct{} // held while a job is sent: closing a reader waits on it
	stop chan struct{}

	udpReaders atomic.Int32 // UDP readers assigned (assignUDP)
	done       chan struct{}

	udp udpScratch // reused for every job

	// UDP pacing, owned by the worker's goroutine (pace_udp.go).
	now       time.Time // of the job or tick being sent
	pacing    []*reader // UDP readers with a backlog
	sent      []*frame  // frames a pace tick finished, released after sending
	touched   []*reader // paced readers sent to in the batch being sent
	paceTimer *time.Timer
}

// A job is one frame for a list of one worker's readers.
type job struct {
	w       *worker
	f       *frame
	video   bool // a video frame: losing it makes the readers wait for a keyframe
	readers []*reader
}

// workerQueue bounds the frames waiting for one worker: at 25 pictures and
// 50 audio frames a second per mount that is seconds, far more than a
// worker lags unless the machine is overloaded.
const workerQueue = 512

// maxWorkers bounds the sending goroutines: beyond a few, the sockets' and
// the machine's other costs dominate.
const maxWorkers = 4

func newFanout(u *udpPair, cfg *Config) *fanout {
	fo := &fanout{u: u, burst: cfg.UDPBurst}
	if cfg.UDPRate > 0 {
		fo.rate = float64(cfg.UDPRate)
	}
	for range min(goruntime.GOMAXPROCS(0), maxWorkers) {
		w := &worker{
			fo:   fo,
			q:    make(chan *job, workerQueue),
			free: make(chan *job, 64),
			busy: make(chan struct{}, 1),
			stop: make(chan struct{}),
			done: make(chan struct{}),
		}
		fo.workers = append(fo.workers, w)
		go w.run()
	}
	return fo
}

// assign picks the worker of a new TCP reader: in turn, so that each
// frame's writes are spread over the cores.
func (fo *fanout) assign() *worker {
	return fo.workers[int(fo.next.Add(1))%len(fo.workers)]
}

// assignUDP picks the worker of a new UDP reader: the first with fewer
// than udpPerWorker UDP readers, else the least loaded. UDP readers are
// cheapest together: one sendmmsg per frame for all of them, and on two
// cores a second sending thread cost more CPU than it saved in latency
// (the readers' side competes for the same cores). Call udpDone when the
// reader ends.
func (fo *fanout) assignUDP() *worker {
	best := fo.workers[0]
	for _, w := range fo.workers {
		n := w.udpReaders.Load()
		if n < udpPerWorker {
			best = w
			break
		}
		if n < best.udpReaders.Load() {
			best = w
		}
	}
	best.udpReaders.Add(1)
	return best
}

// udpPerWorker is how many UDP readers one worker takes before the next
// one is used.
const udpPerWorker = 256

// close stops the workers and releases what is still queued. Readers are
// closed by then.
func (fo *fanout) close() {
	for _, w := range fo.workers {
		close(w.stop)
		<-w.done
	}
}

// job returns an empty job for f, holding a reference to it.
func (w *worker) job(f *frame, video bool) *job {
	var j *job
	select {
	case j = <-w.free:
	default:
		j = &job{w: w}
	}
	f.retain()
	j.f, j.video = f, video
	return j
}

func (w *worker) recycle(j *job) {
	j.f.release()
	j.f = nil
	clear(j.readers)
	j.readers = j.readers[:0]
	select {
	case w.free <- j:
	default:
	}
}

// push queues j, or when the queue is full counts the frame lost for each
// of its readers. Called with the readers' mount's mu held (needKey).
func (w *worker) push(j *job) {
	select {
	case w.q <- j:
		return
	default:
	}
	for _, r := range j.readers {
		r.stats.framesDropped.Add(1)
		if j.video {
			r.needKey = true
		}
	}
	w.recycle(j)
}

func (w *worker) run() {
	defer close(w.done)
	for {
		select {
		case j := <-w.q:
			w.busy <- struct{}{}
			w.send(j)
			w.armPace()
			<-w.busy
			w.recycle(j)
		case <-w.paceC():
			w.busy <- struct{}{}
			w.paceTick()
			w.armPace()
			<-w.busy
		case <-w.stop:
			w.releasePacing()
			for {
				select {
				case j := <-w.q:
					w.recycle(j)
				default:
					return
				}
			}
		}
	}
}

// quiesce waits, at most until expired fires, until w sends no job: after
// r.stopped is set, it returns once w does nothing more for r.
func (w *worker) quiesce(expired <-chan time.Time) bool {
	select {
	case w.busy <- struct{}{}:
		<-w.busy
		return true
	case <-expired:
		return false
	}
}

// send delivers j's frame to each of its readers still playing.
func (w *worker) send(j *job) {
	w.udp.begin(w, j.f)
	for _, r := range j.readers {
		if r.stopped.Load() {
			continue
		}
		if r.udp != nil {
			w.udp.add(w, r, j.f, j.video)
		} else {
			w.sendTCP(r, j.f, j.video)
		}
	}
	w.udp.flush(w, j.f)
	w.sentAt()
}

// errUseFallback says a non-blocking send could not go on now (a full
// socket buffer, a busy connection, a platform without the system call):
// the caller takes the blocking path.
var errUseFallback = errors.New("take the blocking path")

// stage adds reader r to the fan-out of f. Offers of one frame to readers
// of one worker share a job; a reader's frames keep their order because a
// job only grows while it is its worker's latest, and jobs are flushed in
// the order they were staged. Called with mu held.
func (m *mount) stage(r *reader, f *frame, video bool) {
	w := r.w
	var j *job
	for i := len(m.staged) - 1; i >= 0; i-- {
		if m.staged[i].w == w {
			if m.staged[i].f == f {
				j = m.staged[i]
			}
			break
		}
	}
	if j == nil {
		j = w.job(f, video)
		m.staged = append(m.staged, j)
	}
	j.readers = append(j.readers, r)
}

// flushStage hands the staged jobs to their workers. Every code path that
// offers frames to readers calls it before releasing mu.
func (m *mount) flushStage() {
	for i, j := range m.staged {
		j.w.push(j)
		m.staged[i] = nil
	}
	m.staged = m.staged[:0]
}
