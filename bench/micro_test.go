package bench

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/bench/internal/micro"
)

// BenchmarkPacketize runs every micro case as a sub-benchmark:
//
//	go test -run '^$' -bench Packetize -benchmem .
func BenchmarkPacketize(b *testing.B) {
	for _, c := range micro.Cases("../testdata") {
		b.Run(c.Name(), c.Fn)
	}
}

// TestSameWork checks that the compared packetizers do the same work: about
// as many packets and wire bytes per input (they differ only in how they
// aggregate the small parameter-set NAL units), so the throughputs compare
// like with like.
func TestSameWork(t *testing.T) {
	type work struct{ pkts, wire float64 }
	got := map[string]map[string]work{}
	for _, c := range micro.Cases("../testdata") {
		pkts, wire := c.Setup(t)()
		if got[c.Codec] == nil {
			got[c.Codec] = map[string]work{}
		}
		got[c.Codec][c.Impl+"/"+c.What] = work{float64(pkts), float64(wire)}
	}
	for codec, m := range got {
		ref := m["rtspkit/packetize"]
		require.Greater(t, ref.pkts, 300.0, codec)
		for name, w := range m {
			require.InEpsilon(t, ref.pkts, w.pkts, 0.02, "%s %s packets", codec, name)
			require.InEpsilon(t, ref.wire, w.wire, 0.01, "%s %s wire bytes", codec, name)
		}
	}
}
