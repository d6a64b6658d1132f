//go:build !unix

package server

import "testing"

// requireFDLimit: descriptor limits are a Unix notion; the tests that need
// many descriptors count them in /proc and skip without it anyway.
func requireFDLimit(t *testing.T, n int) {
	t.Helper()
	t.Skip("descriptor limits are checked on Unix only")
}
