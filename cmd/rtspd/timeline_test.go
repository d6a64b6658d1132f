package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTimeline(t *testing.T) {
	type pic struct {
		poc   int64
		idr   bool
		depth int
	}
	type out struct{ pic, pres int64 }
	for _, tc := range []struct {
		name      string
		pics      []pic
		flushed   []out // when each picture went out, the end flushing the rest
		reordered bool
	}{
		{"no B-frames, depth 0: out at once",
			[]pic{{0, true, 0}, {2, false, 0}, {4, false, 0}},
			[]out{{0, 0}, {1, 1}, {2, 2}}, false},
		{"I P B B, depth 2 (x264 default)",
			[]pic{{0, true, 2}, {6, false, 2}, {2, false, 2}, {4, false, 2}, {12, false, 2}, {8, false, 2}, {10, false, 2}},
			[]out{{0, 0}, {2, 1}, {3, 2}, {1, 3}, {5, 4}, {6, 5}, {4, 6}}, true},
		{"a B pyramid needs the whole depth",
			[]pic{{0, true, 3}, {8, false, 3}, {4, false, 3}, {2, false, 3}, {6, false, 3}, {16, false, 3}},
			[]out{{0, 0}, {3, 1}, {2, 2}, {4, 3}, {1, 4}, {5, 5}}, true},
		{"an IDR outputs what waits",
			[]pic{{0, true, 4}, {4, false, 4}, {2, false, 4}, {0, true, 4}, {2, false, 4}},
			[]out{{0, 0}, {2, 1}, {1, 2}, {3, 3}, {4, 4}}, true},
		{"equal counts keep decoding order",
			[]pic{{0, true, 8}, {0, false, 8}, {0, false, 8}},
			[]out{{0, 0}, {1, 1}, {2, 2}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tl timeline
			var got []out
			record := func(pic, pres int64) { got = append(got, out{pic, pres}) }
			for i, p := range tc.pics {
				tl.add(int64(i), p.poc, p.idr, p.depth, record)
			}
			tl.flush(record)
			require.Equal(t, tc.flushed, got)
			require.Equal(t, tc.reordered, tl.reordered)
		})
	}
}
