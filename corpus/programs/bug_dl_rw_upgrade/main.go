// Lock upgrade on a sync.RWMutex: (*routeTable).lookupOrAdd holds
// t.mu.RLock and, on a miss, calls t.mu.Lock, which waits for its own read
// lock forever. A routeReaderLate goroutine then blocks in RLock behind the
// pending writer.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type routeTable struct {
	version int
	mu      sync.RWMutex
	routes  map[string]string
}

//go:noinline
func (t *routeTable) lookupOrAdd(k string) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if v, ok := t.routes[k]; ok {
		return v
	}
	t.mu.Lock() // bug: upgrading a read lock deadlocks
	t.routes[k] = "default"
	t.mu.Unlock()
	return "default"
}

//go:noinline
func routeResolver(t *routeTable) {
	time.Sleep(10 * time.Millisecond)
	_ = t.lookupOrAdd("/new")
}

//go:noinline
func routeReaderLate(t *routeTable) {
	time.Sleep(40 * time.Millisecond)
	t.mu.RLock()
	_ = t.routes["/"]
	t.mu.RUnlock()
}

func setup() {
	startTraffic()
	t := &routeTable{routes: map[string]string{"/": "home"}}
	go routeResolver(t)
	go routeReaderLate(t)
}

// ---- healthy traffic: a job pool fed by a ticker, a result collector and a
// cache janitor, all alive and making progress while the bug sits still ----

type poolJob struct {
	id   int
	data []byte
}

var (
	poolJobs    = make(chan poolJob)
	poolResults = make(chan int, 4)
	poolCacheMu sync.Mutex
	poolCache   = map[int]int{}
	poolSink    int64
)

//go:noinline
func poolWorker(id int) {
	for j := range poolJobs {
		poolCacheMu.Lock()
		poolCache[j.id%16] += len(j.data)
		poolCacheMu.Unlock()
		poolResults <- j.id + id
	}
}

//go:noinline
func poolDispatcher() {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		poolJobs <- poolJob{id: i, data: make([]byte, i%64)}
	}
}

//go:noinline
func poolCollector() {
	for r := range poolResults {
		atomic.AddInt64(&poolSink, int64(r))
	}
}

//go:noinline
func poolJanitor() {
	for {
		time.Sleep(5 * time.Millisecond)
		poolCacheMu.Lock()
		for k, v := range poolCache {
			if v > 1<<20 {
				delete(poolCache, k)
			}
		}
		poolCacheMu.Unlock()
	}
}

func startTraffic() {
	for i := 0; i < 6; i++ {
		go poolWorker(i)
	}
	go poolDispatcher()
	go poolCollector()
	go poolJanitor()
}
