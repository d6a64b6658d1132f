/*
 * rtspkit.h: the C interface of rtspkit, the K230 board's RTSP server and
 * pusher (KdRtspServer, KdRtspPusher) with the board's own C wrapper's
 * names, types and meaning, so that firmware and C programs written for
 * the board's live555-based server link against this one unchanged.
 *
 * Link:  cc prog.c -I<dir of this header> <dir>/librtspkit.a -lpthread -ldl -lm
 *   or:  cc prog.c -I<dir> -L<dir> -lrtspkit   (the shared library)
 *
 * Rules that hold for every function:
 *   - Functions returning int return 0 on success and a negative
 *     RTSPKIT_E* code on failure (RtspKit_StrError names it).
 *   - Every function is safe to call from several threads at once.
 *   - A failure inside the library is an error code, never a crash: a
 *     NULL or unknown handle, a NULL argument, a call out of order
 *     (CreateSession before Init, Send before Start...).
 *   - Data passed in (frames, names) is copied before the call returns;
 *     the caller may reuse its buffers.
 *   - Void functions that fail (Start with its port taken) write one line
 *     to stderr; RtspKit_Start is Start with a result.
 *
 * Go's runtime runs inside the library: it starts its own threads and
 * installs signal handlers with SA_ONSTACK, as any Go c-archive does.
 */
#ifndef RTSPKIT_H
#define RTSPKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The board's video codecs (its enum class VideoType; same values). */
typedef enum VideoType {
    kVideoTypeH264 = 0,
    kVideoTypeH265 = 1,
    kVideoTypeMjpeg = 2
} VideoType;

/*
 * What a session carries: the board's SessionAttr, same layout (three
 * bools, then the int-sized video type). Zero it (SessionAttr a = {0};)
 * and set what you need. Audio is G.711 mu-law at 8 kHz mono, as on the
 * board; the backchannel is audio players send back (ONVIF two-way audio),
 * delivered to the callback given to RtspKit_InitWithBackChannel.
 * with_video false with with_audio true is an audio-only session.
 */
typedef struct SessionAttr {
    bool with_video;
    bool with_audio;
    bool with_audio_backchannel;
    VideoType video_type; /* valid when with_video is true */
} SessionAttr;

/* Opaque handles. */
typedef struct KdRtspServer KdRtspServer;
typedef struct KdRtspPusher KdRtspPusher;

/* Error codes (negative; 0 is success). */
#define RTSPKIT_OK 0
#define RTSPKIT_EINVAL -1          /* NULL or unknown handle, NULL or bad argument */
#define RTSPKIT_ENOTINIT -2        /* Init first */
#define RTSPKIT_EALREADY -3        /* already initialised / started */
#define RTSPKIT_ENOTSTARTED -4     /* not started, or stopped */
#define RTSPKIT_ENOSESSION -5      /* no session of that name */
#define RTSPKIT_EEXIST -6          /* a session of that name exists */
#define RTSPKIT_EPORT -7           /* the port is taken */
#define RTSPKIT_EMEDIA -8          /* bad or too large media, or a track the session lacks */
#define RTSPKIT_EINTERNAL -9       /* a bug in the library, reported instead of crashing */
#define RTSPKIT_EFAIL -10          /* any other failure */

/*
 * Receives backchannel audio (the C++ IOnBackChannel::OnBackChannelData):
 * the session's name, G.711 mu-law bytes at 8 kHz and their RTP timestamp.
 * Called from the library's threads, one call at a time per player; name
 * and data are valid only during the call. It may call Send* functions,
 * but not Stop, DeInit or destroy of the same server (they wait for it).
 */
typedef void (*RtspKit_BackChannelFunc)(void *user, const char *session_name,
                                        const uint8_t *data, size_t size,
                                        uint64_t timestamp);

#ifndef RTSPKIT_NO_PROTOTYPES

/* ---- The board's server wrapper ---------------------------------------- */

/* A new server, or NULL when out of memory. */
KdRtspServer *RtspServer_create(void);
/* Stops and frees everything, including the strings of GetRtspUrl. */
void RtspServer_destroy(KdRtspServer *p);
/* Claims port (0: 8554); RTSPKIT_EPORT when another socket holds it. */
int RtspServer_Init(KdRtspServer *p, int port);
/* Stops serving and destroys every session. Init may follow. */
void RtspServer_DeInit(KdRtspServer *p);
/* Adds the stream rtsp://<host>:<port>/<session_name>. */
int RtspServer_CreateSession(KdRtspServer *p, const char *session_name,
                             const SessionAttr *session_attr);
/* Removes it: its players get an RTCP BYE and are disconnected. */
int RtspServer_DestroySession(KdRtspServer *p, const char *session_name);
/*
 * The URL a player opens, or NULL. The string belongs to the library and
 * stays valid until that session or the server is destroyed (DeInit
 * destroys the sessions); do not free it.
 */
char *RtspServer_GetRtspUrl(KdRtspServer *p, const char *session_name);
/* Opens the sockets and serves (Start after Stop serves again). */
void RtspServer_Start(KdRtspServer *p);
/* Sends BYE to the players and closes every socket. */
void RtspServer_Stop(KdRtspServer *p);
/*
 * One encoder pack: Annex-B H.264/H.265 (any split of NAL units, 3- or
 * 4-byte start codes) or one JPEG picture. timestamp may be constant (the
 * board's example sends 1000): see the README's "Timestamps".
 */
int RtspServer_SendVideoData(KdRtspServer *p, const char *session_name,
                             const uint8_t *data, size_t size, uint64_t timestamp);
/* G.711 mu-law bytes (any length). */
int RtspServer_SendAudioData(KdRtspServer *p, const char *session_name,
                             const uint8_t *data, size_t size, uint64_t timestamp);

/* ---- Additions (not in the board's wrapper) ---------------------------- */

/*
 * Init with a backchannel listener: the C++ Init(port, back_channel) that
 * the board's C wrapper never exposed. fn may be NULL (audio dropped).
 */
int RtspKit_InitWithBackChannel(KdRtspServer *p, int port,
                                RtspKit_BackChannelFunc fn, void *user);
/* RtspServer_Start, returning whether it worked (RTSPKIT_EPORT...). */
int RtspKit_Start(KdRtspServer *p);
/* A static, human-readable name for an RTSPKIT_E* code. */
const char *RtspKit_StrError(int code);

/* ---- The board's pusher ------------------------------------------------ */

/* A new pusher, or NULL when out of memory. */
KdRtspPusher *RtspPusher_create(void);
void RtspPusher_destroy(KdRtspPusher *p);
/*
 * url: rtsp://[user:pass@]host[:port]/path of a media server that takes
 * ANNOUNCE/RECORD (mediamtx, ZLMediaKit, an rtspkit server with publish
 * paths); transport: "tcp" or "udp" (NULL or "": tcp).
 */
int RtspPusher_Init(KdRtspPusher *p, int video_width, int video_height,
                    const char *url, int fps, const char *transport);
void RtspPusher_DeInit(KdRtspPusher *p);
/*
 * Starts pushing. It does not wait for the server: a server that is down
 * or restarts is reconnected to in the background, and frames pushed
 * meanwhile are dropped; video resumes at a keyframe.
 */
int RtspPusher_Open(KdRtspPusher *p);
void RtspPusher_Close(KdRtspPusher *p);
/* The SPS and PPS (Annex-B), before the first frame or whenever they change. */
int RtspPusher_PushVideoHeader(KdRtspPusher *p, const uint8_t *data, size_t size);
/* One H.264 access unit (Annex-B); timestamp in milliseconds. */
int RtspPusher_PushVideoData(KdRtspPusher *p, const uint8_t *data, size_t size,
                             bool key_frame, uint64_t timestamp);

#endif /* RTSPKIT_NO_PROTOTYPES */

#ifdef __cplusplus
}
#endif

#endif /* RTSPKIT_H */
