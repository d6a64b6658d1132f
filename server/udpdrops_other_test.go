//go:build !linux

package server

// kernelUDPDrops is unknown off Linux: a gap is then the server's.
func kernelUDPDrops() (uint64, bool) { return 0, false }
