package server

// TCP delivery: a worker writes a frame to each of its TCP readers with one
// non-blocking write of the frame's interleaved image (frame.wire, built
// once per frame), bypassing the reader's writer goroutine. A reader whose
// socket is full, whose connection is busy (a response being written), or
// whose frame needs framing of its own (RTCP, channels other than the
// usual ones) gets the frame, or the rest of it, through its queue; frames
// keep queuing behind it until the writer goroutine has caught up.

// sendTCP delivers f to TCP reader r without blocking.
func (w *worker) sendTCP(r *reader, f *frame, video bool) {
	if r.skipToKey {
		if video && !f.key {
			r.stats.framesDropped.Add(1)
			return
		}
		if video {
			r.skipToKey = false
		}
	}
	if f.rtcp || len(f.wire) == 0 || r.tracks[f.track].rtpChannel != f.wireChannel() || r.backlog.Load() > 0 {
		w.handoff(r, video, queued{f: f})
		return
	}
	n, err := r.c.tryWriteWire(f)
	if err == nil {
		r.stats.packets.Add(uint64(f.batch.Len()))
		r.stats.bytes.Add(uint64(f.bytes))
		return
	}
	w.handoff(r, video, queued{f: f, rest: n > 0})
}

// handoff queues (the rest of) a frame for r's writer goroutine. When the
// queue is full the frame is lost and r skips video to the next keyframe.
func (w *worker) handoff(r *reader, video bool, it queued) {
	if r.push(it) {
		return
	}
	// A frame begun on the socket (it.rest) is still finished: its rest
	// is the connection's, written before anything else (conn.rest).
	r.stats.framesDropped.Add(1)
	if video {
		r.skipToKey = true
	}
}

// tryWriteWire writes f's interleaved image to the connection without
// blocking. It returns nil when all of it went out. Otherwise n bytes did
// (maybe 0); when n is not 0 the rest becomes the connection's pending
// rest (conn.rest), which whoever writes next on the connection, under
// its write lock, writes first: the interleaved stream never stops in the
// middle of a packet, and the lock is released here, by the goroutine that
// took it.
func (c *conn) tryWriteWire(f *frame) (n int, err error) {
	if !c.wmu.TryLock() {
		return 0, errUseFallback
	}
	defer c.wmu.Unlock()
	if c.rest != nil {
		return 0, errUseFallback
	}
	// A write error (not only a full socket) takes the fallback too: the
	// reader's writer goroutine meets it again on its blocking write and
	// closes the connection there, in one place.
	n, _ = c.raw.write(f.wire)
	switch {
	case n == len(f.wire):
		return n, nil
	case n > 0:
		f.retain()
		c.restF, c.rest = f, f.wire[n:]
		c.rt.begun.Add(1)
	}
	return n, errUseFallback
}
