package server

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/rtp"
)

// A mount is what the board's API calls a session: a named stream at
// rtsp://host:port/<name> with one video track and optionally one audio
// track. (RTSP sessions, one per connected player, are rtspSession.) All
// media of a mount goes through mu: ingest, packetization and fan-out are
// serialised per mount, and never wait on a reader.
type mount struct {
	name  string
	cname string // SDES CNAME of its tracks (newCNAME)
	// published: a publisher feeds it (ANNOUNCE, RECORD), not the board's
	// calls; it lives as long as its publisher (publish.go).
	published bool
	// backchannel: players that ask for it (ONVIF) get an extra audio
	// media to send G.711 back to the camera (backchannel.go).
	backchannel bool
	// awaiting: its publisher left and its players wait for the next,
	// until orphan fires (Config.PublisherWait; publish.go). Under mu.
	awaiting bool
	orphan   *time.Timer
	video    VideoType
	audio    AudioType
	cfg      *Config

	frames framePool

	mu      sync.Mutex
	clock   mediaClock
	tracks  []*track
	vid     videoIngest
	aud     audioIngest
	pace    audioPacer // audio packets waiting for their time
	gop     []*frame   // frames since the last video keyframe, for new readers
	gopSize int
	gopOK   bool // gop starts at a keyframe and was not truncated
	// gopStart is the media time of the keyframe gop starts with.
	gopStart time.Duration
	// pictures counted for SessionStats.GOPLength (countPicture)
	picTS    uint32 // RTP timestamp of the latest video picture
	picSeen  bool
	keySeen  bool
	gopPics  int // pictures since the latest keyframe, it included
	gopLen   int // pictures of the latest complete group, 0 unknown
	readers  []*reader
	outbound []*OutboundReader // outbound readers (outbound.go), each also in readers
	rate     packetRate        // datagrams a second, for the UDP readers' pace
	// the frames being offered to live readers, handed to the fan-out
	// workers when the offering is done (fanout.go)
	staged []*job
	ready  chan struct{} // closed once the SDP can be complete

	// the call being ingested (guarded by mu)
	callTS      uint64
	callTime    time.Time
	callStamped bool
	isReady     bool
	closed      bool

	// timers counts the mount's timer callbacks (audio pacing, readers'
	// further sender reports) from when one is armed until it has run or
	// been stopped, so that Stop and DestroySession can wait for them
	// (waitTimers): no callback of a stopped server, or of a destroyed
	// session, is still running when those return.
	timers inflight

	// statistics, read without the lock
	framesIn   atomic.Uint64
	bytesIn    atomic.Uint64
	mediaDrops atomic.Uint64 // units refused as bad or too large
}

// track is one RTP stream of a mount.
type track struct {
	index   int
	video   bool
	control string // a=control value, relative to the mount URL
	clock   trackClock
	stream  rtp.Stream
	// Sender statistics for RTCP SR: packets and payload octets sent.
	packets atomic.Uint32
	octets  atomic.Uint32
	// lastTS/lastMedia map the latest RTP timestamp to media time.
	lastMedia atomic.Int64
}

// videoIngest turns one call's video into frames: it asks m.videoStamp for
// the RTP timestamp of each access unit that begins and hands finished
// frames to m.publish. (Calls through m rather than closures, so that the
// hot path allocates nothing.)
type videoIngest interface {
	push(t *track, data []byte, m *mount) error
	ready() bool
	close()
	// frameDuration is one picture's duration from the stream's own
	// timing (the SPS VUI), 0 when unknown.
	frameDuration() time.Duration
	// size is the picture size the stream gives (the SPS, each JPEG's
	// header), 0 when unknown yet.
	size() (width, height int)
	// format is the track's payload format as the SDP describes it
	// (errNotReady while it cannot be described yet).
	format() (format.Format, error)
}

// audioIngest is videoIngest for audio; m.audioTime gives the media time
// of the call's data.
type audioIngest interface {
	push(t *track, data []byte, m *mount) error
	ready() bool
	format() (format.Format, error)
}

func random32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func newTrack(index int, video bool, pt uint8, rate uint32) *track {
	t := &track{index: index, video: video}
	t.control = "trackID=" + string(rune('0'+index))
	t.clock.rate = rate
	t.clock.offset = random32()
	t.stream = rtp.Stream{PayloadType: pt, SSRC: random32(), Seq: uint16(random32())}
	return t
}

func newMount(name string, video VideoType, audio AudioType, cfg *Config) *mount {
	m := &mount{name: name, video: video, audio: audio, cfg: cfg, ready: make(chan struct{}), cname: newCNAME()}
	m.clock.unit = cfg.TimestampUnit
	m.clock.epoch = time.Now()
	// The codec decides the ingest (Annex-B access units, JPEG pictures,
	// G.711 bytes, ADTS frames); payload type, clock rate, SDP and
	// packetizer come from the format layer through it.
	switch video {
	case VideoH264, VideoH265:
		m.tracks = append(m.tracks, newTrack(0, true, h26xPayloadType, video.ClockRate()))
		m.vid = newH26xIngest(video == VideoH265, cfg)
	case VideoMJPEG:
		m.tracks = append(m.tracks, newTrack(0, true, format.NewJPEG().PayloadType, video.ClockRate()))
		m.vid = newJPEGIngest(cfg)
	}
	switch audio {
	case AudioPCMU, AudioPCMA:
		in := newG711Ingest(audio)
		m.tracks = append(m.tracks, newTrack(len(m.tracks), false, in.f.PayloadType, in.f.ClockRate))
		m.aud = in
	case AudioAAC:
		// The clock rate is the sample rate, known from the first ADTS
		// header; the track is completed then.
		m.tracks = append(m.tracks, newTrack(len(m.tracks), false, aacPayloadType, 0))
		m.aud = newAACIngest(cfg)
	}
	if st := cfg.RTPStart; st != nil {
		for _, t := range m.tracks {
			t.clock.offset, t.stream.Seq = st.Timestamp, st.Sequence
		}
	}
	m.checkReady()
	return m
}

// checkReady closes m.ready once every track can be described. Called with
// mu held (or before m is shared).
func (m *mount) checkReady() {
	if m.isReady {
		return
	}
	if m.vid != nil && !m.vid.ready() {
		return
	}
	if m.aud != nil && !m.aud.ready() {
		return
	}
	m.isReady = true
	close(m.ready)
}

// sendVideo ingests one call's worth of encoded video.
func (m *mount) sendVideo(data []byte, ts uint64) error {
	if len(data) > m.cfg.MaxFrameSize {
		m.mediaDrops.Add(1)
		return ErrMediaTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrStreamClosed
	}
	if m.vid == nil {
		return ErrNoVideo
	}
	m.framesIn.Add(1)
	m.bytesIn.Add(uint64(len(data)))
	m.callTS, m.callTime, m.callStamped = ts, time.Now(), false
	err := m.vid.push(m.tracks[0], data, m)
	if err != nil {
		m.mediaDrops.Add(1)
	}
	m.checkReady()
	return err
}

// sendAudio ingests one call's worth of encoded audio.
func (m *mount) sendAudio(data []byte, ts uint64) error {
	if len(data) > m.cfg.MaxFrameSize {
		m.mediaDrops.Add(1)
		return ErrMediaTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrStreamClosed
	}
	if m.aud == nil {
		return ErrNoAudio
	}
	m.framesIn.Add(1)
	m.bytesIn.Add(uint64(len(data)))
	m.callTS, m.callTime, m.callStamped = ts, time.Now(), false
	err := m.aud.push(m.tracks[len(m.tracks)-1], data, m)
	if err != nil {
		m.mediaDrops.Add(1)
	}
	m.checkReady()
	return err
}

// videoStamp returns the RTP timestamp of a video unit that begins in the
// current call. One call may begin several units (a pack holding two
// pictures): only the first takes the caller's timestamp, the others the
// clock rule's fallback. Called with mu held.
func (m *mount) videoStamp(t *track) uint32 {
	caller, now := m.callTS, m.callTime
	if m.callStamped {
		caller, now = t.clock.lastCaller, time.Now()
	}
	m.callStamped = true
	nominal := m.vid.frameDuration()
	step := time.Millisecond
	if nominal > 0 {
		step = nominal / 4
	}
	med := m.clock.mediaTime(&t.clock, caller, now, nominal, step)
	t.lastMedia.Store(int64(med))
	return t.clock.rtpTime(med)
}

// audioTime returns the media time of the current call's audio.
func (m *mount) audioTime(t *track) time.Duration {
	med := m.clock.mediaTime(&t.clock, m.callTS, m.callTime, 0, 0)
	t.lastMedia.Store(int64(med))
	return med
}

// publish hands a frame to the GOP cache and to every reader. Called with
// mu held; takes over the caller's reference.
func (m *mount) publish(f *frame) {
	t := m.tracks[f.track]
	t.packets.Add(uint32(f.batch.Len()))
	t.octets.Add(uint32(f.bytes - 12*f.batch.Len()))
	m.rate.add(time.Now(), f.batch.Len())
	m.cacheFrame(f)
	for _, r := range m.readers {
		r.offer(f)
	}
	m.flushStage()
	f.release()
}

// cacheFrame keeps the current group of pictures so that a new reader can
// start at its keyframe at once. Audio frames are kept alongside, so the
// reader also gets the audio of that span. Without video (an audio-only
// session) nothing is cached: players start with live audio.
func (m *mount) cacheFrame(f *frame) {
	t := m.tracks[f.track]
	if t.video {
		m.countPicture(f)
	}
	if t.video && f.key {
		m.dropGOP()
		m.gopOK = true
		m.gopStart = m.frameMedia(t, f)
	}
	if !m.gopOK {
		return
	}
	if m.gopSize+f.bytes > m.cfg.GOPCacheBytes {
		// Too long a GOP to cache: new readers wait for the next keyframe.
		m.dropGOP()
		return
	}
	f.retain()
	m.gop = append(m.gop, f)
	m.gopSize += f.bytes
}

// countPicture counts the pictures from one keyframe to the next
// (SessionStats.GOPLength). A picture may come in several frames (a large
// access unit sent slice by slice), all with its timestamp: a new
// timestamp is a new picture. Called with mu held.
func (m *mount) countPicture(f *frame) {
	if m.picSeen && f.ts == m.picTS {
		return
	}
	m.picSeen, m.picTS = true, f.ts
	if f.key {
		if m.keySeen {
			m.gopLen = m.gopPics
		}
		m.keySeen, m.gopPics = true, 0
	}
	m.gopPics++
}

// frameMedia is the media time of f's first packet.
func (m *mount) frameMedia(t *track, f *frame) time.Duration {
	return t.clock.mediaOf(f.ts, time.Duration(t.lastMedia.Load()))
}

func (m *mount) dropGOP() {
	for i, f := range m.gop {
		f.release()
		m.gop[i] = nil
	}
	m.gop = m.gop[:0]
	m.gopSize = 0
	m.gopOK = false
}

// addReader starts delivery to r. With cached, the cached GOP first, then
// live frames, with nothing lost or repeated in between since both happen
// under mu; without, live frames from the next keyframe on (audio from that
// picture on), and nothing at all before it. It returns, per track, the
// sequence number and RTP timestamp of the first packet r will receive
// (for RTP-Info); without the cache, the sequence number is the next one
// published, a lower bound of what r gets, as the pictures before the
// keyframe are published (and numbered) without r, and the timestamp that
// of the latest media, which maps the PLAY's "npt=now".
func (m *mount) addReader(r *reader, cached bool) []startPoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.needKey = true
	for i, t := range m.tracks {
		r.playsVideo = r.playsVideo || (t.video && r.wants(i))
	}
	if cached && m.gopOK && len(m.gop) > 0 {
		r.audioFrom, r.audioFromSet = m.gopStart, true
	}
	// The cached frames come on top of the ReaderQueue frames a reader may
	// have waiting: a long group of pictures (10 s at 30 pictures a second
	// with audio is 800 frames) would otherwise fill the queue at once, and
	// a healthy joiner would be cut to the next keyframe as if it were
	// slow. Nothing has been queued for r yet, so its queue can grow.
	if cached && len(r.q) == 0 && len(m.gop) > 0 {
		r.q = make(chan queued, cap(r.q)+len(m.gop)+2*len(m.tracks))
	}
	sp := make([]startPoint, len(m.tracks))
	for i, t := range m.tracks {
		sp[i] = m.livePoint(t, r)
	}
	if !cached {
		m.readers = append(m.readers, r)
		return sp
	}
	seen := make([]bool, len(m.tracks))
	for _, f := range m.gop {
		if !r.wants(f.track) || !r.takesAudio(f) {
			continue
		}
		if !seen[f.track] {
			seen[f.track] = true
			sp[f.track] = startPoint{seq: f.batch.SequenceNumber(0), ts: f.batch.Timestamp(0)}
		}
		r.offer(f)
	}
	m.flushStage()
	m.readers = append(m.readers, r)
	return sp
}

// startPoints returns where live delivery is now on each track.
func (m *mount) startPoints() []startPoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	sp := make([]startPoint, len(m.tracks))
	for i, t := range m.tracks {
		sp[i] = m.livePoint(t, nil)
	}
	return sp
}

// removeReader stops delivery to r.
func (m *mount) removeReader(r *reader) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.stopResync()
	for i, x := range m.readers {
		if x == r {
			m.readers = append(m.readers[:i], m.readers[i+1:]...)
			m.readers[len(m.readers):cap(m.readers)][0] = nil
			break
		}
	}
}

// livePoint is where live delivery on track t is now for reader r (nil:
// any reader): the packet that is published next, which for paced audio is
// the first one waiting that r takes. Called with mu held.
func (m *mount) livePoint(t *track, r *reader) startPoint {
	for _, p := range m.pace.q {
		if p.f.track == t.index && (r == nil || r.takesAudio(p.f)) {
			return startPoint{seq: p.f.batch.SequenceNumber(0), ts: p.f.batch.Timestamp(0)}
		}
	}
	return startPoint{seq: t.stream.Seq, ts: t.clock.rtpTime(time.Duration(t.lastMedia.Load()))}
}

// startPoint is where a reader's stream begins on one track.
type startPoint struct {
	seq uint16
	ts  uint32
}

// isClosed reports whether the mount was closed.
func (m *mount) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// waitTimers waits until no timer callback of the mount is pending or
// running. Called with no lock held (the callbacks take mu).
func (m *mount) waitTimers() { m.timers.wait() }

// stopTimers sends the audio still waiting for its pace at once (there is
// nobody left to pace it for: the server is stopping) and waits for every
// timer callback of the mount. Called with no lock held.
func (m *mount) stopTimers() {
	m.mu.Lock()
	if !m.closed {
		m.paceFlush(time.Time{})
	}
	if t := m.pace.timer; t != nil && t.Stop() {
		m.timers.done() // it will not run
	}
	m.mu.Unlock()
	m.timers.wait()
}

// close ends the mount: readers are detached (their RTSP sessions end) and
// cached frames released. The caller waits for its timers (waitTimers)
// once it has ended the mount's sessions.
func (m *mount) close() []*reader {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.stopAwaitingLocked()
	m.paceClose()
	m.dropGOP()
	m.frames.close()
	if m.vid != nil {
		m.vid.close()
	}
	rs := m.readers
	for _, r := range rs {
		r.stopResync()
	}
	m.readers = nil
	return rs
}
