package server_test

import (
	"context"
	"fmt"
	"net"
	"os"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// The board's example program, line by line: create, init(8554),
// createsession("test", h264, audio off), start, print the URL, send every
// encoder pack with the constant timestamp 1000, stop, deinit, destroy.
func Example() {
	srv := server.New() // rtspserver_create()
	// rtspserver_init(8554); the full form is srv.InitConfig(server.Config{...}).
	if err := srv.InitConfig(server.Config{Port: 8554, AdvertisedHost: "192.168.1.10"}); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.CreateSession("test", server.MediaH264, false); err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	url, _ := srv.GetRTSPURL("test")
	fmt.Println("play", url)

	// Stand-in for the hardware encoder: each NAL unit of an H.264 file
	// is one "pack".
	stream, _ := os.ReadFile("../testdata/h264_main_720p.h264")
	sent := 0
	for _, pack := range h26x.SplitNALs(nil, stream) {
		if err := srv.SendVideoData("test", h26x.AppendAnnexB(nil, pack), 1000); err != nil {
			fmt.Println(err)
			return
		}
		sent++
	}
	fmt.Println("packs sent:", sent)

	_ = srv.Stop()    // rtspserver_stop()
	_ = srv.Deinit()  // rtspserver_deinit()
	_ = srv.Destroy() // rtspserver_destroy()
	// Output:
	// play rtsp://192.168.1.10:8554/test
	// packs sent: 55
}

// The idiomatic flow: a Server from its Config, a Stream handle per
// stream, Serve on the caller's listener in a goroutine, Shutdown to end.
func ExampleServer_Serve() {
	srv, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	if err != nil {
		panic(err)
	}
	cam, err := srv.NewStream("cam", server.VideoH264, server.AudioNone)
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()

	// The camera loop: one call per encoder pack (here an access unit
	// delimiter alone).
	aud := []byte{0, 0, 0, 1, 0x09, 0xf0}
	fmt.Println("write:", cam.WriteVideo(aud, 0))

	fmt.Println("shutdown:", srv.Shutdown(context.Background()))
	fmt.Println("serve:", <-served)
	fmt.Println("write:", cam.WriteVideo(aud, 40))
	// Output:
	// write: <nil>
	// shutdown: <nil>
	// serve: rtsp server: closed
	// write: rtsp server: closed
}
