// Command rtspd serves one live stream over RTSP: the embedded sample (H.264
// with AAC, looped) when started without -video, or files (looped), or an
// encoder's output on standard input (played once).
//
//	go run ./cmd/rtspd                        # rtsp://<host>:8554/test
//	rtspd -video cam.h264 -audio cam.aac -fps 30
//	ffmpeg -re -i in.mp4 -c:v libx264 -f h264 - | rtspd -video -
//
// It feeds the server the way a camera program does, through the
// session's Stream handle (WriteVideo per NAL unit, WriteAudio per audio
// frame: the board's SendVideoData and SendAudioData without the lookup by
// name), with
// presentation timestamps: B-frames are timed from their picture order
// count. It prints the URL and a status line every few seconds, and stops
// cleanly on Ctrl-C or SIGTERM (exit status 0).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(rtspd(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// rtspd runs the command and returns its exit status: 0 after -h or a
// clean stop (Ctrl-C, SIGTERM, -t, the end of standard input), 2 for bad
// flags, 1 for anything else that went wrong.
func rtspd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2 // the flag package has printed the error and the usage
	case err != nil:
		fmt.Fprintln(stderr, "rtspd:", err)
		return 2
	}
	if err := serve(o, stdin, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "rtspd:", err)
		return 1
	}
	return 0
}
