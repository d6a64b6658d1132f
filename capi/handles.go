package main

/*
#include <stdlib.h>
*/
import "C"

import (
	"sync"
	"unsafe"
)

// handles maps the opaque pointers C holds to the Go objects they name.
// Each handle is a fresh byte of C memory, so handles are unique while
// they live, C's tools (valgrind, ASan) see them as ordinary allocations,
// and the cgo pointer rules hold: C never sees a Go pointer. Reads take a
// shared lock, so sends from many threads do not queue here.
type handles[T any] struct {
	mu sync.RWMutex
	m  map[unsafe.Pointer]*T
}

// add returns a new handle for v, or nil when C is out of memory.
func (h *handles[T]) add(v *T) unsafe.Pointer {
	p := C.calloc(1, 1)
	if p == nil {
		return nil
	}
	h.mu.Lock()
	if h.m == nil {
		h.m = make(map[unsafe.Pointer]*T)
	}
	h.m[p] = v
	h.mu.Unlock()
	return p
}

// get returns what p names, or nil for NULL and for handles that are not
// (or no longer) in the table.
func (h *handles[T]) get(p unsafe.Pointer) *T {
	if p == nil {
		return nil
	}
	h.mu.RLock()
	v := h.m[p]
	h.mu.RUnlock()
	return v
}

// remove takes p out of the table and frees it, returning what it named;
// a second remove of the same handle finds nothing.
func (h *handles[T]) remove(p unsafe.Pointer) *T {
	if p == nil {
		return nil
	}
	h.mu.Lock()
	v, ok := h.m[p]
	delete(h.m, p)
	h.mu.Unlock()
	if ok {
		C.free(p)
	}
	return v
}
