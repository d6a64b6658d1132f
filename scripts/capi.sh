#!/usr/bin/env bash
# make capi: rtspkit's C library (package ./capi) for each architecture in
# CAPI_ARCHS (Go's names; default amd64 and riscv64, the K230):
#
#   $CAPI_OUT/<arch>/librtspkit.a    link with -lpthread -ldl -lm
#   $CAPI_OUT/<arch>/librtspkit.so   stripped
#   $CAPI_OUT/rtspkit.h              the header (capi/rtspkit.h)
#
# CAPI_OUT defaults to dist/capi. The host's architecture uses cc (or $CC);
# the others Debian's cross compilers (gcc-riscv64-linux-gnu,
# gcc-aarch64-linux-gnu, gcc-x86-64-linux-gnu), which make deps installs
# for riscv64. internal/boardtest runs this script too, so what it tests is
# what make capi ships.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
out=${CAPI_OUT:-dist/capi}
archs=${CAPI_ARCHS:-amd64 riscv64}
host=$($GO env GOHOSTARCH)

for a in $archs; do
  if [ "$a" = "$host" ]; then
    cc=${CC:-cc}
  else
    case $a in
      amd64) cc=x86_64-linux-gnu-gcc pkg=gcc-x86-64-linux-gnu ;;
      arm64) cc=aarch64-linux-gnu-gcc pkg=gcc-aarch64-linux-gnu ;;
      riscv64) cc=riscv64-linux-gnu-gcc pkg=gcc-riscv64-linux-gnu ;;
      arm) cc=arm-linux-gnueabihf-gcc pkg=gcc-arm-linux-gnueabihf ;;
      *) echo "capi: no C cross compiler known for $a" >&2; exit 1 ;;
    esac
    if ! command -v "$cc" >/dev/null; then
      echo "capi: $cc not found: install Debian's $pkg (make deps does for riscv64)" >&2
      exit 1
    fi
  fi
  mkdir -p "$out/$a"
  export GOOS=linux GOARCH=$a GOARM=7 CGO_ENABLED=1 CC=$cc
  $GO build -trimpath -buildmode=c-archive -o "$out/$a/librtspkit.a" ./capi
  $GO build -trimpath -buildmode=c-shared -ldflags "-s -w" -o "$out/$a/librtspkit.so" ./capi
  # cgo writes its own header next to each library; rtspkit.h is the one
  # to include (the same functions, with const where C wants it).
  rm -f "$out/$a/librtspkit.h"
  ls -l "$out/$a"/librtspkit.* | awk '{printf "%-32s %5.1f MB\n", $NF, $5/1048576}'
done
cp capi/rtspkit.h "$out/rtspkit.h"
