package main

import (
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/bench/internal/media"
	"github.com/rtspkit/rtspkit/client"
	"github.com/rtspkit/rtspkit/format"
)

// ours publishes with client.Publisher: it never blocks the feed, and
// connects (and reconnects) in the background.
type ours struct {
	ps []*client.Publisher
}

func newOurs(st *media.Stream, urls []string) (*ours, error) {
	f := format.NewH264(96, st.SPS, st.PPS)
	if st.HEVC {
		f = format.NewH265(96, st.VPS, st.SPS, st.PPS)
	}
	o := &ours{}
	for _, u := range urls {
		p, err := client.NewPublisher(u, []format.Format{f}, client.Options{Transport: client.TransportTCP})
		if err != nil {
			o.close()
			return nil, err
		}
		o.ps = append(o.ps, p)
	}
	return o, nil
}

func (o *ours) send(nals [][]byte, key bool, ts uint64) error {
	pts := time.Duration(ts) * time.Second / 90000
	for _, p := range o.ps {
		if err := p.WriteFrame(0, pts, format.Frame{NALUs: nals, Marker: true, Keyframe: key}); err != nil {
			return err
		}
	}
	return nil
}

func (o *ours) report() string {
	var bytes, drops, retries uint64
	connected := 0
	for _, p := range o.ps {
		s := p.Stats()
		bytes += s.Bytes
		drops += s.Drops
		retries += s.Retries
		if s.Connected {
			connected++
		}
	}
	return fmt.Sprintf("pushedBytes=%d connected=%d drops=%d retries=%d", bytes, connected, drops, retries)
}

func (o *ours) close() {
	for _, p := range o.ps {
		_ = p.Close()
	}
}
