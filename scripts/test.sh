#!/usr/bin/env bash
# make test (and so CI): every check, in an order that keeps the real-time
# conformance suite off a machine busy with other tests, and a summary of
# how long each phase took.
#
#   1. install-deps.sh: the players and tools from Debian's packages, when
#      missing
#   2. gofmt, go vet, staticcheck (pinned, by go run from the module proxy)
#   3. fuzz-ci.sh: every fuzz target for a slice of a fixed budget
#   4. go test -race of every package but conformance and boardtest
#   5. emulated-unit.sh: the unit tests of the packages that run on the
#      boards, built for riscv64 (the K230) and arm64, under qemu-user
#   6. go test ./internal/boardtest: the riscv64 rtspd under qemu played by
#      ffprobe, and the C library (make capi) from C: its example for the
#      host and for riscv64 under qemu, misuse, threads, 2000 lifecycles,
#      the backchannel callback and the pusher
#   7. go test -race ./conformance, alone: real players decode 720p in
#      real time, and the suite asserts on what they received
#   8. go test -race ./interop in the bench module: our publisher against
#      gortsplib's server, in-process (the main module never imports it)
#
# A failing phase stops the run; the summary still says which.
set -euo pipefail
cd "$(dirname "$0")/.."
export RTSPKIT_REQUIRE_PLAYERS=1
GO=${GO:-go}

summary=()
current=""
started=$SECONDS
finish() {
  local rc=$?
  local ok=${#summary[@]} failed=0
  if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
    summary+=("$(printf '%-12s FAILED after %ds' "$current" $((SECONDS - phase_start)))")
    failed=1
  fi
  echo
  echo "make test: how the time divided"
  printf '  %s\n' "${summary[@]}"
  printf '  %-12s %ds\n' "total" $((SECONDS - started))
  echo "phases: $ok passed, $failed failed"
  exit "$rc"
}
trap finish EXIT

phase() {
  current=$1
  shift
  phase_start=$SECONDS
  echo "== $current: $*"
  "$@"
  summary+=("$(printf '%-12s %ds' "$current" $((SECONDS - phase_start)))")
  current=""
}

phase deps ./scripts/install-deps.sh
phase gofmt make -s check-fmt
phase vet $GO vet ./...
# staticcheck, pinned, built from the Go module proxy by go run (a tool,
# not a dependency: go.mod does not change); about two minutes the first
# time on two cores, cached afterwards.
STATICCHECK_VERSION=v0.8.2
phase staticcheck env GOFLAGS= $GO run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...
phase fuzz ./scripts/fuzz-ci.sh
# -parallel 8: the server package's tests mostly wait on real timers
# (session timeouts, pacing, churn), so more of them at once on two cores
# take 85 s instead of 155 s, and keep make test within 15 minutes.
phase unit $GO test -race -count=1 -parallel 8 $($GO list ./... | grep -v -e '/conformance$' -e '/internal/boardtest$')
phase emulated ./scripts/emulated-unit.sh
# Without -race: the C programs and qemu do the work here, and the Go
# side is the test harness. The C library itself is race-tested there:
# TestCThreadsRace drives a -race build of it from C threads.
phase board $GO test -count=1 -timeout 15m ./internal/boardtest
phase conformance $GO test -race -count=1 -timeout 20m ./conformance
# Peers the main module may not import (gortsplib's server) live in the
# bench module; its interop tests run against them in-process.
phase interop bash -c "cd bench && $GO test -race -count=1 -timeout 10m ./interop"
