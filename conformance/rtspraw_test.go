//go:build linux

package conformance

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// rawRTSP is the smallest RTSP 1.0 client that can ask the server to send a
// track to a UDP port of our choosing, so that players which cannot speak
// RTSP (VLC's RTP input, ffmpeg's SDP demuxer) receive it. It is written
// here, independent of the client package, because the suite checks the
// server against outside implementations.
type rawRTSP struct {
	c       net.Conn
	br      *bufio.Reader
	cseq    int
	session string
}

func dialRTSP(addr string) (*rawRTSP, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawRTSP{c: c, br: bufio.NewReader(c)}, nil
}

func (r *rawRTSP) close() { r.c.Close() }

// do sends a request and reads the response (status, headers, body).
func (r *rawRTSP) do(method, url string, hdr ...string) (int, textproto.MIMEHeader, []byte, error) {
	r.cseq++
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\nCSeq: %d\r\nUser-Agent: rtspkit-conformance\r\n", method, url, r.cseq)
	if r.session != "" {
		fmt.Fprintf(&b, "Session: %s\r\n", r.session)
	}
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	_ = r.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(r.c, b.String()); err != nil {
		return 0, nil, nil, err
	}
	tp := textproto.NewReader(r.br)
	status, err := tp.ReadLine()
	if err != nil {
		return 0, nil, nil, err
	}
	f := strings.Fields(status)
	if len(f) < 2 || f[0] != "RTSP/1.0" {
		return 0, nil, nil, fmt.Errorf("bad status line %q", status)
	}
	code, err := strconv.Atoi(f[1])
	if err != nil {
		return 0, nil, nil, fmt.Errorf("bad status line %q", status)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return 0, nil, nil, err
	}
	if got := h.Get("CSeq"); got != strconv.Itoa(r.cseq) {
		return 0, nil, nil, fmt.Errorf("CSeq %q in the response to CSeq %d", got, r.cseq)
	}
	var body []byte
	if n, _ := strconv.Atoi(h.Get("Content-Length")); n > 0 {
		if n > 1<<20 {
			return 0, nil, nil, fmt.Errorf("Content-Length %d", n)
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(r.br, body); err != nil {
			return 0, nil, nil, err
		}
	}
	if s := h.Get("Session"); s != "" {
		r.session, _, _ = strings.Cut(s, ";")
	}
	return code, h, body, nil
}

// describe returns the SDP of url.
func (r *rawRTSP) describe(url string) ([]byte, error) {
	code, _, body, err := r.do("DESCRIBE", url, "Accept: application/sdp")
	if err != nil {
		return nil, err
	}
	if code != 200 {
		return nil, fmt.Errorf("DESCRIBE: status %d", code)
	}
	return body, nil
}

// setupUDP sets a track up to be sent to 127.0.0.1:port (RTP) and port+1
// (RTCP).
func (r *rawRTSP) setupUDP(trackURL string, port int) error {
	code, _, _, err := r.do("SETUP", trackURL, fmt.Sprintf("Transport: RTP/AVP;unicast;client_port=%d-%d", port, port+1))
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("SETUP %s: status %d", trackURL, code)
	}
	return nil
}

func (r *rawRTSP) play(url string) error {
	code, _, _, err := r.do("PLAY", url, "Range: npt=0.000-")
	if err != nil {
		return err
	}
	if code != 200 {
		return fmt.Errorf("PLAY: status %d", code)
	}
	return nil
}

// freeUDPPair finds an even port whose pair is free on 127.0.0.1, from
// base upwards. The ports are released before returning: the player binds
// them next.
func freeUDPPair(base int) (int, error) {
	for p := base &^ 1; p < base+2000; p += 2 {
		a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			continue
		}
		b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p + 1})
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p, nil
	}
	return 0, fmt.Errorf("no free UDP port pair from %d", base)
}

// udpPortBound reports whether someone has bound port on 127.0.0.1 or on
// all addresses.
func udpPortBound(port int) bool {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return true
	}
	c.Close()
	return false
}
