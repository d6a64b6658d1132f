// Command rtspd serves one live stream over RTSP: the embedded sample (H.264
// with AAC, looped) when started without -video, or files, or an encoder's
// output on standard input.
//
//	go run ./cmd/rtspd                        # rtsp://<host>:8554/test
//	rtspd -video cam.h264 -audio cam.aac -fps 30
//	ffmpeg -re -i in.mp4 -c:v libx264 -bf 0 -f h264 - | rtspd -video -
//
// It feeds the server through the same calls a camera program makes
// (SendVideoData per access unit, SendAudioData per audio frame), prints the
// URL and a status line every few seconds, and stops cleanly on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rtspd:", err)
		os.Exit(1)
	}
}

type options struct {
	port     int
	session  string
	video    string
	audio    string
	fps      float64
	user     string
	pass     string
	host     string
	verbose  bool
	status   time.Duration
	duration time.Duration
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("rtspd", flag.ContinueOnError)
	fs.IntVar(&o.port, "port", 8554, "RTSP port")
	fs.StringVar(&o.session, "session", "test", "session (mount point) name: rtsp://host:port/<session>")
	fs.StringVar(&o.video, "video", "", "video file: Annex-B .h264/.264, .h265/.265/.hevc, or .mjpeg (concatenated JPEGs); - for stdin (H.264, or -vcodec); default: the embedded sample")
	fs.StringVar(&o.audio, "audio", "", "audio file: ADTS .aac, raw 8 kHz .ulaw/.pcmu or .alaw/.pcma (default: the sample's AAC with the sample video, none otherwise)")
	vcodec := fs.String("vcodec", "", "video codec when it cannot be told from the file name: h264, h265, mjpeg")
	fs.Float64Var(&o.fps, "fps", 25, "video frame rate of the input")
	fs.StringVar(&o.user, "user", "", "require this user name (Digest authentication)")
	fs.StringVar(&o.pass, "pass", "", "password for -user")
	fs.StringVar(&o.host, "host", "", "host name or address to advertise in the URL (default: the primary address)")
	fs.BoolVar(&o.verbose, "v", false, "log every connection and session")
	fs.DurationVar(&o.status, "status", 5*time.Second, "interval of the status line (0: none)")
	fs.DurationVar(&o.duration, "t", 0, "stop after this long (0: run until interrupted)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.fps <= 0 || o.fps > 1000 {
		return fmt.Errorf("-fps %v out of range", o.fps)
	}
	if (o.user == "") != (o.pass == "") {
		return errors.New("-user and -pass go together")
	}

	vsrc, err := openVideo(o.video, *vcodec)
	if err != nil {
		return err
	}
	asrc, err := openAudio(o.audio, o.video == "")
	if err != nil {
		return err
	}

	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	srv := server.New()
	if err := srv.InitConfig(server.Config{
		Port: o.port, AdvertisedHost: o.host, Username: o.user, Password: o.pass, Logger: logger,
	}); err != nil {
		return err
	}
	defer srv.Destroy()
	audioType := server.AudioNone
	if asrc != nil {
		audioType = asrc.codec
	}
	if err := srv.CreateSessionWithAudio(o.session, vsrc.codec, audioType); err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return err
	}
	url, _ := srv.URL(o.session)
	fmt.Printf("rtspd: serving %s (%s%s) at %s\n", vsrc.name, vsrc.codec, audioLabel(asrc), url)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	errc := make(chan error, 2)
	start := time.Now()
	go func() { errc <- vsrc.pump(ctx, srv, o.session, o.fps, start) }()
	if asrc != nil {
		go func() { errc <- asrc.pump(ctx, srv, o.session, start) }()
	}
	if o.status > 0 {
		go statusLoop(ctx, srv, o.session, o.status)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	stop()
	fmt.Println("rtspd: stopping")
	if err := srv.Stop(); err != nil && !errors.Is(err, server.ErrNotStarted) {
		return err
	}
	return runErr
}

func audioLabel(a *audioSource) string {
	if a == nil {
		return ""
	}
	return " + " + string(a.codec)
}

// statusLoop prints one line per interval: readers, output bitrate, drops.
func statusLoop(ctx context.Context, srv *server.Server, name string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastBytes uint64
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			st, err := srv.Stats(name)
			if err != nil {
				return
			}
			var bytes, drops uint64
			for _, r := range st.Readers {
				bytes += r.Bytes
				drops += r.FramesDropped
			}
			rate := 0.0
			if bytes >= lastBytes {
				rate = float64(bytes-lastBytes) * 8 / now.Sub(last).Seconds() / 1e6
			}
			lastBytes, last = bytes, now
			fmt.Printf("rtspd: %d reader(s), %.2f Mbit/s out, %d frames dropped, %d units in\n",
				len(st.Readers), rate, drops, st.UnitsIn)
		}
	}
}
