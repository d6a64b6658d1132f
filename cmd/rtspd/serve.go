package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/relay"
	"github.com/rtspkit/rtspkit/server"
)

// serve opens the inputs, serves them until a signal, -t, the end of
// standard input or an error, and stops the server cleanly. The inputs are
// checked before the server starts, so a wrong file fails at once.
func serve(o options, stdin io.Reader, stdout, stderr io.Writer) error {
	vsrc, err := openVideo(o.video, o.vcodec, stdin)
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
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	srv := server.New()
	cfg := server.Config{
		Port: o.port, ListenAddress: o.listen, AdvertisedHost: o.host, Username: o.user, Password: o.pass, Logger: logger,
		UDPPortMin: o.udpMin, UDPPortMax: o.udpMax,
	}
	if o.cert != "" {
		pair, err := tls.LoadX509KeyPair(o.cert, o.key)
		if err != nil {
			return fmt.Errorf("-cert/-key: %w", err)
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	}
	var backFile *os.File
	if o.back != "" {
		f, err := os.Create(o.back)
		if err != nil {
			return err
		}
		defer f.Close()
		backFile = f
		var mu sync.Mutex
		cfg.OnBackChannelData = func(_ string, data []byte, _ uint32) {
			mu.Lock()
			defer mu.Unlock()
			_, _ = backFile.Write(data)
		}
	}
	if o.publish {
		// Any path: the session's own is a board session, which the
		// server never gives to a publisher.
		cfg.PublishPaths = []string{"*"}
	}
	if err := srv.InitConfig(cfg); err != nil {
		return err
	}
	defer srv.Destroy()
	audioType := server.AudioNone
	if asrc != nil {
		audioType = asrc.codec
	}
	// The session's handle: the pumps write through it, with no lookup
	// by name and no server-wide lock per unit.
	if err := srv.CreateSessionAttr(o.session, server.SessionAttr{WithVideo: true, VideoType: vsrc.codec,
		WithAudio: audioType != server.AudioNone, AudioType: audioType, WithAudioBackchannel: o.back != ""}); err != nil {
		return err
	}
	cam, err := srv.Stream(o.session)
	if err != nil {
		return err
	}
	for _, u := range o.push {
		if _, err := relay.Push(cam, u, client.Options{Transport: client.TransportTCP}); err != nil {
			return err
		}
	}
	// Signals are caught from before Start, so that Ctrl-C always stops
	// cleanly.
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigc)
	if err := srv.Start(); err != nil {
		return err
	}
	url, _ := srv.URL(o.session)
	fmt.Fprintf(stdout, "rtspd: serving %s (%s%s) at %s\n", vsrc.name, vsrc.codec.Label(), audioLabel(asrc), url)
	if o.onvif != 0 {
		stopONVIF, err := startONVIF(o, srv, cfg, stdout)
		if err != nil {
			return err
		}
		defer stopONVIF()
	}
	for _, u := range o.push {
		fmt.Fprintf(stdout, "rtspd: pushing to %s\n", redactURL(u))
	}
	for _, n := range []string{vsrc.note, audioNote(asrc)} {
		if n != "" {
			fmt.Fprintln(stderr, "rtspd:", n)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 2)
	start := time.Now()
	period := time.Duration(float64(time.Second) / o.fps)
	note := func(s string) { fmt.Fprintln(stdout, "rtspd:", s) }
	go func() { errc <- vsrc.pump(ctx, cam, o.fps, pacer(start, period), note) }()
	if asrc != nil {
		go func() { errc <- asrc.pump(ctx, cam, pacer(start, asrc.period)) }()
	}
	if o.status > 0 {
		go statusLoop(ctx, cam, o.status, unitsLabel(vsrc.codec, audioType), stdout)
	}
	var timeout <-chan time.Time
	if o.duration > 0 {
		timeout = time.After(o.duration)
	}

	var why string
	var runErr error
	select {
	case s := <-sigc:
		why = stopReason(s)
	case <-timeout:
		why = fmt.Sprintf("-t %v is over", o.duration)
	case runErr = <-errc:
		why = "the input stopped"
		if errors.Is(runErr, errInputEnded) {
			why, runErr = runErr.Error(), nil
		}
	}
	cancel()
	if runErr != nil {
		fmt.Fprintln(stdout, "rtspd: stopping")
	} else {
		fmt.Fprintf(stdout, "rtspd: %s; stopping\n", why)
	}
	if err := srv.Stop(); err != nil && !errors.Is(err, server.ErrNotStarted) {
		return err
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintln(stdout, "rtspd: stopped cleanly")
	return nil
}

func stopReason(s os.Signal) string {
	if s == os.Interrupt {
		return "interrupted"
	}
	return "terminated (SIGTERM)"
}

func audioLabel(a *audioSource) string {
	if a == nil {
		return ""
	}
	return " + " + a.codec.Label()
}

func audioNote(a *audioSource) string {
	if a == nil {
		return ""
	}
	return a.note
}

// redactURL hides the password of a URL in messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}
