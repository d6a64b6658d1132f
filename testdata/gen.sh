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
# H.264 High, 720p25, 2 s, 4 slices per picture (multi-slice access units), with
# x264's default B-frames (28 of 50 pictures; decoding order is not output order).
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx264 -profile:v high -preset veryfast -b:v 600k -g 25 \
  -x264-params slices=4 -pix_fmt yuv420p -f h264 h264_high_slices_720p_bframes.h264
# H.264 High, 720p25, 1 s at about 4 Mbit/s: the benchmark input (3 B-frames).
ffmpeg $q -f lavfi -i "$noisy" -t 1 -c:v libx264 -profile:v high -preset veryfast -b:v 4M -maxrate 4M \
  -bufsize 2M -g 25 -pix_fmt yuv420p -f h264 h264_high_720p_4mbps_bframes.h264
# H.265 Main, 720p25, 2 s, GOP 25, with x265's default B-frames (39 of 50 pictures).
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx265 -preset veryfast -b:v 600k \
  -x265-params keyint=25:log-level=error -pix_fmt yuv420p -f hevc h265_main_720p_bframes.h265
# H.265 Main, 720p25, 1 s at about 4 Mbit/s: the benchmark input (19 B-frames).
ffmpeg $q -f lavfi -i "$noisy" -t 1 -c:v libx265 -preset veryfast -b:v 4M \
  -x265-params keyint=25:vbv-maxrate=4000:vbv-bufsize=2000:log-level=error -pix_fmt yuv420p -f hevc h265_main_720p_4mbps_bframes.h265
# H.264 Main, 720p25, one 2 s group of pictures (GOP 50, no B-frames), at
# about 4 and 10 Mbit/s of noisy content: keyframes of about 140 and 230
# datagrams, the joins of issue 11 (UDP players with a 212,992-byte buffer).
for rate in 4 10; do
  ffmpeg $q -f lavfi -i "$noisy" -t 2 -c:v libx264 -profile:v main -preset veryfast -bf 0 -g 50 \
    -keyint_min 50 -sc_threshold 0 -b:v ${rate}M -maxrate ${rate}M -bufsize ${rate}M -threads 1 \
    -pix_fmt yuv420p -f h264 h264_main_720p25_${rate}mbps_gop2s.h264
done
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

# --- Conformance suite (conformance/) samples. Video without B-frames, as
# camera encoders make it (the server sends decode order = presentation
# order), fixed GOP of 25 (a keyframe every second). Audio is a chirp rather
# than a steady tone, so that every 20 ms packet and every AAC frame decodes
# to different samples: the suite identifies each decoded unit by its hash
# to measure losses and audio/video sync.
# H.264 High, 720p25, 2 s, no B-frames.
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx264 -profile:v high -preset veryfast -b:v 600k -g 25 -keyint_min 25 \
  -sc_threshold 0 -bf 0 -pix_fmt yuv420p -f h264 conf_h264_high_720p.h264
# H.264 High, 720p25, 2 s, 4 slices per picture, no B-frames.
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx264 -profile:v high -preset veryfast -b:v 600k -g 25 -keyint_min 25 \
  -sc_threshold 0 -bf 0 -x264-params slices=4 -pix_fmt yuv420p -f h264 conf_h264_high_slices_720p.h264
# H.265 Main, 720p25, 2 s, no B-frames, an IDR every 25 frames.
ffmpeg $q -f lavfi -i "$src" -t 2 -c:v libx265 -preset veryfast -b:v 600k \
  -x265-params keyint=25:min-keyint=25:scenecut=0:bframes=0:open-gop=0:log-level=error -pix_fmt yuv420p -f hevc conf_h265_main_720p.h265
# AAC-LC chirps in ADTS, 2 s: mono 48 kHz, stereo 44.1 kHz (a different chirp per channel).
# Without perceptual noise substitution (-aac_pns 0): a decoder fills PNS
# bands from a random generator whose state depends on every frame decoded
# before, so the same frame would decode differently depending on where a
# player joined.
ffmpeg $q -f lavfi -i "aevalsrc=0.4*sin(2*PI*(200*t+300*t*t)):s=48000:d=2" -ac 1 -c:a aac -aac_pns 0 -b:a 64k -f adts conf_aac_lc_mono_48k.aac
ffmpeg $q -f lavfi -i "aevalsrc=0.4*sin(2*PI*(200*t+300*t*t))|0.4*sin(2*PI*(900*t-150*t*t)):s=44100:d=2" -ac 2 -c:a aac -aac_pns 0 -b:a 96k -f adts conf_aac_lc_stereo_44k.aac
# G.711 µ-law and A-law chirps, 8 kHz mono, 2 s (100 packets of 20 ms), raw.
ffmpeg $q -f lavfi -i "aevalsrc=0.5*sin(2*PI*(200*t+400*t*t)):s=8000:d=2" -ac 1 -c:a pcm_mulaw -f mulaw conf_g711_ulaw_8k.ulaw
ffmpeg $q -f lavfi -i "aevalsrc=0.5*sin(2*PI*(200*t+400*t*t)):s=8000:d=2" -ac 1 -c:a pcm_alaw -f alaw conf_g711_alaw_8k.alaw
