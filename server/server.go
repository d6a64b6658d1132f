package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/auth"
)

// Server is an RTSP server with the K230 board's API. Create one with New,
// then Init (or InitConfig), CreateSession, Start, and feed it media with
// SendVideoData and SendAudioData; Stop, Deinit and Destroy undo each step.
// Every method is safe for concurrent use, and two Servers in one process
// share nothing.
type Server struct {
	mu        sync.Mutex
	cfg       Config
	inited    bool
	destroyed bool
	stopped   bool // Stop was called and Start not since
	closed    bool // Shutdown or Close was called: no serving again
	mounts    map[string]*mount
	run       *runtime   // non-nil while started
	halting   int        // shutdowns in progress (Stop, Deinit), guarded by mu
	halted    *sync.Cond // signalled when halting drops to 0
	auth      *auth.Authenticator
	log       *slog.Logger
	// sendErr is why media is refused now (nil: it is taken): the
	// lifecycle as a Stream's writes see it without taking mu. Set under
	// mu by setState whenever the lifecycle changes.
	sendErr atomic.Pointer[error]
}

// New creates a server (the board's rtspserver_create). It does nothing
// else: no socket is opened before Start.
func New() *Server {
	s := &Server{mounts: make(map[string]*mount)}
	s.halted = sync.NewCond(&s.mu)
	s.setState()
	return s
}

// NewServer creates a server with a configuration: New then InitConfig,
// the start of the idiomatic flow (NewStream, then ListenAndServe or Serve,
// then Shutdown).
func NewServer(cfg Config) (*Server, error) {
	s := New()
	if err := s.InitConfig(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// setState records why media is refused now, for Stream's writes. Called
// with mu held after every change of the lifecycle.
func (s *Server) setState() {
	var err error
	switch {
	case s.destroyed:
		err = ErrDestroyed
	case !s.inited:
		err = ErrNotInitialized
	case s.closed:
		err = ErrServerClosed
	case s.stopped:
		err = ErrStopped
	}
	if err == nil {
		s.sendErr.Store(nil)
	} else {
		s.sendErr.Store(&err)
	}
}

// Init initialises the server to listen on port (the board's
// rtspserver_init) with every other setting at its default: it is exactly
// InitConfig(Config{Port: port}), so 0 means the default port 8554 and -1
// picks a free port at Start (see Addr), as in Config.
func (s *Server) Init(port int) error {
	return s.InitConfig(Config{Port: port})
}

// InitConfig initialises the server with a full configuration.
func (s *Server) InitConfig(cfg Config) error {
	anyPort := cfg.Port == -1
	if anyPort {
		cfg.Port = 0
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if anyPort {
		c.Port = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.destroyed {
		return ErrDestroyed
	}
	if s.inited {
		return ErrAlreadyInitialized
	}
	s.cfg = c
	s.log = c.Logger
	if c.Username != "" {
		methods := auth.MethodDigestSHA256 | auth.MethodDigestMD5
		if c.AllowBasicAuth {
			methods |= auth.MethodBasic
		}
		s.auth = &auth.Authenticator{Realm: c.Realm, Username: c.Username, Password: c.Password, Methods: methods}
	} else {
		s.auth = nil
	}
	s.inited = true
	s.stopped = false
	s.setState()
	return nil
}

// Deinit undoes Init (the board's rtspserver_deinit): it stops the server
// if it is running and destroys every session.
func (s *Server) Deinit() error {
	s.mu.Lock()
	if s.destroyed {
		s.mu.Unlock()
		return ErrDestroyed
	}
	if !s.inited {
		s.mu.Unlock()
		return ErrNotInitialized
	}
	run := s.run
	s.run = nil
	mounts := s.mounts
	s.mounts = make(map[string]*mount)
	s.inited = false
	s.setState()
	if run != nil {
		s.halting++
	}
	s.mu.Unlock()
	if run != nil {
		run.shutdown(true)
		s.doneHalting()
	}
	for _, m := range mounts {
		m.stopOutbound()
		m.close()
		m.waitTimers()
	}
	// A Stop running concurrently finishes before Deinit returns.
	s.waitHalted()
	return nil
}

// Destroy releases everything (the board's rtspserver_destroy). The server
// cannot be used afterwards; calling Destroy again returns ErrDestroyed.
func (s *Server) Destroy() error {
	s.mu.Lock()
	if s.destroyed {
		s.mu.Unlock()
		return ErrDestroyed
	}
	inited := s.inited
	s.mu.Unlock()
	if inited {
		_ = s.Deinit()
	}
	s.waitHalted()
	s.mu.Lock()
	s.destroyed = true
	s.setState()
	s.mu.Unlock()
	return nil
}

// CreateSession adds a stream (mount point) named name, reachable at
// URL(name), with the given video codec and, when enableAudio is true,
// G.711 µ-law audio at 8 kHz mono as on the board. videoType may be a
// constant (VideoH264) or a string ("h264", "h265", "mjpeg").
func (s *Server) CreateSession(name string, videoType VideoType, enableAudio bool) error {
	audio := AudioNone
	if enableAudio {
		audio = AudioPCMU
	}
	return s.CreateSessionWithAudio(name, videoType, audio)
}

// CreateSessionWithAudio is CreateSession with a choice of audio codec:
// AudioNone, AudioPCMU, AudioPCMA or AudioAAC.
func (s *Server) CreateSessionWithAudio(name string, videoType VideoType, audio AudioType) error {
	_, err := s.NewStream(name, videoType, audio)
	return err
}

// DestroySession removes a session; its players are disconnected. It is
// Stream.Close by name.
func (s *Server) DestroySession(name string) error {
	st, err := s.Stream(name)
	if err != nil {
		return err
	}
	return st.Close()
}

func (s *Server) doneHalting() {
	s.mu.Lock()
	s.halting--
	s.mu.Unlock()
	s.halted.Broadcast()
}

// waitHalted waits until no shutdown is in progress.
func (s *Server) waitHalted() {
	s.mu.Lock()
	for s.halting > 0 {
		s.halted.Wait()
	}
	s.mu.Unlock()
}

// usable checks the lifecycle for calls that need Init. Called with mu held.
func (s *Server) usable() error {
	if s.destroyed {
		return ErrDestroyed
	}
	if !s.inited {
		return ErrNotInitialized
	}
	return nil
}

// URL returns the address a player opens for a session (the board's
// rtspserver_getrtspurl): rtsp://host:port/name, where host is
// Config.AdvertisedHost or the machine's primary address, never 0.0.0.0.
func (s *Server) URL(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return "", err
	}
	if _, ok := s.mounts[name]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownSession, name)
	}
	host := s.cfg.AdvertisedHost
	if host == "" {
		host = listenHost(s.cfg.ListenAddress)
	}
	port := s.cfg.Port
	if s.run != nil {
		port = s.run.port
	}
	scheme := "rtsp://"
	if s.cfg.TLS != nil {
		scheme = "rtsps://"
	}
	return scheme + net.JoinHostPort(host, strconv.Itoa(port)) + "/" + name, nil
}

// listenHost is the host of a URL when Config.AdvertisedHost is empty:
// the address the server listens on when that is one address (a URL with
// any other would not reach it), else the machine's primary address.
func listenHost(listen string) string {
	if a, err := netip.ParseAddr(listen); err == nil && !a.IsUnspecified() {
		return a.Unmap().String()
	}
	return primaryHost()
}

// GetRTSPURL is URL under the board's name.
func (s *Server) GetRTSPURL(name string) (string, error) { return s.URL(name) }

// Addr returns the address the RTSP listener is bound to while started.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run == nil {
		return nil
	}
	return s.run.ln.Addr()
}

// Start opens the sockets and starts serving (the board's
// rtspserver_start), in the background: it returns once the sockets are
// open. Start after Stop serves again. ListenAndServe and Serve are the
// same with the caller's goroutine and a context.
func (s *Server) Start() error {
	_, err := s.startOn(nil)
	return err
}

// startOn starts serving on ln, or, when ln is nil, on a listener of its
// own (Config.ListenAddress and Port). It owns ln from then on, and closes
// it when it fails.
func (s *Server) startOn(ln net.Listener) (*runtime, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A Stop still closing its sockets must finish first, or its ports
	// would still be taken.
	for s.halting > 0 {
		s.halted.Wait()
	}
	err := s.usable()
	switch {
	case err != nil:
	case s.closed:
		err = ErrServerClosed
	case s.run != nil:
		err = ErrAlreadyStarted
	}
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return nil, err
	}
	if ln == nil {
		if ln, err = listen(&s.cfg); err != nil {
			return nil, err
		}
	}
	run, err := startRuntime(s, ln)
	if err != nil {
		return nil, err
	}
	s.run = run
	s.stopped = false
	s.setState()
	return run, nil
}

// Stop stops serving (the board's rtspserver_stop): players get an RTCP BYE
// and are disconnected, and every socket and goroutine of the server is
// closed before Stop returns. Sessions stay; Start serves them again.
// Media sent while stopped is refused with ErrStopped.
func (s *Server) Stop() error {
	s.mu.Lock()
	if err := s.usable(); err != nil {
		s.mu.Unlock()
		return err
	}
	run := s.run
	if run == nil {
		s.mu.Unlock()
		return ErrNotStarted
	}
	s.mu.Unlock()
	s.stopRun(run, true, false)
	return nil
}

// stopRun stops run, unless another call already is (then it waits for
// that one): gracefully with bye, else cutting every connection (Close).
// With closing the server is shut down for good (Shutdown, Close).
func (s *Server) stopRun(run *runtime, bye, closing bool) {
	s.mu.Lock()
	if closing {
		s.closed = true
	}
	if s.run != run {
		s.setState()
		s.mu.Unlock()
		<-run.finished
		return
	}
	s.run = nil
	s.stopped = true
	s.setState()
	s.halting++
	s.mu.Unlock()
	run.shutdown(bye)
	s.doneHalting()
}

// SendVideoData hands encoded video to a session (the board's
// rtspserver_sendvideodata): Stream.WriteVideo by name. For H.264 and
// H.265, data is Annex-B bytes chunked any way (whole access units, one
// NAL unit per call, 3- or 4-byte start codes); for MJPEG one or more whole
// JPEG pictures. timestamp is in Config.TimestampUnit (milliseconds by
// default); see the README for how a timestamp that does not advance is
// handled. The data is copied: the caller may reuse its buffer at once.
// Sending before Start, or with no player connected, is fine.
func (s *Server) SendVideoData(name string, data []byte, timestamp uint64) error {
	st, err := s.Stream(name)
	if err != nil {
		return err
	}
	return st.WriteVideo(data, timestamp)
}

// SendAudioData hands encoded audio to a session (the board's
// rtspserver_sendaudiodata): Stream.WriteAudio by name. G.711 bytes of any
// length for PCMU/PCMA, one or more ADTS frames for AAC.
func (s *Server) SendAudioData(name string, data []byte, timestamp uint64) error {
	st, err := s.Stream(name)
	if err != nil {
		return err
	}
	return st.WriteAudio(data, timestamp)
}

// mountList returns the sessions, for work done on each with no lock held.
func (s *Server) mountList() []*mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*mount, 0, len(s.mounts))
	for _, m := range s.mounts {
		list = append(list, m)
	}
	return list
}

// mount returns a session by name, for the RTSP side.
func (s *Server) mount(name string) *mount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mounts[name]
}

// primaryHost returns the address other machines most likely reach this
// one at: the source address of the default route (found by "connecting"
// a UDP socket, which sends nothing), else the first non-loopback interface
// address, else 127.0.0.1.
func primaryHost() string {
	if c, err := net.DialTimeout("udp4", "192.0.2.1:9", time.Second); err == nil {
		a := c.LocalAddr().(*net.UDPAddr)
		c.Close()
		if !a.IP.IsUnspecified() && !a.IP.IsLoopback() {
			return a.IP.String()
		}
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
				return n.IP.String()
			}
		}
	}
	return "127.0.0.1"
}
