//go:build linux

package boardtest

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// What rtspd serves without -video (cmd/rtspd/sample/README.md): H.264,
// 1280x720 at 25 fps, with AAC at 48 kHz, 1024 samples a frame.
const (
	sampleWidth, sampleHeight = 1280, 720
	sampleFPS                 = 25
	sampleAACFramesPerSecond  = 48000 / 1024
)

// playSeconds is how much of the stream each player reads, in stream time.
const playSeconds = 5

// TestRtspdRiscv64UnderQemu runs the rtspd the board runs (linux/riscv64,
// built as make cross builds it) under qemu-user, and plays its embedded
// sample with ffprobe over TCP and over UDP, at the same time: both must
// decode H.264 1280x720 and AAC. Then rtspd must stop cleanly on SIGINT,
// as it does on the board on Ctrl-C.
//
// Nothing here depends on the machine's speed. ffprobe reads playSeconds
// of stream time, so the frame counts do not shrink when the machine is
// slow, only the run gets longer; they must reach half of what the sample
// holds in that time, which some loss over UDP leaves room for while a
// stream that barely plays does not pass. The timeouts only bound hangs.
func TestRtspdRiscv64UnderQemu(t *testing.T) {
	qemu := need(t, "qemu-riscv64-static", "qemu-user-static")
	need(t, "ffprobe", "ffmpeg")

	bin := filepath.Join(t.TempDir(), "rtspd-linux-riscv64")
	buildGo(t, "riscv64", "./cmd/rtspd", bin)
	requireELF(t, bin, elf.EM_RISCV)

	// rtspd has no flag for its listen address (all of them) or its UDP
	// ports: it takes the first free pair of 8000-8999, so it cannot
	// collide with another server.
	port := freePort(t)
	rtspd := startProc(t, qemu, bin, "-port", strconv.Itoa(port), "-host", "127.0.0.1", "-v", "-status", "2s")
	waitListening(t, port, 60*time.Second)
	url := fmt.Sprintf("rtsp://127.0.0.1:%d/test", port)

	t.Run("play", func(t *testing.T) {
		for _, transport := range []string{"tcp", "udp"} {
			t.Run(transport, func(t *testing.T) {
				t.Parallel()
				p := ffprobePlay(t, url, transport, playSeconds)
				t.Logf("over %s: %+v", transport, p)
				if p.Codec != "h264" || p.Width != sampleWidth || p.Height != sampleHeight {
					t.Errorf("video: %q %dx%d, want h264 %dx%d", p.Codec, p.Width, p.Height, sampleWidth, sampleHeight)
				}
				if want := sampleFPS * playSeconds / 2; p.Frames < want {
					t.Errorf("%d video frames decoded in %d s of stream, want at least %d (the sample has %d)",
						p.Frames, playSeconds, want, sampleFPS*playSeconds)
				}
				if p.AudioCodec != "aac" {
					t.Errorf("audio codec %q, want aac", p.AudioCodec)
				}
				if want := sampleAACFramesPerSecond * playSeconds / 2; p.AudioFrames < want {
					t.Errorf("%d AAC frames decoded in %d s of stream, want at least %d (the sample has about %d)",
						p.AudioFrames, playSeconds, want, sampleAACFramesPerSecond*playSeconds)
				}
				// What rtspd says (-v) shows the transport the player
				// really got.
				if out := procOutput(t, rtspd); !strings.Contains(out, "transport="+transport) {
					t.Errorf("rtspd logged no session with transport=%s", transport)
				}
			})
		}
	})

	if err := stopProc(t, rtspd); err != nil {
		t.Errorf("rtspd on SIGINT: %v, want exit status 0", err)
	}
	if out := procOutput(t, rtspd); !strings.Contains(out, "rtspd: stopped cleanly") {
		t.Errorf("rtspd did not say it stopped cleanly")
	}
}

// requireELF checks that bin is a 64-bit ELF executable for machine: what
// runs under qemu is the board's binary, not the host's.
func requireELF(t *testing.T, bin string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != machine || f.Type != elf.ET_EXEC {
		t.Fatalf("%s is %v %v %v, want ELFCLASS64 %v ET_EXEC", bin, f.Class, f.Machine, f.Type, machine)
	}
}
