// Self-deadlocks: a goroutine that locks a sync.Mutex it already holds.
//
//   - relockSelfDeadlock locks r.mu and calls relockHelper, which locks r.mu
//     again (r, whose mutex is at offset 0, is an argument of both frames).
//   - runSessionCacheRefresh calls (*sessionCache).Refresh, which holds c.mu
//     and calls c.lookup, which locks c.mu again: the mutex is a field of the
//     struct (at offset 8, after the hits counter) so the only link between
//     the holder frame and the blocked Lock is the receiver pointer.
//   - sessionCacheReader arrives later, calls c.lookup and queues on c.mu
//     behind the self-deadlocked goroutine.
package main

import (
	"sync"
	"time"
)

var sinkRelock int

// registry is a mutex-guarded record (mutex at offset 0; the pointer field
// keeps it out of the tiny allocator).
type registry struct {
	mu   sync.Mutex
	name string
}

//go:noinline
func relockHelper(r *registry) {
	r.mu.Lock()
	sinkRelock++
	r.mu.Unlock()
}

//go:noinline
func relockSelfDeadlock(r *registry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	relockHelper(r)
}

type sessionCache struct {
	hits  int64
	mu    sync.Mutex
	items map[string]int
}

//go:noinline
func (c *sessionCache) lookup(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hits++
	return c.items[k]
}

//go:noinline
func (c *sessionCache) Refresh() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.items {
		c.items[k] = c.lookup(k) + 1 // re-entrant lock: deadlock
	}
}

//go:noinline
func runSessionCacheRefresh(c *sessionCache) {
	c.Refresh()
}

//go:noinline
func sessionCacheReader(c *sessionCache) {
	time.Sleep(100 * time.Millisecond)
	sinkRelock += c.lookup("user")
}

func setup() {
	go relockSelfDeadlock(&registry{name: "plugins"})
	c := &sessionCache{items: map[string]int{"user": 1}}
	go runSessionCacheRefresh(c)
	go sessionCacheReader(c)
}
