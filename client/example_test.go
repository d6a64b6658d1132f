package client_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/h26x"
	"github.com/rtspkit/rtspkit/server"
)

// Example plays a stream from a server started in the example: DESCRIBE,
// SETUP over TCP, PLAY, and the first access unit through OnFrame.
func Example() {
	// A server with one H.264 stream, fed one group of pictures.
	srv := server.New()
	_ = srv.InitConfig(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	_ = srv.CreateSession("test", "h264", false)
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Destroy()
	stream, _ := os.ReadFile("../testdata/h264_main_720p.h264")
	var split h26x.AccessUnitSplitter
	ts := uint64(0)
	for _, nal := range h26x.SplitNALs(nil, stream) {
		if au, ok := split.Push(nil, nal); ok {
			_ = srv.SendVideoData("test", h26x.AppendAnnexB(nil, au...), ts)
			ts += 40
		}
	}
	url, _ := srv.URL("test")

	// The client.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Transport: client.TransportTCP})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	desc, err := c.Describe()
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, t := range desc.Tracks {
		pm, _ := t.FMTP.Get("packetization-mode")
		fmt.Printf("track %d: %s %s/%d packetization-mode=%s\n", i, t.Media, t.Codec, t.ClockRate, pm)
		if err := c.Setup(i); err != nil {
			fmt.Println(err)
			return
		}
	}
	frames := make(chan client.Frame, 1)
	c.OnFrame = func(track int, f client.Frame) {
		select {
		case frames <- client.Frame{Keyframe: f.Keyframe, Marker: f.Marker}:
		default:
		}
	}
	resp, err := c.Play()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("PLAY:", resp.StatusCode)
	f := <-frames
	fmt.Println("first access unit: keyframe", f.Keyframe, "marker", f.Marker)
	// Output:
	// track 0: video H264/90000 packetization-mode=1
	// PLAY: 200
	// first access unit: keyframe true marker true
}
