package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Backoff tracks authentication failures per client address in bounded
// memory and says how long to hold back the next answer to that address, so
// that guessing passwords gets slow. A server calls Fail when Verify returns
// ErrInvalid and waits the returned delay before sending its 401 (or
// closes the connection when the delay is large), and calls Succeed after a
// successful Verify. Key it by IP address without port; for IPv6 use the /64
// prefix, since one client owns a whole /64: BackoffKey gives both.
//
// The zero value is ready to use with the defaults below. Backoff is
// safe for concurrent use and must not be copied after first use.
type Backoff struct {
	// Free is the number of failures allowed without delay; 3 when zero,
	// none when negative.
	Free int
	// Base is the delay after the first failure beyond Free, doubled for
	// each further one up to Max; 500 ms and 30 s when zero.
	Base, Max time.Duration
	// Forget is how long after its last failure an address is forgotten;
	// 15 minutes when zero.
	Forget time.Duration
	// MaxEntries bounds the number of addresses tracked; 4096 when zero.
	// When full, expired entries are dropped first, then the address whose
	// last failure is oldest.
	MaxEntries int

	mu  sync.Mutex
	m   map[string]authBackoffEntry
	now func() time.Time // time.Now when nil; tests inject one
}

// BackoffKey returns the key under which Backoff should count the
// failures of a client at ip: the IPv4 address itself (an IPv4-mapped IPv6
// address counts as the IPv4 address it carries), or for IPv6 the /64
// prefix it is in, as "2001:db8:1:2::/64", zone dropped: one host or site
// is usually given a whole /64 and could otherwise try every guess from a
// fresh address (RFC 4291 §2.5.1, RFC 6177). An invalid ip gives its
// String, "invalid IP".
func BackoffKey(ip netip.Addr) string {
	ip = ip.Unmap()
	if !ip.Is6() {
		return ip.String()
	}
	p, err := ip.WithZone("").Prefix(64)
	if err != nil {
		return ip.String()
	}
	return p.String()
}

// authBackoffEntry is the record of one address.
type authBackoffEntry struct {
	failures int
	last     time.Time
}

func (b *Backoff) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

func (b *Backoff) forget() time.Duration {
	if b.Forget <= 0 {
		return 15 * time.Minute
	}
	return b.Forget
}

// Fail records a failure of addr and returns the delay to apply before
// answering it.
func (b *Backoff) Fail(addr string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	e, ok := b.m[addr]
	if ok && now.Sub(e.last) > b.forget() {
		e = authBackoffEntry{}
	}
	if !ok {
		if b.m == nil {
			b.m = make(map[string]authBackoffEntry)
		}
		b.evict(now)
	}
	e.failures++
	e.last = now
	b.m[addr] = e
	return b.delay(e.failures)
}

// Delay returns the delay addr has earned so far, without recording
// anything: a server may apply it before even reading credentials.
func (b *Backoff) Delay(addr string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.m[addr]
	if !ok || b.clock().Sub(e.last) > b.forget() {
		return 0
	}
	return b.delay(e.failures)
}

// Succeed forgets the failures of addr.
func (b *Backoff) Succeed(addr string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, addr)
}

// delay maps a failure count to a delay.
func (b *Backoff) delay(failures int) time.Duration {
	free := b.Free
	if free == 0 {
		free = 3
	} else if free < 0 {
		free = 0
	}
	base, maxDelay := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if maxDelay <= 0 {
		maxDelay = 30 * time.Second
	}
	n := failures - free
	if n <= 0 {
		return 0
	}
	d := base
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// evict makes room for one more entry.
func (b *Backoff) evict(now time.Time) {
	maxEntries := b.MaxEntries
	if maxEntries <= 0 {
		maxEntries = 4096
	}
	if len(b.m) < maxEntries {
		return
	}
	for k, e := range b.m {
		if now.Sub(e.last) > b.forget() {
			delete(b.m, k)
		}
	}
	for len(b.m) >= maxEntries {
		var oldest string
		var oldestT time.Time
		first := true
		for k, e := range b.m {
			if first || e.last.Before(oldestT) {
				oldest, oldestT, first = k, e.last, false
			}
		}
		delete(b.m, oldest)
	}
}
