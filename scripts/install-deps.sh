#!/usr/bin/env bash
# Installs what the tests need from Debian's packages, when it is missing:
# ffmpeg/ffprobe, GStreamer (gst-launch-1.0 with the good/bad/ugly/libav
# plugins for rtspsrc and the H.264/H.265/JPEG/AAC/G.711 depayloaders), VLC
# (cvlc), tshark, GStreamer's rtspclientsink (gstreamer1.0-rtsp) for
# publishing, and GStreamer's Python bindings for the backchannel test. Safe to run again: it only installs what is absent.
# Also onvif-tools (onvif-util, libonvif's client) for the ONVIF tests,
# and for the board (riscv64) tests: qemu-user-static, a C compiler, and
# the riscv64 cross compiler with its libc (the C library's example runs
# under qemu).
# (staticcheck comes from the Go module proxy through go run, in test.sh.)
set -euo pipefail

need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v gst-launch-1.0 >/dev/null 2>&1 || need+=(gstreamer1.0-tools)
gst_ok() { gst-inspect-1.0 "$1" >/dev/null 2>&1; }
if command -v gst-inspect-1.0 >/dev/null 2>&1; then
  gst_ok rtspsrc || need+=(gstreamer1.0-plugins-good)
  gst_ok h265parse || need+=(gstreamer1.0-plugins-bad)
  gst_ok avdec_h264 || need+=(gstreamer1.0-libav)
  gst_ok x264enc || need+=(gstreamer1.0-plugins-ugly)
  gst_ok rtspclientsink || need+=(gstreamer1.0-rtsp)
else
  need+=(gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp)
fi
# The backchannel test drives rtspsrc from Python (conformance/tools).
/usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0")' >/dev/null 2>&1 ||
  need+=(python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0)
command -v cvlc >/dev/null 2>&1 || need+=(vlc-bin vlc-plugin-base)
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# The ONVIF service's client tests drive libonvif's command-line client.
command -v onvif-util >/dev/null 2>&1 || need+=(onvif-tools)
# ...and the npm package onvif, which the test installs with npm.
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# The board's architectures under emulation, and the C library (cgo).
command -v qemu-riscv64-static >/dev/null 2>&1 || need+=(qemu-user-static)
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v riscv64-linux-gnu-gcc >/dev/null 2>&1 || need+=(gcc-riscv64-linux-gnu)
[ -e /usr/riscv64-linux-gnu/lib/ld-linux-riscv64-lp64d.so.1 ] || need+=(libc6-riscv64-cross libc6-dev-riscv64-cross)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
echo "install-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
