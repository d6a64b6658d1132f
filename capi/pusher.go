package main

/*
#define RTSPKIT_NO_PROTOTYPES
#include "rtspkit.h"
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"

	"github.com/rtspkit/rtspkit/pusher"
)

var pushers handles[pusher.Pusher]

func toPusher(p *C.KdRtspPusher) *pusher.Pusher { return pushers.get(unsafe.Pointer(p)) }

//export RtspPusher_create
func RtspPusher_create() *C.KdRtspPusher {
	defer guardVoid("RtspPusher_create")
	return (*C.KdRtspPusher)(pushers.add(pusher.New()))
}

//export RtspPusher_destroy
func RtspPusher_destroy(p *C.KdRtspPusher) {
	defer guardVoid("RtspPusher_destroy")
	if ps := pushers.remove(unsafe.Pointer(p)); ps != nil {
		_ = ps.Destroy()
	}
}

//export RtspPusher_Init
func RtspPusher_Init(p *C.KdRtspPusher, width, height C.int, url *C.char, fps C.int, transport *C.char) (rc C.int) {
	defer guard("RtspPusher_Init", &rc)
	ps := toPusher(p)
	u, ok := peekString(url)
	if ps == nil || !ok {
		return C.RTSPKIT_EINVAL
	}
	tr := ""
	if transport != nil {
		if tr, ok = peekString(transport); !ok {
			return C.RTSPKIT_EINVAL
		}
	}
	return code(ps.Init(int(width), int(height), strings.Clone(u), int(fps), strings.Clone(tr)))
}

//export RtspPusher_DeInit
func RtspPusher_DeInit(p *C.KdRtspPusher) {
	defer guardVoid("RtspPusher_DeInit")
	ps := toPusher(p)
	if ps == nil {
		report("RtspPusher_DeInit", errInvalidHandle)
		return
	}
	if err := ps.DeInit(); err != nil && !errors.Is(err, pusher.ErrNotInitialized) {
		report("RtspPusher_DeInit", err)
	}
}

//export RtspPusher_Open
func RtspPusher_Open(p *C.KdRtspPusher) (rc C.int) {
	defer guard("RtspPusher_Open", &rc)
	ps := toPusher(p)
	if ps == nil {
		return C.RTSPKIT_EINVAL
	}
	return code(ps.Open())
}

//export RtspPusher_Close
func RtspPusher_Close(p *C.KdRtspPusher) {
	defer guardVoid("RtspPusher_Close")
	ps := toPusher(p)
	if ps == nil {
		report("RtspPusher_Close", errInvalidHandle)
		return
	}
	if err := ps.Close(); err != nil && !errors.Is(err, pusher.ErrNotOpen) {
		report("RtspPusher_Close", err)
	}
}

//export RtspPusher_PushVideoHeader
func RtspPusher_PushVideoHeader(p *C.KdRtspPusher, data *C.uint8_t, size C.size_t) (rc C.int) {
	defer guard("RtspPusher_PushVideoHeader", &rc)
	ps := toPusher(p)
	b, ok := peekBytes(data, size)
	if ps == nil || !ok {
		return C.RTSPKIT_EINVAL
	}
	return code(ps.PushVideoHeader(b))
}

//export RtspPusher_PushVideoData
func RtspPusher_PushVideoData(p *C.KdRtspPusher, data *C.uint8_t, size C.size_t, keyFrame C.bool, ts C.uint64_t) (rc C.int) {
	defer guard("RtspPusher_PushVideoData", &rc)
	ps := toPusher(p)
	b, ok := peekBytes(data, size)
	if ps == nil || !ok {
		return C.RTSPKIT_EINVAL
	}
	return code(ps.PushVideoData(b, bool(keyFrame), uint64(ts)))
}
