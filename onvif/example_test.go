package onvif_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/rtspkit/rtspkit/onvif"
	"github.com/rtspkit/rtspkit/server"
)

// Example serves the ONVIF device and media services next to an rtspkit
// server, as rtspd -onvif PORT does, then asks for the stream URI of the
// session the way an NVR would.
func Example() {
	// The RTSP server and its session, as rtspd makes them.
	cfg := server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"}
	srv, err := server.NewServer(cfg)
	if err != nil {
		panic(err)
	}
	defer srv.Destroy()
	if _, err := srv.NewStream("test", server.VideoH264, server.AudioNone); err != nil {
		panic(err)
	}
	if err := srv.Start(); err != nil {
		panic(err)
	}

	// The ONVIF service: one profile per session, the transports the
	// server serves, and (with -user/-pass) WS-UsernameToken.
	svc, err := onvif.New(onvif.Config{
		Profiles:   onvif.ServerProfiles(srv, 25), // 25: rtspd's -fps, when the SPS has no timing
		Transports: onvif.ServerTransports(cfg),
		Device:     onvif.DeviceInfo{Manufacturer: "rtspkit", Model: "rtspd"},
	})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // rtspd: ":" + the -onvif port
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, ln) }()
	// rtspd also makes the device discoverable (not here: an example
	// must not multicast on the machine's network):
	//	disc, err := svc.StartDiscovery(onvif.DiscoveryConfig{Port: port})
	//	defer disc.Close() // sends Bye

	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	req := `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` +
		`<GetStreamUri xmlns="http://www.onvif.org/ver10/media/wsdl"><StreamSetup>` +
		`<Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream>` +
		`<Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport>` +
		`</StreamSetup><ProfileToken>test</ProfileToken></GetStreamUri></s:Body></s:Envelope>`
	resp, err := http.Post("http://127.0.0.1:"+port+onvif.DevicePath, "application/soap+xml", strings.NewReader(req))
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	uri := regexp.MustCompile(`<tt:Uri>([^<]*)</tt:Uri>`).FindSubmatch(body)[1]
	rtspPort := strconv.Itoa(srv.Addr().(*net.TCPAddr).Port)
	fmt.Println(resp.Status)
	fmt.Println(strings.Replace(string(uri), rtspPort, "PORT", 1))

	cancel()
	fmt.Println(<-done)
	// Output:
	// 200 OK
	// rtsp://127.0.0.1:PORT/test
	// context canceled
}
