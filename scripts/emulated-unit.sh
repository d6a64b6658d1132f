#!/usr/bin/env bash
# The unit tests of the packages that run on the boards (rtp rtcp rtsp sdp
# h26x aac g711 mjpeg server), built for linux/riscv64 (the K230) and
# linux/arm64 and run under qemu-user (qemu-riscv64-static,
# qemu-aarch64-static, from Debian's qemu-user-static): the compiler's code
# for those architectures and their system call numbers and structures,
# which the native run does not exercise. Part of make test.
#
#   GO                 the go command (default go)
#   EMULATED_ARCHS     the GOARCHs to test (default "riscv64 arm64")
#   EMULATED_PARALLEL  go test -parallel (default 8, see below)
#
# Where the time goes (two cores). Every small package takes 0-6 s under
# qemu. The server package takes about 85 s, bound by the wall clock, not
# the CPU: its tests wait on real timers (session timeouts, pacing, 20 s
# of churn in one serial test), so it takes about 145 s under qemu and 150
# s natively with go test's default -parallel (GOMAXPROCS, 2 here), with
# the CPU mostly idle. With -parallel 8 the waiting tests overlap. So the
# arches run side by side, one go test each (it runs a package while it
# builds the next), and the whole takes about as long as the server
# package: about 90 s with a warm build cache, also with two busy loops
# beside it; about 185 s from a cold cache, which first compiles the
# standard library for both arches. -trimpath, as make cross and
# internal/boardtest build rtspd, lets them reuse those packages from the
# cache (the riscv64 rtspd then builds in 3 s instead of 50 s).
#
# Skipped under emulation, by name (printed below, never silently; all
# run natively in make test's unit phase):
#   TestMulticastSharedByPlayers needs a socket option qemu-user 7.2 does
#     not implement at all: its setsockopt answers ENOPROTOOPT ("protocol
#     not available") to IP_MULTICAST_IF in both forms (struct ip_mreqn
#     and struct in_addr) whatever the guest, while a real riscv64 or
#     arm64 kernel has it (generic Linux socket code). Seen with
#     QEMU_STRACE=1: setsockopt(6,0,32,...,12,0) = -1 errno=92, and the
#     same with 4. The test sets Config.MulticastInterface "lo"; so does
#     TestPlayersRacingDestroy, skipped for the same reason.
#   TestUDPJoinAtPlayersPace checks the UDP pacer's rate on the kernel's
#     receive time of each datagram, to the datagram within 10 ms windows.
#     Under emulation the time between the pacer's decision and the
#     datagram's stamp stretches unevenly (every syscall is translated,
#     and two emulated test runs share two cores), so a 10 ms window can
#     hold one datagram more than the pacer sent in 10 ms: it failed once
#     in six loaded runs that way ("53 is not less than or equal to 52").
#     That measures the emulator, not the code.
# (The pacing tests' receive stamps fall back from SO_TIMESTAMPNS, which
# qemu-user lacks, to SO_TIMESTAMP: server/rxtime_linux_test.go; so
# TestAudioCallsArePaced runs here.)
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
read -r -a archs <<<"${EMULATED_ARCHS:-riscv64 arm64}"
parallel=${EMULATED_PARALLEL:-8}
# server first: the long one starts at once, the small ones run beside it.
pkgs=(./server ./rtp ./rtcp ./rtsp ./sdp ./h26x ./aac ./g711 ./mjpeg)
skipped=(TestMulticastSharedByPlayers TestPlayersRacingDestroy TestUDPJoinAtPlayersPace)
skip="^($(
  IFS='|'
  echo "${skipped[*]}"
))\$"

qemu_for() {
  case $1 in
  riscv64) echo qemu-riscv64-static ;;
  arm64) echo qemu-aarch64-static ;;
  *)
    echo "emulated-unit.sh: no qemu known for GOARCH $1" >&2
    return 1
    ;;
  esac
}

for a in "${archs[@]}"; do
  q=$(qemu_for "$a")
  if ! command -v "$q" >/dev/null; then
    echo "emulated-unit.sh: $q not found: install Debian's package qemu-user-static" \
      "(apt-get install qemu-user-static; make deps does)" >&2
    exit 1
  fi
done

echo "emulated-unit.sh: ${archs[*]} under qemu-user, go test -parallel $parallel"
echo "emulated-unit.sh: skipped under emulation (see this script's header for why): ${skipped[*]}"

# run_arch tests one arch, its lines prefixed with it, and ends with its
# time and verdict; its exit status is go test's.
run_arch() {
  local arch=$1 start=$SECONDS rc=0
  GOOS=linux GOARCH=$arch CGO_ENABLED=0 $GO test -count=1 -timeout 10m -trimpath \
    -exec "$(qemu_for "$arch")" -parallel "$parallel" -skip "$skip" "${pkgs[@]}" 2>&1 |
    sed -u "s/^/[$arch] /" || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf '[%s] passed in %ds\n' "$arch" $((SECONDS - start))
  else
    printf '[%s] FAILED after %ds\n' "$arch" $((SECONDS - start))
  fi
  return "$rc"
}

started=$SECONDS
pids=()
for a in "${archs[@]}"; do
  run_arch "$a" &
  pids+=($!)
done
failed=()
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed+=("${archs[$i]}")
done
echo "emulated-unit.sh: ${#archs[@]} arches in $((SECONDS - started))s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "emulated-unit.sh: FAILED under ${failed[*]}" >&2
  exit 1
fi
