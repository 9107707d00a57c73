// Healthy but contended, the shape of a server in an incident: each tenant's
// mutex is held by a flush that waits for its flusher (asleep, it will
// answer), requests queue on the mutex behind it, and more requests of each
// tenant sleep in a throttle, carrying the tenant on their way to the same
// lock. Tenants are allocated one after the other, so a tenant's pointer lies
// within a few hundred bytes below its neighbours' mutexes too, and every
// third tenant is idle: its lock is held but nobody waits for it, so nothing
// in the dump puts a lock between its start and the next tenant's mutex.
// Nothing is stuck for good: the flushers and the throttled requests wake up.
package main

import (
	"sync"
	"time"
)

type tenant struct {
	name    string
	mu      sync.Mutex
	rows    map[string]int
	flushed chan struct{}
}

var sinkTenant int

//go:noinline
func (t *tenant) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	<-t.flushed // held across the wait: everyone behind it queues
	t.rows["flushes"]++
}

//go:noinline
func (t *tenant) get(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rows[key]
}

// serve is a request: it reaches the lock through its tenant, which it uses again after.
//
//go:noinline
func serve(t *tenant, key string) {
	sinkTenant += t.get(key) + len(t.name)
}

//go:noinline
func throttle(t *tenant, key string) {
	time.Sleep(time.Hour)
	sinkTenant += t.get(key)
}

//go:noinline
func flusher(done chan<- struct{}) {
	time.Sleep(time.Hour)
	done <- struct{}{}
}

func setup() {
	tenants := make([]*tenant, 12)
	for i := range tenants {
		tenants[i] = &tenant{name: "tenant", rows: map[string]int{}, flushed: make(chan struct{})}
	}
	for _, t := range tenants {
		go flusher(t.flushed)
		go t.flush()
	}
	time.Sleep(50 * time.Millisecond) // every flush holds its tenant's lock
	for i, t := range tenants {
		if i%3 == 2 {
			continue // an idle tenant: its lock is held, nobody waits for it
		}
		for j := 0; j < 3; j++ {
			go serve(t, "k")
			go throttle(t, "k")
		}
	}
}
