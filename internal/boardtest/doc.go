// Package boardtest holds the end-to-end tests of what runs on the board
// (the K230, linux/riscv64), run on the development machine: the riscv64
// rtspd, cross-built and run under qemu-user (qemu-riscv64-static), played
// over TCP and UDP by the host's ffprobe, which must decode what it serves
// (rtspd_test.go); and the C library (package capi, built by the script
// make capi runs) used from C (capi_test.go, testdata/capi_check.c): the
// board's example flow for the host and for riscv64 under qemu, played by
// ffprobe; misuse; many threads, with and without the race detector; RSS over 2000 lifecycles; the
// backchannel callback; the pusher. The package has no code of its own,
// only tests, and they run on Linux only.
//
// make test runs it in its own phase, with RTSPKIT_REQUIRE_PLAYERS=1: a
// missing tool (qemu-user-static, ffprobe, ...) is then a failure instead
// of a skip, so that a run that could not test the board never passes for
// one that did.
package boardtest
