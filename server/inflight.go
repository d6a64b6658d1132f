package server

import "sync"

// inflight counts callbacks that are pending or running, and lets a
// shutdown wait until none is. It is a WaitGroup without the WaitGroup's
// rule that no Add may race a Wait: a session's timers are armed by its
// media calls, which may still come while Stop waits. Its lock is a leaf:
// add runs under a mount's lock, and nothing is taken under this one.
type inflight struct {
	mu   sync.Mutex
	n    int
	idle *sync.Cond
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	f.n--
	if f.n == 0 && f.idle != nil {
		f.idle.Broadcast()
	}
	f.mu.Unlock()
}

// wait returns once the count has been 0.
func (f *inflight) wait() {
	f.mu.Lock()
	if f.idle == nil {
		f.idle = sync.NewCond(&f.mu)
	}
	for f.n > 0 {
		f.idle.Wait()
	}
	f.mu.Unlock()
}

// count is the number pending or running now.
func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}
