/*
 * board_example.c: the K230 board's RTSP example, in C, on rtspkit's C
 * library. It follows the board's flow call by call:
 *
 *   1. create, Init(8554), CreateSession("test", H.264, no audio)
 *   2. Start, and print the URL a player opens
 *   3. send an Annex-B H.264 file pack by pack, with the constant
 *      timestamp 1000 the board's example uses, at 25 pictures a second,
 *      looping the file for the given number of seconds
 *   4. Stop, DeInit, destroy (also when Ctrl-C or SIGTERM ends the
 *      sending early)
 *
 * On the board a pack comes from the hardware encoder; here each NAL unit
 * of the file (SPS, PPS, SEI, one slice) is one pack, cut at its start
 * code. The library accepts any split, so one pack per picture works too.
 *
 * Build (see the README's "On the board"):
 *   cc -O2 -I dist/capi board_example.c dist/capi/amd64/librtspkit.a \
 *      -lpthread -ldl -lm -o board_example
 * Run:
 *   ./board_example video.h264 [seconds, default 60] [port, default 8554]
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtspkit.h"

#define FPS 25

/* Set by SIGINT and SIGTERM: the loop ends and the server is stopped
 * cleanly, so players get their RTCP BYE. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

/* Reads the whole file into memory; NULL on failure. */
static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "board_example: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *b = realloc(buf, cap);
            if (b == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    *size = n;
    return buf;
}

/* The offset of the next start code (00 00 01, or 00 00 00 01 from its
 * first zero) at or after from, or size when there is none. */
static size_t next_start(const uint8_t *b, size_t size, size_t from) {
    for (size_t i = from; i + 3 <= size; i++) {
        if (b[i] == 0 && b[i + 1] == 0) {
            if (b[i + 2] == 1) return i;
            if (i + 4 <= size && b[i + 2] == 0 && b[i + 3] == 1) return i;
        }
    }
    return size;
}

/* The NAL unit type of the pack at b (after its start code). */
static int nal_type(const uint8_t *b, size_t n) {
    size_t i = (n > 3 && b[2] == 0) ? 4 : 3;
    return i < n ? (b[i] & 0x1f) : -1;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s video.h264 [seconds] [port]\n", argv[0]);
        return 2;
    }
    int seconds = argc > 2 ? atoi(argv[2]) : 60;
    int port = argc > 3 ? atoi(argv[3]) : 8554;
    size_t size;
    uint8_t *video = read_file(argv[1], &size);
    if (video == NULL) return 1;
    size_t first = next_start(video, size, 0);
    if (first == size) {
        fprintf(stderr, "board_example: %s: no Annex-B start code\n", argv[1]);
        return 1;
    }

    /* 1. create, init, createsession */
    KdRtspServer *server = RtspServer_create();
    if (server == NULL) return 1;
    int rc = RtspServer_Init(server, port);
    if (rc != 0) {
        fprintf(stderr, "board_example: Init(%d): %s\n", port, RtspKit_StrError(rc));
        RtspServer_destroy(server);
        return 1;
    }
    SessionAttr attr = {0};
    attr.with_video = true;
    attr.with_audio = false;
    attr.video_type = kVideoTypeH264;
    rc = RtspServer_CreateSession(server, "test", &attr);
    if (rc != 0) {
        fprintf(stderr, "board_example: CreateSession: %s\n", RtspKit_StrError(rc));
        RtspServer_DeInit(server);
        RtspServer_destroy(server);
        return 1;
    }

    /* 2. start (the board's Start returns nothing; a port lost since Init
     * is written to stderr) */
    RtspServer_Start(server);
    printf("rtsp url: %s\n", RtspServer_GetRtspUrl(server, "test"));
    fflush(stdout);

    /* 3. send pack by pack, timestamp 1000 */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    long pictures = (long)seconds * FPS, sent = 0, failed = 0;
    size_t at = first;
    while (sent < pictures && !interrupted) {
        size_t end = next_start(video, size, at + 3);
        int type = nal_type(video + at, end - at);
        if (RtspServer_SendVideoData(server, "test", video + at, end - at, 1000) != 0) failed++;
        if (type >= 1 && type <= 5) { /* a slice: one picture per slice here */
            sent++;
            sleep_ms(1000 / FPS);
        }
        at = end == size ? first : end; /* loop the file */
    }
    printf("sent %ld pictures, %ld packs refused\n", sent, failed);

    /* 4. stop, deinit, destroy */
    RtspServer_Stop(server);
    RtspServer_DeInit(server);
    RtspServer_destroy(server);
    free(video);
    return failed == 0 ? 0 : 1;
}
