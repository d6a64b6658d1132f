package relay_test

import (
	"context"
	"net"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/relay"
	"github.com/rtspkit/rtspkit/server"
)

// BenchmarkPushHop measures what one push hop adds to a picture's way to a
// player: a camera session writes an access unit, and a player over TCP
// gets it either from the camera's server directly ("direct") or from a
// second server that the camera pushes to with relay ("hop", through that
// server's ingest). Each operation writes one picture and waits for it;
// the metrics are the median and 99th percentile of that wait in
// milliseconds. The hop's cost is the difference between the two.
func BenchmarkPushHop(b *testing.B) {
	for _, hop := range []bool{false, true} {
		name := "direct"
		if hop {
			name = "hop"
		}
		b.Run(name, func(b *testing.B) { benchHop(b, hop) })
	}
}

func benchHop(b *testing.B, hop bool) {
	aus := sampleAUs(b)

	cam, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	defer cam.Destroy()
	st, err := cam.NewStream("test", server.VideoH264, server.AudioNone)
	if err != nil {
		b.Fatal(err)
	}
	if err := cam.Start(); err != nil {
		b.Fatal(err)
	}
	url, _ := cam.URL("test")
	// The first picture (a keyframe with its parameter sets) makes the
	// stream describable.
	if err := st.WriteVideo(aus[0], 0); err != nil {
		b.Fatal(err)
	}
	if hop {
		remote, err := server.NewServer(server.Config{Port: -1, ListenAddress: "127.0.0.1", AdvertisedHost: "127.0.0.1", PublishPaths: []string{"cam"}})
		if err != nil {
			b.Fatal(err)
		}
		defer remote.Destroy()
		if err := remote.Start(); err != nil {
			b.Fatal(err)
		}
		url = "rtsp://127.0.0.1:" + strconv.Itoa(remote.Addr().(*net.TCPAddr).Port) + "/cam"
		t, err := relay.Push(st, url, client.Options{Transport: client.TransportTCP})
		if err != nil {
			b.Fatal(err)
		}
		defer t.Stop()
		for i := 1; ; i++ {
			if _, err := remote.Stats("cam"); err == nil {
				break
			}
			_ = st.WriteVideo(aus[i%len(aus)], uint64(i*40))
			time.Sleep(40 * time.Millisecond)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, url, client.Options{Transport: client.TransportTCP})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Describe(); err != nil {
		b.Fatal(err)
	}
	if err := c.Setup(0); err != nil {
		b.Fatal(err)
	}
	got := make(chan struct{}, 1024)
	c.OnFrame = func(int, client.Frame) {
		select {
		case got <- struct{}{}:
		default:
		}
	}
	if _, err := c.Play(); err != nil {
		b.Fatal(err)
	}
	// Warm up until pictures flow (the player may first get the cached
	// group of pictures), then drain.
	for i := 0; i < 2*len(aus); i++ {
		_ = st.WriteVideo(aus[i%len(aus)], uint64(1000+i*40))
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	for len(got) > 0 {
		<-got
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := st.WriteVideo(aus[i%len(aus)], uint64(5000+i*40)); err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
			lat = append(lat, time.Since(start))
		case <-time.After(10 * time.Second):
			b.Fatalf("picture %d never arrived", i)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
}
