package pusher_test

import (
	"fmt"
	"net"
	"strconv"

	"github.com/rtspkit/rtspkit/pusher"
	"github.com/rtspkit/rtspkit/server"
)

// The board's pusher flow, pushing to an rtspkit server that takes
// publishers on /cam (a media server such as mediamtx works the same).
func Example() {
	srv, _ := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", PublishPaths: []string{"cam"}})
	_ = srv.Start()
	defer srv.Destroy()
	url := "rtsp://127.0.0.1:" + strconv.Itoa(srv.Addr().(*net.TCPAddr).Port) + "/cam"

	p := pusher.New()                                       // RtspPusher_create
	fmt.Println("init:", p.Init(1280, 720, url, 25, "tcp")) // RtspPusher_Init
	fmt.Println("open:", p.Open())                          // RtspPusher_Open
	// The encoder's pack of each frame, with its key flag and a
	// millisecond timestamp (here an IDR slice alone, for brevity):
	idr := []byte{0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00}
	fmt.Println("push:", p.PushVideoData(idr, true, 0)) // RtspPusher_PushVideoData
	fmt.Println("close:", p.Close())                    // RtspPusher_Close
	fmt.Println("deinit:", p.DeInit())                  // RtspPusher_DeInit
	fmt.Println("destroy:", p.Destroy())                // RtspPusher_destroy
	// Output:
	// init: <nil>
	// open: <nil>
	// push: <nil>
	// close: <nil>
	// deinit: <nil>
	// destroy: <nil>
}
