package rtp

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func pkt(seq uint16) *Packet {
	return &Packet{
		Header:  Header{PayloadType: 96, SSRC: 7, SequenceNumber: seq, Timestamp: uint32(seq) * 3000},
		Payload: []byte{byte(seq >> 8), byte(seq)},
	}
}

type popped struct {
	seq  uint16
	lost int
}

// drain pops until nothing is released at now.
func drain(t *testing.T, r *ReorderBuffer, now time.Time) []popped {
	t.Helper()
	var out []popped
	for {
		p, lost, ok := r.Pop(now)
		if !ok {
			require.Nil(t, p)
			return out
		}
		require.Equal(t, []byte{byte(p.SequenceNumber >> 8), byte(p.SequenceNumber)}, p.Payload)
		out = append(out, popped{p.SequenceNumber, lost})
	}
}

func TestReorderBufferScenarios(t *testing.T) {
	type step struct {
		push  int // sequence number to push, or -1 for none
		at    time.Duration
		err   error
		flush bool
		want  []popped
	}
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		window   int
		maxDelay time.Duration
		steps    []step
		stats    ReorderStats
	}{
		{"in order", 8, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 2, want: []popped{{2, 0}}},
			{push: 3, want: []popped{{3, 0}}},
		}, ReorderStats{Delivered: 3}},
		{"swap", 8, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3},
			{push: 2, want: []popped{{2, 0}, {3, 0}}},
		}, ReorderStats{Delivered: 3}},
		{"duplicate buffered and late", 8, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3},
			{push: 3, err: ErrDuplicate},
			{push: 1, err: ErrLate},
			{push: 2, want: []popped{{2, 0}, {3, 0}}},
			{push: 2, err: ErrLate},
		}, ReorderStats{Delivered: 3, Duplicates: 1, Late: 2}},
		{"gap older than window", 4, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3}, {push: 4}, {push: 5},
			{push: 6, want: []popped{{3, 1}, {4, 0}, {5, 0}, {6, 0}}},
			{push: 2, err: ErrLate},
		}, ReorderStats{Delivered: 5, Lost: 1, Late: 1}},
		{"jump ahead within dropout skips the window", 4, 0, []step{
			{push: 10, want: []popped{{10, 0}}},
			{push: 12},
			{push: 100, want: []popped{{12, 1}}}, // 97-99 are within the window of 100
			{push: 101},
			{push: 103, want: []popped{{100, 87}, {101, 0}}},
			{push: 102, want: []popped{{102, 0}, {103, 0}}},
		}, ReorderStats{Delivered: 6, Lost: 88}},
		{"two gaps, window releases only the old one", 4, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3}, {push: 5},
			{push: 6, want: []popped{{3, 1}}}, // 2 is 4 behind 6; 4 is not
			{push: 4, want: []popped{{4, 0}, {5, 0}, {6, 0}}},
		}, ReorderStats{Delivered: 5, Lost: 1}},
		{"timeout", 64, 50 * ms, []step{
			{push: 1, at: 0, want: []popped{{1, 0}}},
			{push: 3, at: 10 * ms},
			{push: 4, at: 30 * ms},
			{push: -1, at: 59 * ms},
			{push: -1, at: 60 * ms, want: []popped{{3, 1}, {4, 0}}},
			{push: 2, at: 61 * ms, err: ErrLate},
		}, ReorderStats{Delivered: 3, Lost: 1, Late: 1}},
		{"timeout counts from the earliest arrival", 64, 50 * ms, []step{
			{push: 1, at: 0, want: []popped{{1, 0}}},
			{push: 5, at: 0},
			{push: 3, at: 40 * ms},
			{push: -1, at: 50 * ms, want: []popped{{3, 1}, {5, 1}}},
		}, ReorderStats{Delivered: 3, Lost: 2}},
		{"arrival times out of push order", 64, 50 * ms, []step{
			{push: 1, at: 0, want: []popped{{1, 0}}},
			{push: 5, at: 30 * ms},
			{push: 3, at: 10 * ms},
			{push: -1, at: 59 * ms},
			{push: -1, at: 60 * ms, want: []popped{{3, 1}}},
			{push: -1, at: 79 * ms},
			{push: -1, at: 80 * ms, want: []popped{{5, 1}}},
		}, ReorderStats{Delivered: 3, Lost: 2}},
		{"wrap", 8, 0, []step{
			{push: 65534, want: []popped{{65534, 0}}},
			{push: 0},
			{push: 65535, want: []popped{{65535, 0}, {0, 0}}},
			{push: 2},
			{push: 1, want: []popped{{1, 0}, {2, 0}}},
		}, ReorderStats{Delivered: 5}},
		{"jump confirmed restarts numbering", 8, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3},
			{push: 40000, err: ErrSeqJump},
			{push: 40001, want: []popped{{3, 1}, {40001, 0}}},
			{push: 40002, want: []popped{{40002, 0}}},
			{push: 4, err: ErrSeqJump},
		}, ReorderStats{Delivered: 4, Lost: 1, Jumps: 2, Resyncs: 1}},
		{"far behind needs confirmation too", 8, 0, []step{
			{push: 1000, want: []popped{{1000, 0}}},
			{push: 500, err: ErrSeqJump},
			{push: 200, err: ErrSeqJump},
			{push: 1001, want: []popped{{1001, 0}}},
			{push: 201, err: ErrSeqJump}, // a valid packet in between cancels the pending jump
			{push: 202, want: []popped{{202, 0}}},
		}, ReorderStats{Delivered: 3, Jumps: 3, Resyncs: 1}},
		{"flush", 64, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 4}, {push: 6},
			{flush: true, push: -1, want: []popped{{4, 2}, {6, 1}}},
		}, ReorderStats{Delivered: 3, Lost: 3}},
		{"window one", 1, 0, []step{
			{push: 1, want: []popped{{1, 0}}},
			{push: 3, want: []popped{{3, 1}}},
			{push: 2, err: ErrLate},
			{push: 3, err: ErrLate},
		}, ReorderStats{Delivered: 2, Lost: 1, Late: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReorderBuffer(tc.window, tc.maxDelay)
			for i, st := range tc.steps {
				now := t0.Add(st.at)
				if st.push >= 0 {
					err := r.Push(pkt(uint16(st.push)), now)
					if st.err != nil {
						require.ErrorIs(t, err, st.err, "step %d", i)
					} else {
						require.NoError(t, err, "step %d", i)
					}
				}
				if st.flush {
					r.Flush()
				}
				require.Equal(t, st.want, drain(t, r, now), "step %d", i)
			}
			require.Equal(t, tc.stats, r.Stats())
		})
	}
}

func TestReorderBufferDeadline(t *testing.T) {
	r := NewReorderBuffer(0, 20*time.Millisecond)
	require.Equal(t, DefaultReorderWindow, r.Window())
	_, ok := r.Deadline()
	require.False(t, ok)
	require.NoError(t, r.Push(pkt(1), t0))
	drain(t, r, t0)
	require.NoError(t, r.Push(pkt(3), t0.Add(5*time.Millisecond)))
	require.Empty(t, drain(t, r, t0.Add(5*time.Millisecond)))
	d, ok := r.Deadline()
	require.True(t, ok)
	require.Equal(t, t0.Add(25*time.Millisecond), d)
	require.Equal(t, 1, r.Len())
	require.Equal(t, []popped{{3, 1}}, drain(t, r, d))
	_, ok = r.Deadline()
	require.False(t, ok)

	off := NewReorderBuffer(4, 0)
	require.NoError(t, off.Push(pkt(1), t0))
	require.NoError(t, off.Push(pkt(3), t0))
	_, ok = off.Deadline()
	require.False(t, ok, "no deadline without MaxDelay")
	require.Equal(t, MaxReorderWindow, NewReorderBuffer(1<<20, 0).Window())
}

func TestReorderBufferCopiesAndOverflows(t *testing.T) {
	r := NewReorderBuffer(2, 0)
	p := pkt(10)
	p.CSRC = []uint32{1, 2}
	p.Extension, p.ExtensionProfile, p.ExtensionPayload = true, 0xbede, []byte{0x10, 1, 0, 0}
	p.PaddingSize = 2
	require.NoError(t, r.Push(p, t0))
	p.Payload[0] = 0xee // the buffer holds its own copy
	p.CSRC[0] = 99
	// Three more without Pop: the 3-slot buffer discards the oldest.
	for s := uint16(11); s <= 13; s++ {
		require.NoError(t, r.Push(pkt(s), t0))
	}
	require.Equal(t, uint64(1), r.Stats().Overflows)
	require.Equal(t, []popped{{11, 1}, {12, 0}, {13, 0}}, drain(t, r, t0))

	r.Reset()
	require.Equal(t, ReorderStats{}, r.Stats())
	require.NoError(t, r.Push(p, t0))
	got, lost, ok := r.Pop(t0)
	require.True(t, ok)
	require.Zero(t, lost)
	require.Equal(t, []uint32{99, 2}, got.CSRC)
	require.Equal(t, []byte{0xee, 10}, got.Payload)
	require.Equal(t, uint8(2), got.PaddingSize)
	require.Equal(t, []byte{0x10, 1, 0, 0}, got.ExtensionPayload)

	// The new packet is itself the oldest when the buffer is full.
	r.Reset()
	require.NoError(t, r.Push(pkt(1), t0))
	drain(t, r, t0)
	require.NoError(t, r.Push(pkt(5), t0))
	require.NoError(t, r.Push(pkt(4), t0))
	require.NoError(t, r.Push(pkt(3), t0))
	require.NoError(t, r.Push(pkt(2), t0)) // full: 2 is dropped
	require.Equal(t, []popped{{3, 1}, {4, 0}, {5, 0}}, drain(t, r, t0))

	bad := pkt(1)
	bad.CSRC = make([]uint32, 16)
	require.ErrorIs(t, r.Push(bad, t0), ErrTooManyCSRC)
}

// TestReorderBufferRandom pushes a stream with losses, duplicates and
// reordering bounded by the window and checks that every packet comes out
// once, in order, and that losses add up.
func TestReorderBufferRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const window, n = 16, 20000
	start := uint16(65000)
	var arrivals []uint16
	dropped := 0
	for i := 0; i < n; i += 8 {
		block := make([]uint16, 0, 8)
		for j := i; j < i+8; j++ {
			if rng.IntN(20) == 0 && j != 0 && j != n-1 {
				dropped++
				continue
			}
			block = append(block, start+uint16(j))
			if rng.IntN(30) == 0 {
				block = append(block, start+uint16(j))
			}
		}
		rng.Shuffle(len(block), func(a, b int) { block[a], block[b] = block[b], block[a] })
		if i == 0 {
			// The first packet pushed sets the start.
			for k, s := range block {
				if s == start {
					block[0], block[k] = block[k], block[0]
				}
			}
		}
		arrivals = append(arrivals, block...)
	}
	r := NewReorderBuffer(window, 0)
	var out []popped
	dups, late := 0, 0
	for _, s := range arrivals {
		switch err := r.Push(pkt(s), t0); {
		case err == nil:
		case err == ErrDuplicate:
			dups++
		default:
			// A copy arriving after the first was delivered.
			require.ErrorIs(t, err, ErrLate)
			late++
		}
		out = append(out, drain(t, r, t0)...)
	}
	r.Flush()
	out = append(out, drain(t, r, t0)...)
	require.Equal(t, n-dropped, len(out))
	lost := 0
	for i, p := range out {
		require.Equal(t, start+uint16(i+lost+p.lost), p.seq)
		lost += p.lost
	}
	require.Equal(t, dropped, lost)
	st := r.Stats()
	require.Equal(t, uint64(dropped), st.Lost)
	require.Equal(t, uint64(dups), st.Duplicates)
	require.Equal(t, uint64(late), st.Late)
	require.Equal(t, len(arrivals)-len(out), dups+late)
	require.Zero(t, st.Overflows)
}

func TestReorderBufferNoAllocs(t *testing.T) {
	r := NewReorderBuffer(8, 10*time.Millisecond)
	ps := []*Packet{pkt(0), pkt(2), pkt(1), pkt(3)}
	seq := uint16(0)
	run := func() {
		for i, p := range ps {
			p.SequenceNumber = seq + []uint16{0, 2, 1, 3}[i]
			_ = r.Push(p, t0)
			for {
				if _, _, ok := r.Pop(t0); !ok {
					break
				}
			}
		}
		seq += 4
	}
	run()
	require.Zero(t, testing.AllocsPerRun(200, run))
	require.Equal(t, uint64(4*202), r.Stats().Delivered) // AllocsPerRun warms up once more
}
