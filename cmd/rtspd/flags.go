package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

type options struct {
	port      int
	listen    string
	udpMin    int // 0: the server's default range
	udpMax    int
	session   string
	video     string
	vcodec    string
	audio     string
	fps       float64
	user      string
	pass      string
	host      string
	verbose   bool
	status    time.Duration
	duration  time.Duration
	publish   bool
	push      []string
	back      string
	cert      string
	key       string
	onvif     int
	discovery bool
}

// errUsage marks a flag error the flag package has already reported.
var errUsage = errors.New("bad usage")

const usageHead = `Usage: rtspd [flags]

Serves one stream at rtsp://<host>:<port>/<session>: the embedded sample
(H.264 and AAC) without -video, else a video file and an optional audio
file, both looped, or an encoder's output on standard input (-video -),
played until it ends.

Flags:
`

// parseFlags reads the command line. The usage strings are written to read
// well with the "(default ...)" the flag package appends, and the word in
// backquotes names the flag's argument.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("rtspd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageHead)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.port, "port", 8554, "RTSP `port` to listen on")
	fs.Func("listen", "listen on this local `address` only (127.0.0.1, ::1, one interface's address);\nwithout it, on every address", func(v string) error {
		a, err := netip.ParseAddr(v)
		if err != nil || a.Zone() != "" {
			return fmt.Errorf("want an IP address, not %q", v)
		}
		o.listen = a.String()
		return nil
	})
	fs.Func("udp-ports", "`range` of the server's two UDP ports for RTP and RTCP, min-max: the first free even/odd pair\nin it is used (default 8000-8999)", func(v string) error {
		a, b, ok := strings.Cut(v, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || hi < lo+1 {
			return fmt.Errorf("want min-max, two ports with room for a pair (8000-8999), not %q", v)
		}
		o.udpMin, o.udpMax = lo, hi
		return nil
	})
	fs.StringVar(&o.session, "session", "test", "session (mount point) `name`: rtsp://host:port/<name>")
	fs.StringVar(&o.video, "video", "", "video `file`: Annex-B .h264/.264 or .h265/.265/.hevc, or .mjpeg (concatenated JPEGs);\n"+
		"\"-\" reads H.264 (or -vcodec) from standard input; without it, the embedded sample")
	fs.StringVar(&o.vcodec, "vcodec", "", "video `codec` when the file name does not tell: h264, h265 or mjpeg")
	fs.StringVar(&o.audio, "audio", "", "audio `file`: ADTS .aac, or raw 8 kHz .ulaw/.pcmu or .alaw/.pcma;\n"+
		"without it, the sample's AAC with the sample video and no audio otherwise")
	fs.Float64Var(&o.fps, "fps", 25, "frame `rate` of the video input")
	fs.StringVar(&o.user, "user", "", "require this user `name` (Digest authentication; with -pass)")
	fs.StringVar(&o.pass, "pass", "", "`password` for -user")
	fs.StringVar(&o.host, "host", "", "`host` name or address to put in the URL; without it, the primary address")
	fs.BoolVar(&o.verbose, "v", false, "log every connection and session")
	fs.DurationVar(&o.status, "status", 5*time.Second, "`interval` of the status line; 0 turns it off")
	fs.DurationVar(&o.duration, "t", 0, "stop after `duration`; without it, run until interrupted")
	fs.Func("push", "also push the stream to this rtsp:// `URL` (ANNOUNCE, RECORD over TCP), reconnecting as needed;\nmay be repeated", func(v string) error {
		if l := strings.ToLower(v); !strings.HasPrefix(l, "rtsp://") && !strings.HasPrefix(l, "rtsps://") {
			return fmt.Errorf("want rtsp://host[:port]/path (or rtsps://), not %q", v)
		}
		o.push = append(o.push, v)
		return nil
	})
	fs.StringVar(&o.back, "backchannel", "", "offer the ONVIF audio backchannel and write the G.711 µ-law players send to `file` (raw, 8 kHz)")
	fs.StringVar(&o.cert, "cert", "", "serve RTSPS (RTSP over TLS, rtsps:// URLs) with this PEM certificate `file` (with -key);\nmedia then goes interleaved inside TLS")
	fs.StringVar(&o.key, "key", "", "PEM private key `file` for -cert")
	fs.IntVar(&o.onvif, "onvif", 0, "serve the ONVIF device and media services on this HTTP `port` (http://host:port/onvif/device_service),\nfor NVRs that add cameras through ONVIF; 0: none, -1: a free port")
	fs.BoolVar(&o.discovery, "discovery", true, "with -onvif, make the device discoverable (WS-Discovery on 239.255.255.250:3702)")
	fs.BoolVar(&o.publish, "publish", false, "also accept publishers (ANNOUNCE, RECORD: ffmpeg -f rtsp) on any path but -session;\nplayers read them from this server")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	case o.fps <= 0 || o.fps > 1000:
		return o, fmt.Errorf("-fps %v out of range (0 to 1000)", o.fps)
	case (o.user == "") != (o.pass == ""):
		return o, errors.New("-user and -pass go together")
	case (o.cert == "") != (o.key == ""):
		return o, errors.New("-cert and -key go together")
	case o.onvif < -1 || o.onvif > 65535:
		return o, fmt.Errorf("-onvif %d is not a port", o.onvif)
	case o.status < 0 || o.duration < 0:
		return o, errors.New("-status and -t cannot be negative")
	}
	return o, nil
}
