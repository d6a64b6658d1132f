package rtp

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// ticksRef is floor(d*rate/1e9) mod 2^32 in exact big-integer arithmetic.
func ticksRef(d time.Duration, rate uint32) uint32 {
	n := new(big.Int).Mul(big.NewInt(int64(d)), new(big.Int).SetUint64(uint64(rate)))
	q := new(big.Int)
	q.Div(n, big.NewInt(int64(time.Second))) // Euclidean: floors for a positive divisor
	q.Mod(q, new(big.Int).Lsh(big.NewInt(1), 32))
	return uint32(q.Uint64())
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    time.Duration
		rate uint32
		want uint32
	}{
		{"zero", 0, 90000, 0},
		{"one second", time.Second, 90000, 90000},
		{"one frame at 25fps", 40 * time.Millisecond, 90000, 3600},
		{"truncates up to a tick", 11111 * time.Nanosecond, 90000, 0},
		{"exactly one tick", 11112 * time.Nanosecond, 90000, 1},
		{"audio 20ms", 20 * time.Millisecond, 8000, 160},
		{"13h16m wraps at 90kHz", 47722 * time.Second, 90000, uint32(uint64(47722*90000) % (1 << 32))},
		{"100 hours", 100 * time.Hour, 90000, uint32(uint64(100*3600*90000) % (1 << 32))},
		{"minus one second", -time.Second, 90000, uint32(1<<32 - 90000)},
		{"minus one ns floors to minus one tick", -time.Nanosecond, 90000, math.MaxUint32},
		{"minus one tick exactly", -11111111 * time.Nanosecond / 1000, 90000, math.MaxUint32},
		{"min duration", math.MinInt64, 90000, ticksRef(math.MinInt64, 90000)},
		{"max duration", math.MaxInt64, 90000, ticksRef(math.MaxInt64, 90000)},
		{"max duration max rate", math.MaxInt64, math.MaxUint32, ticksRef(math.MaxInt64, math.MaxUint32)},
		{"min duration max rate", math.MinInt64, math.MaxUint32, ticksRef(math.MinInt64, math.MaxUint32)},
		{"rate zero", time.Hour, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Ticks(tc.d, tc.rate))
			require.Equal(t, ticksRef(tc.d, tc.rate), Ticks(tc.d, tc.rate))
		})
	}
}

func TestTicksMatchesExactArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rates := []uint32{8000, 16000, 44100, 48000, 90000, 1, 1000000007, math.MaxUint32}
	for range 20000 {
		d := time.Duration(rng.Int64())
		if rng.IntN(2) == 0 {
			d = time.Duration(rng.Int64N(int64(1000 * time.Hour)))
		}
		if rng.IntN(2) == 0 {
			d = -d
		}
		rate := rates[rng.IntN(len(rates))]
		require.Equal(t, ticksRef(d, rate), Ticks(d, rate), "d=%d rate=%d", int64(d), rate)
		if d < math.MaxInt64-time.Second {
			// Evenly spaced across zero.
			require.Equal(t, Ticks(d, rate)+rate, Ticks(d+time.Second, rate), "d=%d rate=%d", int64(d), rate)
		}
	}
}

func TestDuration(t *testing.T) {
	require.Equal(t, time.Second, Duration(90000, 90000))
	require.Equal(t, 40*time.Millisecond, Duration(3600, 90000))
	require.Equal(t, -500*time.Millisecond, Duration(-45000, 90000))
	require.Equal(t, 333333334*time.Nanosecond, Duration(1, 3))
	require.Equal(t, 11112*time.Nanosecond, Duration(1, 90000))
	require.Equal(t, -333333333*time.Nanosecond, Duration(-1, 3))
	require.Equal(t, time.Duration(0), Duration(5, 0))
	require.Equal(t, 100*time.Hour, Duration(100*3600*90000, 90000))
	// Round trip for whole ticks.
	for _, rate := range []uint32{1, 3, 8000, 44100, 90000, 999999999} {
		for _, n := range []int64{0, 1, 2, -1, -2, 89999, 90000, -90001, 123456789, -987654321} {
			require.Equal(t, uint32(n), Ticks(Duration(n, rate), rate), "n=%d rate=%d", n, rate)
		}
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Clock{Rate: 90000, Offset: 0xfffffff0, Start: start}
	require.Equal(t, uint32(0xfffffff0), c.At(start))
	require.Equal(t, uint32(0xfffffff0), c.Since(0))
	// Wraps modulo 2^32 past the offset.
	require.Equal(t, uint32(90000-16), c.At(start.Add(time.Second)))
	require.Equal(t, uint32(90000-16), c.Since(time.Second))
	require.Equal(t, uint32(0xfffffff0-90000), c.At(start.Add(-time.Second)))
	// 30 days of 40 ms frames land on exact multiples of 3600.
	d := 30 * 24 * time.Hour
	require.Equal(t, uint32(0xfffffff0)+uint32(uint64(d/(40*time.Millisecond))*3600), c.Since(d))
	// Monotonic readings are used when both carry them.
	now := time.Now()
	mc := Clock{Rate: 8000, Start: now}
	require.Equal(t, uint32(160), mc.At(now.Add(20*time.Millisecond)))
}
