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
	n, locked, err := r.c.tryWriteWire(f.wire)
	if err == nil {
		r.stats.packets.Add(uint64(f.batch.Len()))
		r.stats.bytes.Add(uint64(f.bytes))
		return
	}
	w.handoff(r, video, queued{f: f, off: n, locked: locked})
}

// handoff queues (the rest of) a frame for r's writer goroutine. When the
// queue is full the frame is lost and r skips video to the next keyframe.
func (w *worker) handoff(r *reader, video bool, it queued) {
	if r.push(it) {
		return
	}
	if it.locked {
		// Not reached: a frame is begun only when the queue is empty.
		// Were it, the stream would be cut in mid-packet: end it.
		r.c.abort()
		r.c.wmu.Unlock()
	}
	r.stats.framesDropped.Add(1)
	if video {
		r.skipToKey = true
	}
}

// tryWriteWire writes b to the connection without blocking. It returns
// nil when all of b went out. Otherwise n bytes did (maybe 0) and, when n
// is not 0, the connection's write lock is still held (locked) so that the
// rest can follow before anything else; the caller passes both on to
// writeWireUnlock.
func (c *conn) tryWriteWire(b []byte) (n int, locked bool, err error) {
	if !c.wmu.TryLock() {
		return 0, false, errUseFallback
	}
	// A write error (not only a full socket) takes the fallback too: the
	// reader's writer goroutine meets it again on its blocking write and
	// closes the connection there, in one place.
	n, _ = c.raw.write(b)
	switch {
	case n == len(b):
		c.wmu.Unlock()
		return n, false, nil
	case n > 0:
		return n, true, errUseFallback
	}
	c.wmu.Unlock()
	return 0, false, errUseFallback
}
