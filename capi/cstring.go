package main

/*
#include <stdint.h>
*/
import "C"

import "unsafe"

// maxName bounds the C strings read as names and URLs: longer is an error,
// never a scan through memory that has no terminator.
const maxName = 4096

// maxData bounds one frame's size_t: far above any frame the server takes
// (Config.MaxFrameSize), and below what would overflow a Go length.
const maxData = 1 << 30

// peekString returns the C string p as a Go string that aliases C memory,
// without copying: valid only during the call that received p, and never
// to be kept (strings.Clone it to keep it). ok is false for NULL and for
// strings longer than maxName.
func peekString(p *C.char) (s string, ok bool) {
	if p == nil {
		return "", false
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(p)), maxName+1)
	for i, c := range b {
		if c == 0 {
			return unsafe.String((*byte)(unsafe.Pointer(p)), i), true
		}
	}
	return "", false
}

// peekBytes returns the C buffer data[:size] in place (the server copies
// what it keeps). ok is false for NULL with a size and for sizes over
// maxData.
func peekBytes(data *C.uint8_t, size C.size_t) (b []byte, ok bool) {
	if size == 0 {
		return nil, true
	}
	if data == nil || size > maxData {
		return nil, false
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(data)), int(size)), true
}
