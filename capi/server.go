package main

/*
#include <stdlib.h>
#define RTSPKIT_NO_PROTOTYPES
#include "rtspkit.h"

// call_backchannel calls C's callback: Go cannot call a C function
// pointer itself.
static inline void call_backchannel(RtspKit_BackChannelFunc fn, void *user,
		const char *name, const uint8_t *data, size_t size, uint64_t ts) {
	fn(user, name, data, size, ts);
}
*/
import "C"

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/rtspkit/rtspkit/server"
)

// cserver is what a KdRtspServer handle names: the Go server and the state
// the C interface adds to it.
type cserver struct {
	srv *server.Server

	// mu guards urls and dead, and serialises the calls that free URL
	// strings (DestroySession, DeInit, destroy) with GetRtspUrl, so a
	// string is never handed out after its session is gone.
	mu   sync.Mutex
	urls map[string][]*C.char // per session: the strings GetRtspUrl gave
	dead bool

	// streams caches the session handles SendVideoData and SendAudioData
	// write to, by name, so a frame takes no server-wide lock and no
	// allocation; an entry whose session was destroyed answers
	// ErrStreamClosed and is looked up again.
	smu     sync.RWMutex
	streams map[string]*server.Stream
}

var servers handles[cserver]

func toServer(p *C.KdRtspServer) *cserver { return servers.get(unsafe.Pointer(p)) }

//export RtspServer_create
func RtspServer_create() (p *C.KdRtspServer) {
	defer guardVoid("RtspServer_create")
	c := &cserver{
		srv:     server.New(),
		urls:    make(map[string][]*C.char),
		streams: make(map[string]*server.Stream),
	}
	return (*C.KdRtspServer)(servers.add(c))
}

//export RtspServer_destroy
func RtspServer_destroy(p *C.KdRtspServer) {
	defer guardVoid("RtspServer_destroy")
	c := servers.remove(unsafe.Pointer(p))
	if c == nil {
		return
	}
	_ = c.srv.Destroy()
	c.mu.Lock()
	c.dead = true
	c.freeURLs("")
	c.mu.Unlock()
	c.forgetStreams("")
}

//export RtspServer_Init
func RtspServer_Init(p *C.KdRtspServer, port C.int) (rc C.int) {
	defer guard("RtspServer_Init", &rc)
	return initServer(p, port, nil, nil)
}

//export RtspKit_InitWithBackChannel
func RtspKit_InitWithBackChannel(p *C.KdRtspServer, port C.int, fn C.RtspKit_BackChannelFunc, user unsafe.Pointer) (rc C.int) {
	defer guard("RtspKit_InitWithBackChannel", &rc)
	return initServer(p, port, fn, user)
}

// initServer is Init, with a backchannel listener when fn is not NULL.
// Like the board's Init, which binds its RTSP port, it fails with
// RTSPKIT_EPORT when another socket holds the port: board code retries
// Init on that, and it is the only call of the flow that can say so (Start
// returns nothing). The port is claimed for the check and released; Start
// binds it for good.
func initServer(p *C.KdRtspServer, port C.int, fn C.RtspKit_BackChannelFunc, user unsafe.Pointer) C.int {
	c := toServer(p)
	if c == nil {
		return C.RTSPKIT_EINVAL
	}
	cfg := server.Config{Port: int(port)}
	if fn != nil {
		cfg.OnBackChannelData = func(session string, data []byte, ts uint32) {
			name := C.CString(session)
			defer C.free(unsafe.Pointer(name))
			var d *C.uint8_t
			if len(data) > 0 {
				// Go memory without Go pointers, for the call only: allowed
				// by cgo's rules, and the header says data lives that long.
				d = (*C.uint8_t)(unsafe.Pointer(&data[0]))
			}
			C.call_backchannel(fn, user, name, d, C.size_t(len(data)), C.uint64_t(ts))
		}
	}
	if err := c.srv.InitConfig(cfg); err != nil {
		return code(err)
	}
	if port != -1 {
		n := int(port)
		if n == 0 {
			n = 8554
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(n)))
		if err != nil {
			_ = c.srv.Deinit()
			return C.RTSPKIT_EPORT
		}
		ln.Close()
	}
	return C.RTSPKIT_OK
}

//export RtspServer_DeInit
func RtspServer_DeInit(p *C.KdRtspServer) {
	defer guardVoid("RtspServer_DeInit")
	c := toServer(p)
	if c == nil {
		report("RtspServer_DeInit", errInvalidHandle)
		return
	}
	c.mu.Lock()
	err := c.srv.Deinit()
	c.freeURLs("")
	c.mu.Unlock()
	c.forgetStreams("")
	if err != nil && !errors.Is(err, server.ErrNotInitialized) {
		report("RtspServer_DeInit", err)
	}
}

//export RtspServer_CreateSession
func RtspServer_CreateSession(p *C.KdRtspServer, name *C.char, attr *C.SessionAttr) (rc C.int) {
	defer guard("RtspServer_CreateSession", &rc)
	c := toServer(p)
	n, ok := peekString(name)
	if c == nil || !ok || attr == nil {
		return C.RTSPKIT_EINVAL
	}
	a := server.SessionAttr{
		WithVideo:            bool(attr.with_video),
		WithAudio:            bool(attr.with_audio),
		WithAudioBackchannel: bool(attr.with_audio_backchannel),
	}
	if a.WithVideo {
		switch attr.video_type {
		case C.kVideoTypeH264:
			a.VideoType = server.VideoH264
		case C.kVideoTypeH265:
			a.VideoType = server.VideoH265
		case C.kVideoTypeMjpeg:
			a.VideoType = server.VideoMJPEG
		default:
			return C.RTSPKIT_EINVAL
		}
	}
	return code(c.srv.CreateSessionAttr(strings.Clone(n), a))
}

//export RtspServer_DestroySession
func RtspServer_DestroySession(p *C.KdRtspServer, name *C.char) (rc C.int) {
	defer guard("RtspServer_DestroySession", &rc)
	c := toServer(p)
	n, ok := peekString(name)
	if c == nil || !ok {
		return C.RTSPKIT_EINVAL
	}
	c.mu.Lock()
	err := c.srv.DestroySession(n)
	if err == nil {
		c.freeURLs(n)
	}
	c.mu.Unlock()
	c.forgetStreams(n)
	return code(err)
}

//export RtspServer_GetRtspUrl
func RtspServer_GetRtspUrl(p *C.KdRtspServer, name *C.char) (url *C.char) {
	defer guardVoid("RtspServer_GetRtspUrl")
	c := toServer(p)
	n, ok := peekString(name)
	if c == nil || !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return nil
	}
	u, err := c.srv.GetRTSPURL(n)
	if err != nil {
		return nil
	}
	// The same string while the URL is the same: a caller polling it in a
	// loop must not grow memory. A changed URL (Start on a free port) gets
	// a new string; the old one stays valid, as promised.
	for _, s := range c.urls[n] {
		if old, _ := peekString(s); old == u {
			return s
		}
	}
	s := C.CString(u)
	c.urls[strings.Clone(n)] = append(c.urls[n], s)
	return s
}

// freeURLs frees the URL strings of session name, or of every session
// when name is "". Called with mu held.
func (c *cserver) freeURLs(name string) {
	for n, list := range c.urls {
		if name != "" && n != name {
			continue
		}
		for _, s := range list {
			C.free(unsafe.Pointer(s))
		}
		delete(c.urls, n)
	}
}

//export RtspServer_Start
func RtspServer_Start(p *C.KdRtspServer) {
	defer guardVoid("RtspServer_Start")
	if rc := start(p); rc != C.RTSPKIT_OK {
		report("RtspServer_Start", errors.New(C.GoString(RtspKit_StrError(rc))))
	}
}

//export RtspKit_Start
func RtspKit_Start(p *C.KdRtspServer) (rc C.int) {
	defer guard("RtspKit_Start", &rc)
	return start(p)
}

func start(p *C.KdRtspServer) C.int {
	c := toServer(p)
	if c == nil {
		return C.RTSPKIT_EINVAL
	}
	return code(c.srv.Start())
}

//export RtspServer_Stop
func RtspServer_Stop(p *C.KdRtspServer) {
	defer guardVoid("RtspServer_Stop")
	c := toServer(p)
	if c == nil {
		report("RtspServer_Stop", errInvalidHandle)
		return
	}
	// Stop when not started (or not initialised) is nothing to do, as on
	// the board.
	if err := c.srv.Stop(); err != nil && !errors.Is(err, server.ErrNotStarted) && !errors.Is(err, server.ErrNotInitialized) {
		report("RtspServer_Stop", err)
	}
}

//export RtspServer_SendVideoData
func RtspServer_SendVideoData(p *C.KdRtspServer, name *C.char, data *C.uint8_t, size C.size_t, ts C.uint64_t) (rc C.int) {
	defer guard("RtspServer_SendVideoData", &rc)
	return send(p, name, data, size, ts, (*server.Stream).WriteVideo)
}

//export RtspServer_SendAudioData
func RtspServer_SendAudioData(p *C.KdRtspServer, name *C.char, data *C.uint8_t, size C.size_t, ts C.uint64_t) (rc C.int) {
	defer guard("RtspServer_SendAudioData", &rc)
	return send(p, name, data, size, ts, (*server.Stream).WriteAudio)
}

// send writes one pack to the session through the cached Stream.
func send(p *C.KdRtspServer, name *C.char, data *C.uint8_t, size C.size_t, ts C.uint64_t,
	write func(*server.Stream, []byte, uint64) error) C.int {
	c := toServer(p)
	n, ok := peekString(name)
	b, okb := peekBytes(data, size)
	if c == nil || !ok || !okb {
		return C.RTSPKIT_EINVAL
	}
	for try := 0; ; try++ {
		st, err := c.stream(n)
		if err != nil {
			return code(err)
		}
		err = write(st, b, uint64(ts))
		// A session destroyed and created again under the same name, by
		// this interface or another: the cached handle is stale once.
		if errors.Is(err, server.ErrStreamClosed) && try == 0 {
			c.dropStream(n, st)
			continue
		}
		return code(err)
	}
}

// stream returns the cached Stream of session name, looking it up on a
// miss. name may alias C memory: it is cloned before it is kept.
func (c *cserver) stream(name string) (*server.Stream, error) {
	c.smu.RLock()
	st := c.streams[name]
	c.smu.RUnlock()
	if st != nil {
		return st, nil
	}
	st, err := c.srv.Stream(name)
	if err != nil {
		return nil, err
	}
	c.smu.Lock()
	// Bounded by the sessions that exist: entries go when their session
	// is destroyed here, and stale ones when a write finds them closed.
	c.streams[strings.Clone(name)] = st
	c.smu.Unlock()
	return st, nil
}

// dropStream forgets st if it is still the cached handle of name.
func (c *cserver) dropStream(name string, st *server.Stream) {
	c.smu.Lock()
	if c.streams[name] == st {
		delete(c.streams, name)
	}
	c.smu.Unlock()
}

// forgetStreams empties the cache of session name, or the whole cache when
// name is "".
func (c *cserver) forgetStreams(name string) {
	c.smu.Lock()
	if name == "" {
		clear(c.streams)
	} else {
		delete(c.streams, name)
	}
	c.smu.Unlock()
}
