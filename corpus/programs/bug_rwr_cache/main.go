// RWR in a cache: (*lruCache).Get holds c.mu.RLock and calls c.stats, which
// read-locks again; between the two, cacheEvictor has called Lock. Both
// cacheClient goroutines and the evictor are stuck; two cacheMonitor
// readers queue behind the writer.
//
// Beside the bug runs healthy traffic: a scheduler (5 ticker loops reading
// an RWMutex config, a reloader, a supervisor in WaitGroup.Wait).
package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type lruCache struct {
	hits  int64
	mu    sync.RWMutex
	items map[string]string
}

//go:noinline
func (c *lruCache) stats() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

//go:noinline
func (c *lruCache) Get(k string) (string, int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v := c.items[k]
	time.Sleep(30 * time.Millisecond)
	return v, c.stats() // bug: second RLock while a writer may wait
}

//go:noinline
func cacheClient(c *lruCache, k string) {
	_, _ = c.Get(k)
}

//go:noinline
func cacheEvictor(c *lruCache) {
	time.Sleep(10 * time.Millisecond)
	c.mu.Lock()
	for k := range c.items {
		delete(c.items, k)
	}
	c.mu.Unlock()
}

//go:noinline
func cacheMonitor(c *lruCache) {
	time.Sleep(60 * time.Millisecond)
	_ = c.stats()
}

func setup() {
	startTraffic()
	c := &lruCache{items: map[string]string{"a": "1", "b": "2"}}
	go cacheClient(c, "a")
	go cacheClient(c, "b")
	go cacheEvictor(c)
	go cacheMonitor(c)
	go cacheMonitor(c)
}

// ---- healthy traffic: a scheduler. Five per-target loops tick and read an
// RWMutex-guarded config, a reloader rewrites it, and a supervisor waits in
// WaitGroup.Wait for the loops (which run for the life of the process) ----

type schedTarget struct {
	name     string
	interval time.Duration
}

var (
	schedCtx, schedStop = context.WithCancel(context.Background())
	schedWG             sync.WaitGroup
	schedCfgMu          sync.RWMutex
	schedCfg            = map[string]int{}
	schedSink           int64
)

//go:noinline
func schedLoop(ctx context.Context, t *schedTarget) {
	defer schedWG.Done()
	tk := time.NewTicker(t.interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			schedCfgMu.RLock()
			v := schedCfg[t.name]
			schedCfgMu.RUnlock()
			atomic.AddInt64(&schedSink, int64(v))
		}
	}
}

//go:noinline
func schedReloader() {
	for i := 0; ; i++ {
		time.Sleep(7 * time.Millisecond)
		schedCfgMu.Lock()
		schedCfg[fmt.Sprintf("target-%d", i%5)] = i
		schedCfgMu.Unlock()
	}
}

//go:noinline
func schedSupervisor() {
	schedWG.Wait()
	schedStop()
}

func startTraffic() {
	for i := 0; i < 5; i++ {
		schedWG.Add(1)
		go schedLoop(schedCtx, &schedTarget{name: fmt.Sprintf("target-%d", i), interval: time.Duration(2+i) * time.Millisecond})
	}
	go schedReloader()
	go schedSupervisor()
}
