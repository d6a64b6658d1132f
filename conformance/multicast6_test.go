//go:build linux

package conformance

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/server"
)

// envMulticast6Child marks the re-executed test binary inside the
// namespace of TestMulticastIPv6.
const envMulticast6Child = "RTSPKIT_MCAST6_CHILD"

// IPv6 multicast with ffmpeg, in a network namespace of its own (as the
// IPv4 multicast cells): Linux's loopback does not deliver IPv6 multicast,
// so the namespace gets a veth pair, and the server sends its
// MulticastRange6 group (ff15::/16) out of one end with a hop limit of 1.
// ffmpeg asks for multicast over rtsp://[::1]/ and must decode 50
// pictures of the group. Nothing can reach a real network: the namespace
// has no other interface and disappears with the process.
func TestMulticastIPv6(t *testing.T) {
	if os.Getenv(envMulticast6Child) != "" {
		multicast6Child(t)
		return
	}
	needTool(t, "unshare", "util-linux")
	needTool(t, "ip", "iproute2")
	needTool(t, "ffmpeg", "ffmpeg")
	if os.Geteuid() != 0 {
		msg := "IPv6 multicast needs root to create a network namespace (unshare --net)"
		if requirePlayers() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--", os.Args[0], "-test.run", "^TestMulticastIPv6$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envMulticast6Child+"=1")
	cmd.Dir, _ = os.Getwd()
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the namespace child: %s", lastLines(string(out), 30))
	require.Contains(t, string(out), "--- PASS: TestMulticastIPv6", lastLines(string(out), 30))
}

func multicast6Child(t *testing.T) {
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"link", "add", "mc0", "type", "veth", "peer", "name", "mc1"},
		{"link", "set", "mc0", "up"},
		{"link", "set", "mc1", "up"},
	} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		require.NoError(t, err, "ip %v: %s", args, out)
	}
	// IPv6 multicast leaves an interface once its link-local address has
	// passed duplicate address detection.
	deadline := time.Now().Add(30 * time.Second)
	for _, dev := range []string{"mc0", "mc1"} {
		for {
			out, _ := exec.Command("ip", "-6", "addr", "show", "dev", dev).CombinedOutput()
			if strings.Contains(string(out), "inet6 fe80") && !strings.Contains(string(out), "tentative") {
				break
			}
			require.True(t, time.Now().Before(deadline), "%s has no usable link-local address: %s", dev, out)
			time.Sleep(100 * time.Millisecond)
		}
	}

	// All addresses (the namespace has no other): a socket bound to ::1
	// could not send out of mc0.
	st, _ := liveServer(t, server.Config{AdvertisedHost: "::1", MulticastInterface: "mc0", MulticastTTL: 1})
	url, err := st.URL()
	require.NoError(t, err)
	stop := make(chan struct{})
	defer close(stop)
	// The group, as Stats shows it while ffmpeg plays.
	groupc := make(chan string, 1)
	go func() {
		for {
			if ss, err := st.Stats(); err == nil {
				for _, r := range ss.Readers {
					if r.Transport == "multicast" && r.Session == "" { // the group's own entry
						groupc <- r.Remote
						return
					}
				}
			}
			select {
			case <-stop:
				groupc <- ""
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := run(ctx, "ffmpeg", "-hide_banner", "-v", "error", "-rtsp_transport", "udp_multicast", "-i", url,
		"-frames:v", "50", "-f", "framecrc", "-")
	require.NoError(t, err, "ffmpeg over IPv6 multicast: %s", lastLines(string(out), 3))
	require.Equal(t, 50, framecrcCount(out, 0), "pictures decoded from the IPv6 group: %s", lastLines(string(out), 3))
	group := <-groupc
	require.True(t, strings.HasPrefix(group, "ff15::"), "the group %q is not in ff15::/16", group)
}
