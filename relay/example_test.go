package relay_test

import (
	"fmt"
	"net"
	"strconv"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/relay"
	"github.com/rtspkit/rtspkit/server"
)

// A camera's session pushed to a media server (here a second rtspkit
// server that takes publishers on /cam) while it serves its own players.
func Example() {
	media, _ := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", PublishPaths: []string{"cam"}})
	_ = media.Start()
	defer media.Destroy()

	cam, _ := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1"})
	defer cam.Destroy()
	st, _ := cam.NewStream("test", server.VideoH264, server.AudioNone)
	_ = cam.Start()

	url := "rtsp://127.0.0.1:" + strconv.Itoa(media.Addr().(*net.TCPAddr).Port) + "/cam"
	target, err := relay.Push(st, url, client.Options{Transport: client.TransportTCP})
	fmt.Println("push:", err)
	// ... st.WriteVideo(pack, ts) for every encoder pack: the players of
	// both servers get it.
	stats, _ := st.Stats()
	fmt.Println("targets:", len(stats.Pushes))
	target.Stop()
	stats, _ = st.Stats()
	fmt.Println("targets after Stop:", len(stats.Pushes))
	// Output:
	// push: <nil>
	// targets: 1
	// targets after Stop: 0
}
