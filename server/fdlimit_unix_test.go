//go:build unix

package server

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireFDLimit skips the test when the process may not open n more
// descriptors.
func requireFDLimit(t *testing.T, n int) {
	t.Helper()
	var rl syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl))
	if have := int(rl.Cur) - countFDs(t); have < n {
		t.Skipf("needs %d free file descriptors, ulimit -n leaves %d", n, have)
	}
}
