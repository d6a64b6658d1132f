//go:build linux

package conformance

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// nextPortBlock hands every cell its own UDP port range, multicast group
// block and multicast port, so cells run in parallel without sharing a
// socket. Loopback only: the RTSP listener and the UDP sockets bind to
// 127.0.0.1.
var nextPortBlock atomic.Int32

const (
	portsPerCell = 8
	udpPortBase  = 42000 // cells use 42000-43999
	mcastPortLo  = 46000 // and 46000-47999 for multicast
	// clientPortBase starts the players' ports: 50000-51999.
	clientPortBase = 50000
)

// envOpts are the per-cell server settings.
type envOpts struct {
	multicastIf string // "lo" inside the namespace
}

// cellEnv is a server serving one session, fed by a pacer.
type cellEnv struct {
	srv  *server.Server
	name string
	url  string
	p    *pacer
	v    *videoSource
	a    *audioSource
	mode feedMode
	row  row
	// block numbers the cell's port blocks; clientPorts derives the
	// player's UDP ports from it.
	block int
	// udpLo and udpHi bound the server's UDP ports.
	udpLo, udpHi int
}

// clientPorts is a UDP port range of the cell's own for the player's RTP
// and RTCP sockets. ffmpeg tries its ports in order from 5000, and prints
// an error for every one already bound: players of parallel cells would
// collide.
func (e *cellEnv) clientPorts() (lo, hi int) {
	lo = clientPortBase + e.block*portsPerCell
	return lo, lo + portsPerCell - 1
}

// newEnv starts a server with one session for the given sources and starts
// feeding it.
func newEnv(r row, v *videoSource, a *audioSource, o envOpts) (*cellEnv, error) {
	mode := r.mode
	k := int(nextPortBlock.Add(1)) % 250
	udpLo := udpPortBase + k*portsPerCell
	cfg := server.Config{
		Port:               -1,
		ListenAddress:      "127.0.0.1",
		AdvertisedHost:     "127.0.0.1",
		UDPPortMin:         udpLo,
		UDPPortMax:         udpLo + portsPerCell - 1,
		MulticastRange:     fmt.Sprintf("239.255.%d.0/24", k),
		MulticastPort:      mcastPortLo + k*portsPerCell,
		MulticastTTL:       1,
		MulticastInterface: o.multicastIf,
	}
	if mode == careful {
		cfg.TimestampUnit = server.Microseconds
	}
	srv := server.New()
	if err := srv.InitConfig(cfg); err != nil {
		return nil, err
	}
	at := server.AudioNone
	if a != nil {
		at = a.typ
	}
	name := "cell" + strconv.Itoa(k)
	if err := srv.CreateSessionWithAudio(name, v.codec, at); err != nil {
		_ = srv.Destroy()
		return nil, err
	}
	if err := srv.Start(); err != nil {
		_ = srv.Destroy()
		return nil, err
	}
	url, err := srv.URL(name)
	if err != nil {
		_ = srv.Destroy()
		return nil, err
	}
	e := &cellEnv{srv: srv, name: name, url: url, v: v, a: a, mode: mode, row: r, block: k,
		udpLo: cfg.UDPPortMin, udpHi: cfg.UDPPortMax}
	e.p = startPacer(srv, name, r, v, a)
	return e, nil
}

func (e *cellEnv) rtspPort() int { return e.srv.Addr().(*net.TCPAddr).Port }

func (e *cellEnv) close() {
	e.p.close()
	_ = e.srv.Stop()
	_ = e.srv.Deinit()
	_ = e.srv.Destroy()
}

// watchPlay polls the session's statistics until a player has been sent
// its first packet (the PLAY response went out and delivery began), and
// returns that instant; zero if ctx ends first. 2 ms polling bounds the
// error of the join latency measurement.
func (e *cellEnv) watchPlay(ctx context.Context) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		tk := time.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				ch <- time.Time{}
				return
			case <-tk.C:
			}
			st, err := e.srv.Stats(e.name)
			if err != nil {
				continue
			}
			for _, r := range st.Readers {
				if r.Packets > 0 {
					ch <- time.Now()
					return
				}
			}
		}
	}()
	return ch
}

// warmUp waits until the stream is mid-GOP: just after a keyframe that went
// out at least 1.2 s after the start, so that the next keyframe is a whole
// GOP away and a player that starts now depends on the GOP cache for a
// quick first picture.
func (e *cellEnv) warmUp() {
	e.p.waitKeyframeAfter(1200 * time.Millisecond)
	d := 40 * time.Millisecond
	if v, err := time.ParseDuration(os.Getenv("RTSPKIT_JOIN_DELAY")); err == nil {
		d = v // experiments: how far into the GOP players join
	}
	time.Sleep(d)
}
