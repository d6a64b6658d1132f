package server

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Stop and DestroySession leave no timer callback of a session pending or
// running: the audio pacer's (a call's worth of audio sent at its pace)
// and the readers' further sender reports both count in mount.timers,
// which both wait for.
func TestStopAndDestroyLeaveNoTimer(t *testing.T) {
	t.Parallel()
	s := startedServer(t, Config{}, VideoH264, AudioPCMU)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	pump(t, s, "test", h264Sample, stop, &wg)
	defer func() { close(stop); wg.Wait() }()
	c := playTCP(t, s)
	w := watchLoss(c)
	w.more(t, 10) // playing: its further sender reports are armed
	m := s.mount("test")
	require.NotNil(t, m)
	// 400 ms of µ-law in one call: 20 packets, 19 of them paced.
	require.NoError(t, s.SendAudioData("test", make([]byte, 3200), 0))
	require.Positive(t, m.timers.count(), "paced audio waits for a timer")
	require.NoError(t, s.Stop())
	require.Zero(t, m.timers.count(), "a timer outlived Stop")

	require.NoError(t, s.Start())
	require.NoError(t, s.SendAudioData("test", make([]byte, 3200), 0))
	require.Positive(t, m.timers.count())
	require.NoError(t, s.DestroySession("test"))
	require.Zero(t, m.timers.count(), "a timer outlived DestroySession")
}
