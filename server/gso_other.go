//go:build !linux

package server

const gsoAvailable = false

const maxGSOSegments = 1

func gsoControl(int) []byte { return nil }

func gsoRefused(error) bool { return false }
