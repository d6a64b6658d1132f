//go:build linux

package onvif

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"
)

// WS-Discovery is multicast, so its tests run in a network namespace of
// their own, as conformance/multicast_test.go does: TestNetns re-executes
// this test binary under `unshare --net`, which gives it a namespace
// holding only a loopback interface that disappears with the process.
// Inside, the child brings lo up, turns multicast on for it and routes
// 224.0.0.0/4 to it, and refuses to run if any other interface exists, so
// no Probe, Hello or Bye can reach a real network. onvif-util finds a
// device by IP address through WS-Discovery only, so its test runs there
// too. It needs root (CAP_SYS_ADMIN), which make test has in CI.

// Environment of the namespace child: envNetns marks it; envNetnsNPM
// names the npm client folder the parent installed (the child has no
// network to install it from).
const (
	envNetns    = "RTSPKIT_ONVIF_NETNS"
	envNetnsNPM = "RTSPKIT_ONVIF_NPM"
)

// netnsTests are the tests the child runs, each of which must pass.
var netnsTests = []string{"TestInNetnsDiscovery", "TestInNetnsOnvifUtil", "TestInNetnsNpmDiscovery"}

// TestNetns runs the netnsTests in a private network namespace.
func TestNetns(t *testing.T) {
	if os.Getenv(envNetns) != "" {
		t.Skip("inside the namespace: the TestInNetns tests run")
	}
	unshare := needTool(t, "unshare", "the Debian package util-linux")
	needTool(t, "ip", "the Debian package iproute2")
	if os.Geteuid() != 0 {
		msg := "WS-Discovery tests need root to create a network namespace (unshare --net)"
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// The child has no network: the npm client is installed here. Without
	// node or npm (or the registry), the child skips its npm test, unless
	// the tools are required.
	npmDir := ""
	_, errNode := exec.LookPath("node")
	npm, errNPM := exec.LookPath("npm")
	if os.Getenv(envRequire) == "1" {
		npmDir = npmClient(t)
	} else if errNode == nil && errNPM == nil {
		dir, out, err := installNPM(npm)
		if err != nil {
			t.Logf("npm install failed, the npm discovery test will skip: %v: %s", err, out)
		} else {
			npmDir = dir
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*hang)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "--net", "--", os.Args[0],
		"-test.run", "^("+strings.Join(netnsTests, "|")+")$", "-test.v", "-test.count=1", "-test.timeout", (5 * hang).String())
	cmd.Env = append(os.Environ(), envNetns+"=1", envNetnsNPM+"="+npmDir)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("namespace child:\n%s", out)
	require.NoError(t, err, "the namespace child failed")
	for _, name := range netnsTests {
		if strings.Contains(string(out), "--- SKIP: "+name) && os.Getenv(envRequire) != "1" {
			continue
		}
		require.Contains(t, string(out), "--- PASS: "+name)
	}
}

// netnsSetup prepares the namespace once: lo up, multicast on it, and the
// multicast route; then checks that lo is all there is.
var netnsSetup struct {
	once sync.Once
	err  error
}

// inNetns skips the test outside the namespace child, and sets the
// namespace up inside it.
func inNetns(t *testing.T) {
	t.Helper()
	if os.Getenv(envNetns) == "" {
		t.Skip("runs only inside the network namespace TestNetns creates")
	}
	netnsSetup.once.Do(func() {
		for _, c := range [][]string{
			{"ip", "link", "set", "lo", "up"},
			{"ip", "link", "set", "lo", "multicast", "on"},
			{"ip", "route", "add", "224.0.0.0/4", "dev", "lo"},
		} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				netnsSetup.err = fmt.Errorf("%v: %v: %s", c, err, out)
				return
			}
		}
		out, err := exec.Command("ip", "-o", "link").Output()
		if err == nil && strings.Count(string(out), "\n") != 1 {
			err = fmt.Errorf("the namespace must hold only lo:\n%s", out)
		}
		netnsSetup.err = err
	})
	require.NoError(t, netnsSetup.err)
}

// discoverable starts a camera, its ONVIF service on 127.0.0.1 and
// WS-Discovery on lo, all stopped at the end of the test.
func discoverable(t *testing.T, cfg Config) (*Service, *Discovery, int) {
	t.Helper()
	srv, _ := camera(t)
	cfg.Profiles = ServerProfiles(srv, 25)
	svc, err := New(cfg)
	require.NoError(t, err)
	port := serve(t, svc).Port
	d, err := svc.StartDiscovery(DiscoveryConfig{Port: port})
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return svc, d, port
}

// groupListener is a socket on the WS-Discovery port that has joined the
// group on lo, as a client listening for Hello and Bye does.
func groupListener(t *testing.T) net.PacketConn {
	t.Helper()
	lc := net.ListenConfig{Control: reuseAddr}
	c, err := lc.ListenPacket(context.Background(), "udp4", "0.0.0.0:3702")
	require.NoError(t, err)
	lo, err := net.InterfaceByName("lo")
	require.NoError(t, err)
	require.NoError(t, ipv4.NewPacketConn(c).JoinGroup(lo, discoveryGroup))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// readMessage reads datagrams from c until one whose Action is action
// (and, for replies, whose RelatesTo is relatesTo) comes from our
// endpoint, and returns it parsed. Anything else is skipped.
func readMessage(t *testing.T, c net.PacketConn, endpoint, action, relatesTo string) *node {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(hang)))
	buf := make([]byte, 64<<10)
	for {
		n, _, err := c.ReadFrom(buf)
		require.NoError(t, err, "waiting for %s", action)
		root, err := parseTree(strings.NewReader(string(buf[:n])))
		if err != nil {
			continue
		}
		h := root.child(nsSOAP12, "Header")
		if h.text("Action") != action || root.find("EndpointReference").find("Address").textOrEmpty() != endpoint {
			continue
		}
		if relatesTo != "" && h.text("RelatesTo") != relatesTo {
			continue
		}
		return root
	}
}

// TestInNetnsDiscovery checks Hello at start, answers to Probes sent as
// raw UDP (multicast and unicast, matching and not), and Bye at Close.
func TestInNetnsDiscovery(t *testing.T) {
	inNetns(t)
	hello := groupListener(t)
	svc, d, port := discoverable(t, Config{Name: "netns-cam", Device: DeviceInfo{HardwareID: "K230"}})
	xaddr := fmt.Sprintf("http://127.0.0.1:%d/onvif/device_service", port)

	m := readMessage(t, hello, svc.EndpointUUID(), actionHello, "")
	require.Equal(t, xaddr, m.find("Hello").text("XAddrs"))
	require.Contains(t, m.find("Hello").text("Scopes"), "onvif://www.onvif.org/name/netns-cam")
	require.Contains(t, m.find("Hello").text("Scopes"), "onvif://www.onvif.org/hardware/K230")
	require.NoError(t, hello.Close())

	client, err := net.ListenPacket("udp4", "0.0.0.0:0")
	require.NoError(t, err)
	defer client.Close()
	probe := func(dst *net.UDPAddr, id, body string) {
		_, err := client.WriteTo([]byte(strings.Replace(body, "urn:uuid:8a5e1c9e-1111-4c4c-9f9f-000000000001", id, 1)), dst)
		require.NoError(t, err)
	}
	// Multicast Probes of node onvif, libonvif, and an empty one.
	for i, body := range []string{npmProbe, libonvifProbe, probeWith("urn:uuid:8a5e1c9e-1111-4c4c-9f9f-000000000001", "", "")} {
		id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
		if body == libonvifProbe {
			id = "uuid:6bbdae2d-f229-42c8-a27b-93880fb80826"
		}
		probe(discoveryGroup, id, body)
		m := readMessage(t, client, svc.EndpointUUID(), actionProbeMatches, id)
		require.Equal(t, xaddr, m.find("ProbeMatch").text("XAddrs"))
		require.Equal(t, "dn:NetworkVideoTransmitter tds:Device", m.find("ProbeMatch").text("Types"))
	}
	// Probes that must get no answer, then one that must: sent unicast,
	// they are answered at once and in order, so the first answer read
	// shows that the others got none.
	unicast := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: discoveryGroup.Port}
	probe(unicast, "urn:uuid:1", probeWith("urn:uuid:1", `<d:Types xmlns:p="urn:printers">p:Printer</d:Types>`, ""))
	probe(unicast, "urn:uuid:2", probeWith("urn:uuid:2", "", `<d:Scopes>onvif://www.onvif.org/name/other</d:Scopes>`))
	probe(unicast, "urn:uuid:3", "garbage")
	probe(unicast, "urn:uuid:4", probeWith("urn:uuid:4", `<d:Types>dn:NetworkVideoTransmitter</d:Types>`, `<d:Scopes>onvif://www.onvif.org/name/netns-cam</d:Scopes>`))
	require.NoError(t, client.SetReadDeadline(time.Now().Add(hang)))
	buf := make([]byte, 64<<10)
	n, _, err := client.ReadFrom(buf)
	require.NoError(t, err)
	first := parse(t, string(buf[:n]))
	require.Equal(t, "urn:uuid:4", first.child(nsSOAP12, "Header").text("RelatesTo"), "only the matching Probe is answered")

	bye := groupListener(t)
	require.NoError(t, d.Close())
	readMessage(t, bye, svc.EndpointUUID(), actionBye, "")
}

// TestInNetnsOnvifUtil drives Debian's onvif-util (libonvif): it finds
// the device by WS-Discovery, logs in with WS-UsernameToken and prints
// the device information, the profiles and the stream URI, which ffprobe
// then plays. Wrong or missing credentials are refused.
func TestInNetnsOnvifUtil(t *testing.T) {
	inNetns(t)
	bin := needTool(t, "onvif-util", "the Debian package onvif-tools")
	_, _, _ = discoverable(t, Config{Username: "admin", Password: "s3cret", Device: DeviceInfo{Model: "rtspd-netns", SerialNumber: "SN-7"}})
	run := func(stdin string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), hang)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("get profiles\nget rtsp\nget video\nquit\n", "-u", "admin", "-p", "s3cret", "127.0.0.1")
	require.NoError(t, err, out)
	ls := lines([]byte(out))
	require.Contains(t, ls, "found host: 127.0.0.1")
	require.Contains(t, ls, "successfully connected to host")
	require.Contains(t, ls, "name:   rtspd-netns")
	require.Contains(t, ls, "serial: SN-7")
	require.Contains(t, ls, "Token 0: test")
	require.Contains(t, ls, "Resolution: 1280 x 720")
	require.Contains(t, ls, "Frame Rate: 25")
	require.NotContains(t, out, "ERROR")
	var uri string
	for _, l := range ls {
		if strings.HasPrefix(l, "rtsp://") {
			uri = l
		}
	}
	require.Regexp(t, `^rtsp://127\.0\.0\.1:\d+/test$`, uri, out)
	codec, w, h := ffprobeStream(t, uri)
	require.Equal(t, "h264", codec)
	require.Equal(t, 1280, w)
	require.Equal(t, 720, h)

	for _, args := range [][]string{{"-u", "admin", "-p", "wrong", "127.0.0.1"}, {"127.0.0.1"}} {
		out, err := run("get rtsp\nquit\n", args...)
		require.Error(t, err, out)
		require.Contains(t, out, "found host: 127.0.0.1")
		require.Contains(t, out, "ERROR: get device information - ter:NotAuthorized")
		require.NotContains(t, out, "rtsp://")
	}

	// -a lists every camera the Probe found, by name and hardware scope.
	out, err = run("", "-a")
	require.NoError(t, err, out)
	require.Contains(t, out, "127.0.0.1")
	require.Contains(t, out, "(rtspd-netns)")
}

// TestInNetnsNpmDiscovery has node onvif's Discovery.probe find the
// device, with its endpoint reference, types and XAddrs.
func TestInNetnsNpmDiscovery(t *testing.T) {
	inNetns(t)
	dir := os.Getenv(envNetnsNPM)
	if dir == "" {
		if os.Getenv(envRequire) == "1" {
			t.Fatal("the parent installed no npm client")
		}
		t.Skip("no npm client: node, npm or the registry was missing")
	}
	svc, _, port := discoverable(t, Config{Name: "npm-cam"})
	res := runNode(t, dir, "discover", "3000")
	require.Empty(t, res.Error)
	require.Len(t, res.Devices, 1, "one device, one ProbeMatch")
	dev := res.Devices[0]
	require.Equal(t, svc.EndpointUUID(), dev.Address)
	require.Equal(t, []string{fmt.Sprintf("http://127.0.0.1:%d/onvif/device_service", port)}, dev.Xaddrs)
	require.Equal(t, "dn:NetworkVideoTransmitter tds:Device", dev.Types)
	require.Contains(t, dev.Scopes, "onvif://www.onvif.org/name/npm-cam")
}
