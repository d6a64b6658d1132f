/*
 * capi_check.c: exercises rtspkit's C library from C, as board firmware
 * would, for capi_test.go. Each mode prints what it observed; the Go test
 * asserts on it (and on the exit status).
 *
 *   misuse                every misuse gets its error code, nothing crashes
 *   threads PORT FILE     8 threads create, send, read URLs and destroy
 *                         sessions at once, while another stops and starts
 *   cycles N PORT         N create/Init/CreateSession/Start/Stop/DeInit/
 *                         destroy cycles; prints RSS after N/2 and after N
 *   backchannel PORT FILE BYTES
 *                         serves "door" (video + backchannel) until BYTES
 *                         bytes of backchannel audio came; prints their
 *                         count and FNV-1a hash
 *   push URL FILE SECONDS pushes FILE with the board's pusher calls
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtspkit.h"

static int failures;

/* SIGINT ends the push mode's loop early; the pusher is closed cleanly. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
    (void)sig;
    interrupted = 1;
}

#define CHECK(expr)                                                 \
    do {                                                            \
        if (!(expr)) {                                              \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr); \
            failures++;                                             \
        }                                                           \
    } while (0)

#define CHECK_RC(call, want)                                          \
    do {                                                              \
        int rc_ = (call);                                             \
        if (rc_ != (want)) {                                          \
            fprintf(stderr, "FAIL %s:%d: %s = %d (%s), want %d (%s)\n", \
                    __FILE__, __LINE__, #call, rc_, RtspKit_StrError(rc_), \
                    (want), RtspKit_StrError(want));                  \
            failures++;                                               \
        }                                                             \
    } while (0)

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

/* NAL units of an Annex-B buffer, each with its start code. */
struct nal {
    const uint8_t *p;
    size_t n;
    int type;
};

static size_t next_start(const uint8_t *b, size_t size, size_t from) {
    for (size_t i = from; i + 3 <= size; i++) {
        if (b[i] == 0 && b[i + 1] == 0) {
            if (b[i + 2] == 1) return i;
            if (i + 4 <= size && b[i + 2] == 0 && b[i + 3] == 1) return i;
        }
    }
    return size;
}

static struct nal *split(const uint8_t *b, size_t size, size_t *count) {
    struct nal *v = NULL;
    size_t n = 0, at = next_start(b, size, 0);
    while (at < size) {
        size_t end = next_start(b, size, at + 3);
        v = realloc(v, (n + 1) * sizeof *v);
        size_t h = b[at + 2] == 1 ? 3 : 4;
        v[n].p = b + at;
        v[n].n = end - at;
        v[n].type = at + h < size ? (b[at + h] & 0x1f) : -1;
        n++;
        at = end;
    }
    *count = n;
    return v;
}

static long rss_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2) return -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ---- misuse ---------------------------------------------------------- */

static int misuse(void) {
    SessionAttr a = {0};
    a.with_video = true;
    a.video_type = kVideoTypeH264;
    const uint8_t junk[] = {1, 2, 3, 4, 5, 6, 7, 8};

    /* NULL handles */
    CHECK_RC(RtspServer_Init(NULL, 8554), RTSPKIT_EINVAL);
    CHECK_RC(RtspServer_CreateSession(NULL, "x", &a), RTSPKIT_EINVAL);
    CHECK_RC(RtspServer_SendVideoData(NULL, "x", junk, sizeof junk, 1000), RTSPKIT_EINVAL);
    CHECK(RtspServer_GetRtspUrl(NULL, "x") == NULL);
    RtspServer_Start(NULL);
    RtspServer_Stop(NULL);
    RtspServer_DeInit(NULL);
    RtspServer_destroy(NULL);

    KdRtspServer *s = RtspServer_create();
    CHECK(s != NULL);
    /* before Init (the board's binding crashed here) */
    CHECK_RC(RtspServer_CreateSession(s, "x", &a), RTSPKIT_ENOTINIT);
    CHECK(RtspServer_GetRtspUrl(s, "x") == NULL);
    CHECK_RC(RtspKit_Start(s), RTSPKIT_ENOTINIT);
    RtspServer_Stop(s);

    /* a port another socket holds */
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = {0};
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(listen(fd, 1) == 0);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    int busy = ntohs(sa.sin6_port);
    CHECK_RC(RtspServer_Init(s, busy), RTSPKIT_EPORT);
    close(fd);
    CHECK_RC(RtspServer_Init(s, -1), RTSPKIT_OK);
    CHECK_RC(RtspServer_Init(s, -1), RTSPKIT_EALREADY);

    /* sessions */
    CHECK_RC(RtspServer_CreateSession(s, "test", NULL), RTSPKIT_EINVAL);
    CHECK_RC(RtspServer_CreateSession(s, NULL, &a), RTSPKIT_EINVAL);
    SessionAttr bad = a;
    bad.video_type = (VideoType)7;
    CHECK_RC(RtspServer_CreateSession(s, "bad", &bad), RTSPKIT_EINVAL);
    SessionAttr none = {0};
    CHECK(RtspServer_CreateSession(s, "none", &none) != 0);
    CHECK_RC(RtspServer_CreateSession(s, "test", &a), RTSPKIT_OK);
    CHECK_RC(RtspServer_CreateSession(s, "test", &a), RTSPKIT_EEXIST);
    CHECK_RC(RtspServer_DestroySession(s, "nope"), RTSPKIT_ENOSESSION);
    CHECK_RC(RtspServer_SendVideoData(s, "nope", junk, sizeof junk, 1000), RTSPKIT_ENOSESSION);
    CHECK_RC(RtspServer_SendVideoData(s, "test", NULL, 10, 1000), RTSPKIT_EINVAL);
    CHECK_RC(RtspServer_SendVideoData(s, "test", junk, sizeof junk, 1000), RTSPKIT_EMEDIA);
    CHECK_RC(RtspServer_SendAudioData(s, "test", junk, sizeof junk, 1000), RTSPKIT_EMEDIA);
    CHECK(RtspServer_GetRtspUrl(s, "nope") == NULL);

    /* the URL: the same string while it is the same */
    CHECK_RC(RtspKit_Start(s), RTSPKIT_OK);
    CHECK_RC(RtspKit_Start(s), RTSPKIT_EALREADY);
    char *u1 = RtspServer_GetRtspUrl(s, "test");
    char *u2 = RtspServer_GetRtspUrl(s, "test");
    CHECK(u1 != NULL && u1 == u2);
    CHECK(u1 != NULL && strncmp(u1, "rtsp://", 7) == 0 && strstr(u1, "/test") != NULL);

    /* an audio-only session takes G.711 bytes and refuses video */
    SessionAttr audio = {0};
    audio.with_audio = true;
    CHECK_RC(RtspServer_CreateSession(s, "mic", &audio), RTSPKIT_OK);
    uint8_t ulaw[160];
    memset(ulaw, 0xff, sizeof ulaw);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_OK);
    CHECK_RC(RtspServer_SendVideoData(s, "mic", junk, sizeof junk, 1000), RTSPKIT_EMEDIA);

    /* destroyed and created again under the same name: sends go to the new one */
    CHECK_RC(RtspServer_DestroySession(s, "mic"), RTSPKIT_OK);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_ENOSESSION);
    CHECK_RC(RtspServer_CreateSession(s, "mic", &audio), RTSPKIT_OK);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_OK);

    /* after Stop, sends say so; Stop twice is nothing */
    RtspServer_Stop(s);
    RtspServer_Stop(s);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_ENOTSTARTED);
    CHECK_RC(RtspKit_Start(s), RTSPKIT_OK);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_OK);

    /* DeInit destroys the sessions; Init again starts afresh */
    RtspServer_DeInit(s);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_ENOTINIT);
    CHECK_RC(RtspServer_Init(s, -1), RTSPKIT_OK);
    CHECK_RC(RtspServer_SendAudioData(s, "mic", ulaw, sizeof ulaw, 1000), RTSPKIT_ENOSESSION);
    RtspServer_destroy(s);
    /* the handle is gone: an error, not a crash (nothing allocated a new
     * handle in between, so the address is not reused) */
    CHECK_RC(RtspServer_CreateSession(s, "x", &a), RTSPKIT_EINVAL);
    RtspServer_destroy(s);

    /* two servers share nothing (the board's session table was global) */
    KdRtspServer *s1 = RtspServer_create(), *s2 = RtspServer_create();
    CHECK_RC(RtspServer_Init(s1, -1), RTSPKIT_OK);
    CHECK_RC(RtspServer_Init(s2, -1), RTSPKIT_OK);
    CHECK_RC(RtspServer_CreateSession(s1, "cam", &a), RTSPKIT_OK);
    CHECK_RC(RtspServer_CreateSession(s2, "cam", &a), RTSPKIT_OK);
    CHECK_RC(RtspServer_DestroySession(s1, "cam"), RTSPKIT_OK);
    CHECK(RtspServer_GetRtspUrl(s2, "cam") != NULL);
    RtspServer_destroy(s1);
    RtspServer_destroy(s2);

    /* the pusher */
    CHECK_RC(RtspPusher_Init(NULL, 1280, 720, "rtsp://127.0.0.1:1/x", 25, "tcp"), RTSPKIT_EINVAL);
    KdRtspPusher *p = RtspPusher_create();
    CHECK(p != NULL);
    CHECK_RC(RtspPusher_Open(p), RTSPKIT_ENOTINIT);
    CHECK_RC(RtspPusher_PushVideoData(p, junk, sizeof junk, true, 0), RTSPKIT_ENOTINIT);
    CHECK_RC(RtspPusher_Init(p, 1280, 720, "http://example/x", 25, "tcp"), RTSPKIT_EINVAL);
    CHECK_RC(RtspPusher_Init(p, 1280, 720, "rtsp://127.0.0.1:1/x", 25, "carrier-pigeon"), RTSPKIT_EINVAL);
    CHECK_RC(RtspPusher_Init(p, 1280, 720, "rtsp://127.0.0.1:1/x", 25, NULL), RTSPKIT_OK);
    CHECK_RC(RtspPusher_Init(p, 1280, 720, "rtsp://127.0.0.1:1/x", 25, NULL), RTSPKIT_EALREADY);
    CHECK_RC(RtspPusher_PushVideoData(p, junk, sizeof junk, true, 0), RTSPKIT_ENOTSTARTED);
    CHECK_RC(RtspPusher_Open(p), RTSPKIT_OK);
    CHECK_RC(RtspPusher_Open(p), RTSPKIT_EALREADY);
    CHECK_RC(RtspPusher_PushVideoData(p, NULL, 5, true, 0), RTSPKIT_EINVAL);
    CHECK_RC(RtspPusher_PushVideoHeader(p, junk, sizeof junk), RTSPKIT_EMEDIA);
    RtspPusher_Close(p);
    RtspPusher_DeInit(p);
    RtspPusher_destroy(p);
    CHECK_RC(RtspPusher_Open(p), RTSPKIT_EINVAL);

    CHECK(strcmp(RtspKit_StrError(RTSPKIT_EPORT), "port in use") == 0);
    CHECK(RtspKit_StrError(12345) != NULL);
    if (failures == 0) printf("misuse: ok\n");
    return failures != 0;
}

/* ---- threads --------------------------------------------------------- */

static KdRtspServer *shared;
static struct nal *nals;
static size_t nnals;
static volatile int stop_threads;

static void *worker(void *arg) {
    long id = (long)arg;
    char name[32];
    snprintf(name, sizeof name, "t%ld", id);
    SessionAttr a = {0};
    a.with_video = true;
    a.with_audio = true;
    a.video_type = kVideoTypeH264;
    uint8_t ulaw[160];
    memset(ulaw, 0x7f, sizeof ulaw);
    long rounds = 0;
    while (!stop_threads) {
        int rc = RtspServer_CreateSession(shared, name, &a);
        CHECK(rc == RTSPKIT_OK);
        for (size_t i = 0; i < nnals && i < 60; i++) {
            rc = RtspServer_SendVideoData(shared, name, nals[i].p, nals[i].n, 1000);
            /* ENOTSTARTED while the other thread has the server stopped */
            CHECK(rc == RTSPKIT_OK || rc == RTSPKIT_ENOTSTARTED);
            rc = RtspServer_SendVideoData(shared, "common", nals[i].p, nals[i].n, 1000);
            CHECK(rc == RTSPKIT_OK || rc == RTSPKIT_ENOTSTARTED);
        }
        rc = RtspServer_SendAudioData(shared, name, ulaw, sizeof ulaw, 1000);
        CHECK(rc == RTSPKIT_OK || rc == RTSPKIT_ENOTSTARTED);
        char *u = RtspServer_GetRtspUrl(shared, name);
        CHECK(u != NULL && strstr(u, name) != NULL);
        CHECK(RtspServer_GetRtspUrl(shared, "common") != NULL);
        CHECK_RC(RtspServer_DestroySession(shared, name), RTSPKIT_OK);
        rounds++;
    }
    return (void *)rounds;
}

static void *stopper(void *arg) {
    (void)arg;
    long rounds = 0;
    while (!stop_threads) {
        RtspServer_Stop(shared);
        sleep_ms(5);
        int rc = RtspKit_Start(shared);
        CHECK(rc == RTSPKIT_OK);
        sleep_ms(20);
        rounds++;
    }
    return (void *)rounds;
}

static int threads(int port, const char *file) {
    size_t size;
    uint8_t *video = read_file(file, &size);
    nals = split(video, size, &nnals);
    shared = RtspServer_create();
    CHECK_RC(RtspServer_Init(shared, port), RTSPKIT_OK);
    SessionAttr a = {0};
    a.with_video = true;
    a.video_type = kVideoTypeH264;
    CHECK_RC(RtspServer_CreateSession(shared, "common", &a), RTSPKIT_OK);
    CHECK_RC(RtspKit_Start(shared), RTSPKIT_OK);
    enum { N = 8 };
    pthread_t t[N + 1];
    for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    pthread_create(&t[N], NULL, stopper, NULL);
    sleep_ms(3000);
    stop_threads = 1;
    long rounds = 0, restarts = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(t[i], &r);
        rounds += (long)r;
    }
    void *r;
    pthread_join(t[N], &r);
    restarts = (long)r;
    RtspServer_Stop(shared);
    RtspServer_DeInit(shared);
    RtspServer_destroy(shared);
    free(nals);
    free(video);
    printf("threads: %d threads, %ld session rounds, %ld restarts, %d failures\n", N, rounds, restarts, failures);
    return failures != 0;
}

/* ---- cycles ---------------------------------------------------------- */

static int cycles(int n, int port) {
    SessionAttr a = {0};
    a.with_video = true;
    a.video_type = kVideoTypeH264;
    long warm = 0;
    for (int i = 1; i <= n; i++) {
        KdRtspServer *s = RtspServer_create();
        CHECK_RC(RtspServer_Init(s, port), RTSPKIT_OK);
        CHECK_RC(RtspServer_CreateSession(s, "test", &a), RTSPKIT_OK);
        CHECK_RC(RtspKit_Start(s), RTSPKIT_OK);
        CHECK(RtspServer_GetRtspUrl(s, "test") != NULL);
        RtspServer_Stop(s);
        RtspServer_DeInit(s);
        RtspServer_destroy(s);
        if (failures) break;
        if (i == n / 2) warm = rss_kb();
    }
    printf("cycles: %d rss_kb_warm %ld rss_kb_end %ld failures %d\n", n, warm, rss_kb(), failures);
    return failures != 0;
}

/* ---- backchannel ----------------------------------------------------- */

static pthread_mutex_t bc_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t bc_bytes;
static uint32_t bc_hash = 2166136261u;
static char bc_name[64];

static void on_backchannel(void *user, const char *session, const uint8_t *data, size_t size, uint64_t ts) {
    (void)ts;
    CHECK(user == (void *)&bc_bytes);
    pthread_mutex_lock(&bc_mu);
    snprintf(bc_name, sizeof bc_name, "%s", session);
    for (size_t i = 0; i < size; i++) bc_hash = (bc_hash ^ data[i]) * 16777619u;
    bc_bytes += size;
    pthread_mutex_unlock(&bc_mu);
}

static int backchannel(int port, const char *file, size_t want) {
    size_t size;
    uint8_t *video = read_file(file, &size);
    nals = split(video, size, &nnals);
    KdRtspServer *s = RtspServer_create();
    CHECK_RC(RtspKit_InitWithBackChannel(s, port, on_backchannel, &bc_bytes), RTSPKIT_OK);
    SessionAttr a = {0};
    a.with_video = true;
    a.with_audio = true;
    a.with_audio_backchannel = true;
    a.video_type = kVideoTypeH264;
    CHECK_RC(RtspServer_CreateSession(s, "door", &a), RTSPKIT_OK);
    RtspServer_Start(s);
    printf("serving %s\n", RtspServer_GetRtspUrl(s, "door"));
    fflush(stdout);
    /* video at 25 pictures a second until the audio came, for 60 s at most */
    for (size_t i = 0, pics = 0; pics < 25 * 60; i = (i + 1) % nnals) {
        CHECK_RC(RtspServer_SendVideoData(s, "door", nals[i].p, nals[i].n, 1000), RTSPKIT_OK);
        if (nals[i].type >= 1 && nals[i].type <= 5) {
            pics++;
            sleep_ms(40);
            pthread_mutex_lock(&bc_mu);
            size_t got = bc_bytes;
            pthread_mutex_unlock(&bc_mu);
            if (got >= want) break;
        }
    }
    RtspServer_Stop(s);
    RtspServer_DeInit(s);
    RtspServer_destroy(s);
    printf("backchannel: session %s bytes %zu fnv %08x\n", bc_name, bc_bytes, bc_hash);
    free(nals);
    free(video);
    return failures != 0;
}

/* ---- push ------------------------------------------------------------ */

static int push(const char *url, const char *file, int seconds) {
    size_t size;
    uint8_t *video = read_file(file, &size);
    nals = split(video, size, &nnals);
    KdRtspPusher *p = RtspPusher_create();
    CHECK_RC(RtspPusher_Init(p, 1280, 720, url, 25, "tcp"), RTSPKIT_OK);
    CHECK_RC(RtspPusher_Open(p), RTSPKIT_OK);
    /* the header: the file's first SPS and PPS, as the encoder gives them */
    uint8_t header[512];
    size_t hn = 0;
    for (size_t i = 0; i < nnals && hn == 0; i++) {
        if (nals[i].type == 7 && i + 1 < nnals && nals[i + 1].type == 8 &&
            nals[i].n + nals[i + 1].n <= sizeof header) {
            memcpy(header, nals[i].p, nals[i].n);
            memcpy(header + nals[i].n, nals[i + 1].p, nals[i + 1].n);
            hn = nals[i].n + nals[i + 1].n;
        }
    }
    CHECK(hn > 0);
    CHECK_RC(RtspPusher_PushVideoHeader(p, header, hn), RTSPKIT_OK);
    /* one access unit per call: the NAL units up to and with its slice */
    uint8_t *au = malloc(size);
    size_t an = 0, i = 0;
    bool key = false;
    uint64_t ts = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    for (int pics = 0; pics < seconds * 25 && !interrupted; i = (i + 1) % nnals) {
        memcpy(au + an, nals[i].p, nals[i].n);
        an += nals[i].n;
        if (nals[i].type == 5) key = true;
        if (nals[i].type >= 1 && nals[i].type <= 5) {
            CHECK_RC(RtspPusher_PushVideoData(p, au, an, key, ts), RTSPKIT_OK);
            an = 0;
            key = false;
            ts += 40;
            pics++;
            sleep_ms(40);
        }
    }
    RtspPusher_Close(p);
    RtspPusher_DeInit(p);
    RtspPusher_destroy(p);
    printf("push: %d seconds, %d failures\n", seconds, failures);
    free(au);
    free(nals);
    free(video);
    return failures != 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "misuse") == 0) return misuse();
    if (argc >= 4 && strcmp(argv[1], "threads") == 0) return threads(atoi(argv[2]), argv[3]);
    if (argc >= 4 && strcmp(argv[1], "cycles") == 0) return cycles(atoi(argv[2]), atoi(argv[3]));
    if (argc >= 5 && strcmp(argv[1], "backchannel") == 0)
        return backchannel(atoi(argv[2]), argv[3], (size_t)atol(argv[4]));
    if (argc >= 5 && strcmp(argv[1], "push") == 0) return push(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: %s misuse | threads PORT FILE | cycles N PORT | "
                    "backchannel PORT FILE BYTES | push URL FILE SECONDS\n", argv[0]);
    return 2;
}
