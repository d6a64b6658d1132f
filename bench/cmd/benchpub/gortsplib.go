package main

import (
	"fmt"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/pion/rtp"

	"github.com/rtspkit/rtspkit/bench/internal/media"
)

type encoder interface {
	Encode(au [][]byte) ([]*rtp.Packet, error)
}

// gortsplibPub is one gortsplib Client recording, with its own encoder
// (sequence numbers and SSRC are per stream).
type gortsplibPub struct {
	c    *gortsplib.Client
	desc *description.Session
	enc  encoder
}

// theirs publishes with gortsplib's Client. StartRecording connects
// before the feed starts (it does not reconnect by itself).
type theirs struct {
	ps    []gortsplibPub
	bytes atomic.Uint64
}

func newGortsplib(st *media.Stream, urls []string) (*theirs, error) {
	t := &theirs{}
	for _, u := range urls {
		var forma format.Format
		var enc encoder
		const payloadMax = 1400 - 12 // the same 1400-byte packets as ours
		if st.HEVC {
			forma = &format.H265{PayloadTyp: 96, VPS: st.VPS, SPS: st.SPS, PPS: st.PPS}
			e := &rtph265.Encoder{PayloadType: 96, PayloadMaxSize: payloadMax}
			if err := e.Init(); err != nil {
				return nil, err
			}
			enc = e
		} else {
			forma = &format.H264{PayloadTyp: 96, PacketizationMode: 1, SPS: st.SPS, PPS: st.PPS}
			e := &rtph264.Encoder{PayloadType: 96, PacketizationMode: 1, PayloadMaxSize: payloadMax}
			if err := e.Init(); err != nil {
				return nil, err
			}
			enc = e
		}
		desc := &description.Session{Medias: []*description.Media{{Type: description.MediaTypeVideo, Formats: []format.Format{forma}}}}
		tcp := gortsplib.TransportTCP
		c := &gortsplib.Client{Transport: &tcp}
		if err := c.StartRecording(u, desc); err != nil {
			t.close()
			return nil, fmt.Errorf("%s: %w", u, err)
		}
		t.ps = append(t.ps, gortsplibPub{c: c, desc: desc, enc: enc})
	}
	return t, nil
}

func (t *theirs) send(nals [][]byte, _ bool, ts uint64) error {
	for _, p := range t.ps {
		pkts, err := p.enc.Encode(nals)
		if err != nil {
			return err
		}
		for _, pkt := range pkts {
			pkt.Timestamp = uint32(ts)
			t.bytes.Add(uint64(pkt.MarshalSize()))
			if err := p.c.WritePacketRTP(p.desc.Medias[0], pkt); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *theirs) report() string {
	return fmt.Sprintf("pushedBytes=%d connected=%d", t.bytes.Load(), len(t.ps))
}

func (t *theirs) close() {
	for _, p := range t.ps {
		p.c.Close()
	}
}
