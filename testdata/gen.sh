#!/usr/bin/env bash
# Regenerates the sample streams in this folder with ffmpeg (Debian's build,
# with libx264 and libx265). The files are committed; this script documents
# exactly how they were made. Run from this folder.
set -euo pipefail
q="-hide_banner -loglevel error -y"
src="testsrc2=size=1280x720:rate=25"
noisy="testsrc2=size=1280x720:rate=25,noise=alls=12:allf=t"

# H.264 Main, 720p25, 2 s, GOP 25, no B-frames, 4-byte start codes from mp4toannexb.
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx264 -profile:v main -preset veryfast -b:v 600k -g 25 -bf 0 \
  -pix_fmt yuv420p -bsf:v h264_mp4toannexb -f h264 h264_main_720p.h264
# H.264 High, 720p25, 2 s, 4 slices per picture (multi-slice access units).
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx264 -profile:v high -preset veryfast -b:v 600k -g 25 \
  -x264-params slices=4 -pix_fmt yuv420p -f h264 h264_high_slices_720p.h264
# H.264 High, 720p25, 1 s at about 4 Mbit/s: the benchmark input.
ffmpeg $q -f lavfi -i "$noisy" -t 1 -c:v libx264 -profile:v high -preset veryfast -b:v 4M -maxrate 4M \
  -bufsize 2M -g 25 -pix_fmt yuv420p -f h264 h264_high_720p_4mbps.h264
# H.265 Main, 720p25, 2 s, GOP 25.
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx265 -preset veryfast -b:v 600k \
  -x265-params keyint=25:log-level=error -pix_fmt yuv420p -f hevc h265_main_720p.h265
# H.265 Main, 720p25, 1 s at about 4 Mbit/s: the benchmark input.
ffmpeg $q -f lavfi -i "$noisy" -t 1 -c:v libx265 -preset veryfast -b:v 4M \
  -x265-params keyint=25:vbv-maxrate=4000:vbv-bufsize=2000:log-level=error -pix_fmt yuv420p -f hevc h265_main_720p_4mbps.h265
# AAC-LC in ADTS: mono 48 kHz and stereo 44.1 kHz, 2 s.
ffmpeg $q -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -ac 1 -c:a aac -b:a 64k -f adts aac_lc_mono_48k.aac
ffmpeg $q -f lavfi -i sine=frequency=440:sample_rate=44100 -t 2 -ac 2 -c:a aac -b:a 96k -f adts aac_lc_stereo_44k.aac
# MJPEG: concatenated baseline JFIF frames, 4:2:0 (RFC 2435 type 1) and 4:2:2 (type 0), 320x240, 10 frames.
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=10 -t 1 -c:v mjpeg -huffman default -pix_fmt yuvj420p -q:v 5 -f mjpeg mjpeg_420_320x240.mjpeg
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=10 -t 1 -c:v mjpeg -huffman default -pix_fmt yuvj422p -q:v 5 -f mjpeg mjpeg_422_320x240.mjpeg
# G.711 µ-law and A-law, 8 kHz mono, 2 s, raw.
ffmpeg $q -f lavfi -i sine=frequency=440:sample_rate=8000 -t 2 -ac 1 -c:a pcm_mulaw -f mulaw g711_ulaw_8k.ulaw
ffmpeg $q -f lavfi -i sine=frequency=440:sample_rate=8000 -t 2 -ac 1 -c:a pcm_alaw -f alaw g711_alaw_8k.alaw
# MJPEG with ffmpeg's default optimised Huffman tables, which RFC 2435 cannot
# carry: 2 frames, for the packetizer's rejection test.
ffmpeg $q -f lavfi -i testsrc2=size=320x240:rate=10 -frames:v 2 -c:v mjpeg -huffman optimal -pix_fmt yuvj420p -q:v 5 -f mjpeg mjpeg_optimal_huffman.mjpeg
