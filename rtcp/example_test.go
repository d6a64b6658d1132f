package rtcp_test

import (
	"fmt"
	"time"

	"github.com/rtspkit/rtspkit/rtcp"
	"github.com/rtspkit/rtspkit/rtp"
)

func Example() {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	sender := &rtcp.Sender{SSRC: 0x1234, Clock: rtp.Clock{Rate: 90000, Offset: 1000, Start: start}}
	sender.Count(1388)
	sender.Count(1388)

	sr := sender.Report(start.Add(2 * time.Second))
	buf, err := rtcp.AppendCompound(nil, &sr, rtcp.NewCNAME(0x1234, "cam@example"))
	if err != nil {
		panic(err)
	}
	fmt.Println("compound bytes:", len(buf))

	pkts, err := rtcp.Unmarshal(buf)
	if err != nil {
		panic(err)
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			fmt.Printf("SR ssrc=%#x rtp=%d packets=%d octets=%d at %s\n", p.SSRC, p.RTPTime,
				p.PacketCount, p.OctetCount, rtcp.TimeFromNTP(p.NTPTime).Format(time.RFC3339))
		case *rtcp.SourceDescription:
			fmt.Println("SDES cname:", p.Chunks[0].CNAME())
		}
	}
	// Output:
	// compound bytes: 52
	// SR ssrc=0x1234 rtp=181000 packets=2 octets=2776 at 2024-01-01T00:00:02Z
	// SDES cname: cam@example
}

func ExampleReceiverStats() {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	stats := rtcp.NewReceiverStats(8000)
	// Packet 3 is lost; arrivals are 20 ms apart, as the timestamps.
	for _, seq := range []uint16{0, 1, 2, 4} {
		stats.Update(seq, uint32(seq)*160, t0.Add(time.Duration(seq)*20*time.Millisecond))
	}
	stats.OnSenderReport(rtcp.NTPTime(t0), t0)
	r := stats.Report(0xabcd, t0.Add(500*time.Millisecond))
	fmt.Printf("lost %d (fraction %d/256), highest %d, jitter %d, dlsr %v\n",
		r.CumulativeLost, r.FractionLost, r.ExtendedHighestSeq, r.Jitter, rtcp.DurationFromShort(r.DLSR))
	// Output:
	// lost 1 (fraction 51/256), highest 4, jitter 0, dlsr 500ms
}
