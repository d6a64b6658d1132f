#!/usr/bin/env bash
# Regenerates the small JPEG samples of the mjpeg package's tests with
# ffmpeg. The files are committed; this script documents how they were made.
# Run from this folder.
set -euo pipefail
q="-hide_banner -loglevel error -y"
# 4:2:0 with restart markers: ffmpeg's MJPEG encoder writes a DRI segment and
# RST markers between slices, so this is RFC 2435 type 65. 2 frames.
ffmpeg $q -f lavfi -i testsrc2=size=160x120:rate=10 -frames:v 2 -c:v mjpeg -huffman default \
  -pix_fmt yuvj420p -q:v 5 -threads 4 -slices 4 -f mjpeg restart_420_160x120.mjpeg
# 4:2:2 with restart markers, in FFmpeg's layout (Y 2x2, Cb and Cr 1x2),
# which only Conform makes sendable: 1 frame.
ffmpeg $q -f lavfi -i testsrc2=size=160x120:rate=10 -frames:v 1 -c:v mjpeg -huffman default \
  -pix_fmt yuvj422p -q:v 5 -threads 4 -slices 4 -f mjpeg restart_422_160x120.jpg
# A tiny 4:2:0 frame: the fuzz targets' seed.
ffmpeg $q -f lavfi -i testsrc2=size=32x16:rate=10 -frames:v 1 -c:v mjpeg -huffman default \
  -pix_fmt yuvj420p -q:v 5 -f mjpeg tiny_420_32x16.jpg
