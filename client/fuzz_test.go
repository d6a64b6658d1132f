package client

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/aac"
	"github.com/rtspkit/rtspkit/format"
	"github.com/rtspkit/rtspkit/g711"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/mjpeg"
	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/sdp"
)

// fuzzTracks are the tracks FuzzClientStream sets up, on interleaved
// channels 2i and 2i+1: one per codec with a depacketizer.
func fuzzTracks() []Track {
	f, _ := sdp.ParseFMTP("98 streamtype=5;profile-level-id=41;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1188")
	return []Track{
		{Media: "video", Format: format.Format{Codec: CodecH264, PayloadType: 96, ClockRate: 90000}},
		{Media: "video", Format: format.Format{Codec: CodecH265, PayloadType: 97, ClockRate: 90000}},
		{Media: "audio", Format: format.Format{Codec: CodecAAC, PayloadType: 98, ClockRate: 48000, FMTP: f}},
		{Media: "audio", Format: format.Format{Codec: CodecPCMU, PayloadType: 0, ClockRate: 8000}},
		{Media: "video", Format: format.Format{Codec: CodecJPEG, PayloadType: 26, ClockRate: 90000}},
	}
}

// fuzzSeed is a valid stream for the fuzz tracks: one unit of each codec
// from the test files, an RTCP sender report, a response and a request.
func fuzzSeed(tb testing.TB) []byte {
	var out bytes.Buffer
	frame := func(ch uint8, b *rtp.Batch) {
		for i := 0; i < b.Len(); i++ {
			_ = rtsp.WriteInterleavedFrame(&out, ch, b.AppendPacket(nil, i))
		}
	}
	var b rtp.Batch
	h264 := loadAUs(tb)
	var p264 h26x.H264Packetizer
	_ = p264.Packetize(&b, &rtp.Stream{PayloadType: 96, SSRC: 1}, 0, h264[1], true)
	frame(0, &b)
	b.Reset()
	if data, err := readTestdata("h265_main_720p_bframes.h265"); err == nil {
		aus := splitAUs(h26x.SplitNALs(nil, data), &h26x.H265AUDetector{})
		var p265 h26x.H265Packetizer
		_ = p265.Packetize(&b, &rtp.Stream{PayloadType: 97, SSRC: 2}, 0, aus[1], true)
		frame(2, &b)
		b.Reset()
	}
	if data, err := readTestdata("aac_lc_mono_48k.aac"); err == nil {
		aus, _, _ := aac.SplitADTS(nil, data[:4000])
		var pa aac.Packetizer
		_ = pa.Packetize(&b, &rtp.Stream{PayloadType: 98, SSRC: 3}, 0, aus)
		frame(4, &b)
		b.Reset()
	}
	if data, err := readTestdata("g711_ulaw_8k.ulaw"); err == nil {
		var pg g711.Packetizer
		_ = pg.Packetize(&b, &rtp.Stream{PayloadType: 0, SSRC: 4}, 0, data[:480])
		frame(6, &b)
		b.Reset()
	}
	if data, err := readTestdata("mjpeg_420_320x240.mjpeg"); err == nil {
		pics, _ := mjpeg.SplitFrames(nil, data)
		var pj mjpeg.Packetizer
		_ = pj.Packetize(&b, &rtp.Stream{PayloadType: 26, SSRC: 5}, 0, pics[0])
		frame(8, &b)
		b.Reset()
	}
	sr, _ := rtcp.MarshalCompound(&rtcp.SenderReport{SSRC: 1, NTPTime: 1 << 40}, rtcp.NewCNAME(1, "x"))
	_ = rtsp.WriteInterleavedFrame(&out, 1, sr)
	out.WriteString("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS\r\n\r\n")
	out.WriteString("OPTIONS * RTSP/1.0\r\nCSeq: 9\r\n\r\n")
	return out.Bytes()
}

func readTestdata(name string) ([]byte, error) {
	return readFileErr("../testdata/" + name)
}

// FuzzClientStream feeds arbitrary bytes to a Client as the server's side
// of the RTSP connection, with a request waiting for its response and a
// track of each codec set up over TCP: nothing may panic or hang, and
// Close must return.
func FuzzClientStream(f *testing.F) {
	seed := fuzzSeed(f)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"))
	f.Add([]byte("$\x00\x00\x0c\x80\x60\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01"))
	f.Add([]byte("$\x01\x00\x08\x80\xc8\x00\x01\x00\x00\x00\x01"))
	f.Add([]byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 5\r\n\r\nab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		runStream(t, data)
	})
}

// runStream plays data as the server's side of a Client's connection
// and returns the frames each fuzz track produced.
func runStream(t *testing.T, data []byte) map[int]int {
	a, b := net.Pipe()
	defer b.Close()
	c := newClient(a, &url.URL{Scheme: "rtsp", Host: "fuzz", Path: "/x"}, Options{Timeout: 200 * time.Millisecond}.withDefaults())
	c.mu.Lock()
	for i, info := range fuzzTracks() {
		tr := newTrack(c, i, info, TransportTCP)
		tr.rtpChannel, tr.rtcpChannel = uint8(2*i), uint8(2*i+1)
		c.channels[2*i], c.channels[2*i+1] = tr, tr
		c.tracks = append(c.tracks, tr)
	}
	c.mu.Unlock()
	var fmu sync.Mutex
	frames := map[int]int{}
	c.handlers.Store(&handlers{
		onPacket: func(int, *rtp.Packet, time.Time) {},
		onRTCP:   func(int, []rtcp.Packet) {},
		onFrame: func(track int, f Frame) {
			fmu.Lock()
			frames[track]++
			fmu.Unlock()
			for _, n := range f.NALUs {
				if len(n) == 0 {
					t.Error("empty NAL unit")
				}
			}
		},
	})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(io.Discard, b) // what the client writes
	}()
	go func() {
		defer wg.Done()
		_, _ = c.Do(&rtsp.Request{Method: rtsp.Options})
	}()
	_ = b.SetWriteDeadline(time.Now().Add(3 * time.Second))
	if _, err := b.Write(data); errors.Is(err, os.ErrDeadlineExceeded) {
		buf := make([]byte, 1<<20)
		t.Fatalf("the client stopped reading:\n%s", buf[:runtime.Stack(buf, true)])
	}
	_ = c.Stats()
	done := make(chan struct{})
	go func() {
		_ = c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	b.Close()
	wg.Wait()
	fmu.Lock()
	defer fmu.Unlock()
	return frames
}

// TestFuzzSeed checks that the seed is a stream the tracks decode: each
// codec yields a frame.
func TestFuzzSeed(t *testing.T) {
	frames := runStream(t, fuzzSeed(t))
	for i := range fuzzTracks() {
		require.GreaterOrEqual(t, frames[i], 1, "track %d", i)
	}
}
