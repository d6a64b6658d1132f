package rtcp

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func TestNTPTimeVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		ntp  uint64
	}{
		{"unix epoch", time.Unix(0, 0), 2208988800 << 32},
		{"half a second", time.Unix(0, 500_000_000), 2208988800<<32 | 0x80000000},
		{"quarter second", time.Unix(1, 250_000_000), 2208988801<<32 | 0x40000000},
		{"one ns rounds to 4 units", time.Unix(0, 1), 2208988800<<32 | 4},
		{"era 1 starts", time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), 0},
		{"half a second before era 1", time.Date(2036, 2, 7, 6, 28, 15, 500_000_000, time.UTC), 0xffffffff80000000},
		{"era 0 lower bound of the window", time.Date(1968, 1, 20, 3, 14, 8, 0, time.UTC), 0x80000000 << 32},
		{"2100", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), uint64(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()+2208988800-1<<32) << 32},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.ntp, NTPTime(tc.t))
			require.True(t, tc.t.Equal(TimeFromNTP(tc.ntp)), "%v != %v", tc.t, TimeFromNTP(tc.ntp))
		})
	}
}

func TestNTPAcrossEraRollover(t *testing.T) {
	rollover := time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "2036-02-07T06:28:15Z"},
		{-time.Nanosecond, "2036-02-07T06:28:15.999999999Z"},
		{0, "2036-02-07T06:28:16Z"},
		{time.Nanosecond, "2036-02-07T06:28:16.000000001Z"},
		{36 * time.Hour, "2036-02-08T18:28:16Z"},
	} {
		got := TimeFromNTP(NTPTime(rollover.Add(tc.d)))
		require.Equal(t, tc.want, got.Format(time.RFC3339Nano))
	}
	// The middle 32 bits wrap too, and differences across the rollover
	// stay right: what DLSR and RTT computations rely on.
	before, after := NTPTime(rollover.Add(-time.Second)), NTPTime(rollover.Add(time.Second))
	require.Equal(t, uint32(2<<16), MiddleNTP(after)-MiddleNTP(before))
	require.Equal(t, 2*time.Second, DurationFromShort(MiddleNTP(after)-MiddleNTP(before)))
	// Beyond the window: 2104-02-26 wraps back to 1968.
	require.Equal(t, 1968, TimeFromNTP(NTPTime(time.Date(2104, 3, 1, 0, 0, 0, 0, time.UTC))).Year())
}

func TestNTPRoundTripExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	lo := time.Date(1968, 1, 21, 0, 0, 0, 0, time.UTC).UnixNano()
	hi := time.Date(2104, 2, 25, 0, 0, 0, 0, time.UTC).Unix()
	for range 100000 {
		sec := lo/1e9 + rng.Int64N(hi-lo/1e9)
		ns := rng.Int64N(1e9)
		if rng.IntN(10) == 0 {
			ns = []int64{0, 1, 999_999_999, 500_000_000}[rng.IntN(4)]
		}
		tm := time.Unix(sec, ns)
		back := TimeFromNTP(NTPTime(tm))
		require.True(t, tm.Equal(back), "%v -> %#x -> %v", tm, NTPTime(tm), back)
	}
	// Every fraction maps to a time within half a nanosecond, rounding up
	// to the next second at the very top.
	require.Equal(t, time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC), TimeFromNTP(0xffffffffffffffff))
}

func TestMiddleAndShort(t *testing.T) {
	require.Equal(t, uint32(0xd1fcdddd), MiddleNTP(0xda8bd1fcdddddddd))
	for _, tc := range []struct {
		d time.Duration
		v uint32
	}{
		{0, 0},
		{-time.Second, 0},
		{time.Second, 65536},
		{1500 * time.Millisecond, 98304},
		{15258 * time.Nanosecond, 1}, // 1/65536 s is 15258.789 ns
		{7629 * time.Nanosecond, 0},
		{7630 * time.Nanosecond, 1},
		{65535 * time.Second, 65535 << 16},
		{65536 * time.Second, 0xffffffff},
		{100000 * time.Hour, 0xffffffff},
		{65535*time.Second + 999_999_999, 0xffffffff},
	} {
		require.Equal(t, tc.v, ShortDuration(tc.d), "%v", tc.d)
	}
	require.Equal(t, 1500*time.Millisecond, DurationFromShort(98304))
	require.Equal(t, 15259*time.Nanosecond, DurationFromShort(1))
	require.Equal(t, 65536*time.Second-15259*time.Nanosecond, DurationFromShort(0xffffffff))
}

func TestRoundTripTime(t *testing.T) {
	// RFC 3550 §6.4.1, Figure 2: an SR with LSR 0xb705:2000 (46853.125 s),
	// a report sent after DLSR 0x0005:4000 (5.250 s), arriving at
	// 0xb710:8000 (46864.500 s): delay 0x0006:2000, 6.125 s.
	lsr := uint32(0xb7052000)
	arrival := TimeFromNTP(0xb44db710_80000000)
	require.Equal(t, uint32(0xb7108000), MiddleNTP(NTPTime(arrival)))
	rtt, ok := RoundTripTime(arrival, lsr, 0x00054000)
	require.True(t, ok)
	require.Equal(t, 6*time.Second+125*time.Millisecond, rtt)
	require.Equal(t, uint32(0xb7052000), MiddleNTP(0xb44db705_20000000))
	require.Equal(t, "1995-11-10T11:33:25.125Z", TimeFromNTP(0xb44db705_20000000).Format(time.RFC3339Nano))

	_, ok = RoundTripTime(arrival, 0, 0)
	require.False(t, ok, "no SR")
	_, ok = RoundTripTime(arrival, lsr, 0x00200000)
	require.False(t, ok, "negative")
}
