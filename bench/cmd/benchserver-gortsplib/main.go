// Command benchserver-gortsplib serves an Annex-B file at a fixed frame rate
// with gortsplib v4 (the reference of the load benchmark), on 127.0.0.1
// only. It follows gortsplib's own example server-play-format-h264-from-disk
// for v4.16.2: a ServerHandler that returns one ServerStream to DESCRIBE and
// SETUP, and a feed that encodes each access unit with the format's RTP
// encoder and writes every packet with ServerStream.WritePacketRTP. The
// encoder's payloads are limited to 1388 bytes, so both servers send the
// same 1400-byte packets.
//
//	benchserver-gortsplib -file ../testdata/h264_high_720p_4mbps_bframes.h264 -port 25556
//
// With -relay it serves no file and relays instead, as gortsplib's example
// "server" for v4.16.2 does (internal/gortsplibrelay): ANNOUNCE makes a
// ServerStream of the publisher's description, and RECORD writes every RTP
// packet the publisher sends to it with WritePacketRTP (cmd/benchpub
// publishes).
//
// Same flags and output lines as benchserver-ours.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/pion/rtp"

	"github.com/rtspkit/rtspkit/bench/internal/gortsplibrelay"
	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/bench/internal/srvmain"
)

const mount = "bench"

type handler struct {
	stream *gortsplib.ServerStream

	mu          sync.Mutex
	playing     map[*gortsplib.ServerSession]struct{}
	writeErrors atomic.Uint64
}

func (h *handler) OnDescribe(*gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

func (h *handler) OnSetup(*gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	h.mu.Lock()
	h.playing[ctx.Session] = struct{}{}
	h.mu.Unlock()
	return &base.Response{StatusCode: base.StatusOK}, nil
}

func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	h.mu.Lock()
	delete(h.playing, ctx.Session)
	h.mu.Unlock()
}

// OnStreamWriteError counts what gortsplib logs as "write queue is full".
func (h *handler) OnStreamWriteError(*gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	h.writeErrors.Add(1)
}

func main() {
	var f srvmain.Flags
	f.Register(flag.CommandLine, 25556, 25200)
	flag.Parse()
	if err := run(&f); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver-gortsplib:", err)
		os.Exit(1)
	}
}

type encoder interface {
	Encode(au [][]byte) ([]*rtp.Packet, error)
}

func run(f *srvmain.Flags) error {
	st, err := f.Load()
	if err != nil {
		return err
	}
	h := &handler{playing: map[*gortsplib.ServerSession]struct{}{}}
	srv := &gortsplib.Server{
		RTSPAddress:    net.JoinHostPort("127.0.0.1", strconv.Itoa(f.Port)),
		UDPRTPAddress:  net.JoinHostPort("127.0.0.1", strconv.Itoa(f.UDPPort)),
		UDPRTCPAddress: net.JoinHostPort("127.0.0.1", strconv.Itoa(f.UDPPort+1)),
	}
	if f.Relay {
		r := &relayHandler{Relay: &gortsplibrelay.Relay{Server: srv}, h: h}
		srv.Handler = r
		if err := srv.Start(); err != nil {
			return err
		}
		defer srv.Close()
		return f.ServeRelay(srvmain.Server{
			Name:      "gortsplib",
			URL:       "rtsp://" + srv.RTSPAddress + "/" + mount,
			Readers:   h.readers,
			Report:    h.report,
			Published: r.Units,
		})
	}
	srv.Handler = h
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()

	var forma format.Format
	var enc encoder
	payloadMax := 1400 - 12
	if st.HEVC {
		forma = &format.H265{PayloadTyp: 96, VPS: st.VPS, SPS: st.SPS, PPS: st.PPS}
		e := &rtph265.Encoder{PayloadType: 96, PayloadMaxSize: payloadMax}
		if err := e.Init(); err != nil {
			return err
		}
		enc = e
	} else {
		forma = &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: st.SPS, PPS: st.PPS}
		e := &rtph264.Encoder{PayloadType: 96, PacketizationMode: 1, PayloadMaxSize: payloadMax}
		if err := e.Init(); err != nil {
			return err
		}
		enc = e
	}
	desc := &description.Session{Medias: []*description.Media{{
		Type:    description.MediaTypeVideo,
		Formats: []format.Format{forma},
	}}}
	h.stream = &gortsplib.ServerStream{Server: srv, Desc: desc}
	if err := h.stream.Initialize(); err != nil {
		return err
	}
	defer h.stream.Close()

	const tsBase = 0x10000000
	medi := desc.Medias[0]
	return f.Run(srvmain.Server{
		Name: "gortsplib",
		URL:  "rtsp://" + srv.RTSPAddress + "/" + mount,
		Send: func(_ int, au *media.AU, ts uint64) error {
			pkts, err := enc.Encode(au.NALs)
			if err != nil {
				return err
			}
			for _, p := range pkts {
				p.Timestamp = uint32(tsBase + ts)
				if err := h.stream.WritePacketRTP(medi, p); err != nil {
					return err
				}
			}
			return nil
		},
		Readers: h.readers,
		Report:  h.report,
	}, st)
}

func (h *handler) readers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.playing)
}

func (h *handler) report() string {
	return fmt.Sprintf("readers=%d writeQueueFull=%d", h.readers(), h.writeErrors.Load())
}
