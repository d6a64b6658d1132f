package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuthBackoff(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	b := &Backoff{now: clock.now}
	want := []time.Duration{0, 0, 0, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}
	for i, w := range want {
		require.Equal(t, w, b.Fail("10.0.0.1"), "failure %d", i+1)
	}
	require.Equal(t, 4*time.Second, b.Delay("10.0.0.1"))
	require.Zero(t, b.Delay("10.0.0.2"), "other addresses are not affected")
	for range 20 {
		b.Fail("10.0.0.1")
	}
	require.Equal(t, 30*time.Second, b.Delay("10.0.0.1"), "capped at Max")

	b.Succeed("10.0.0.1")
	require.Zero(t, b.Delay("10.0.0.1"))

	// Failures are forgotten after Forget.
	for range 5 {
		b.Fail("10.0.0.3")
	}
	require.Equal(t, time.Second, b.Delay("10.0.0.3"))
	clock.t = clock.t.Add(16 * time.Minute)
	require.Zero(t, b.Delay("10.0.0.3"))
	require.Zero(t, b.Fail("10.0.0.3"), "count restarts")
}

func TestAuthBackoffBounded(t *testing.T) {
	clock := &authTestClock{t: time.Unix(1_700_000_000, 0)}
	b := &Backoff{MaxEntries: 8, Free: -1, Base: time.Second, Max: time.Hour, now: clock.now}
	b.Fail("victim")
	b.Fail("victim")
	for i := range 100 {
		clock.t = clock.t.Add(time.Millisecond)
		require.Equal(t, time.Second, b.Fail(fmt.Sprint("attacker", i)))
		require.LessOrEqual(t, len(b.m), 8)
	}
	// The oldest entry was evicted first.
	require.Zero(t, b.Delay("victim"))
	require.Equal(t, time.Second, b.Delay("attacker99"))
}
