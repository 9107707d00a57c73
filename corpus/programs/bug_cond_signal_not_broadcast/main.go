// Signal where Broadcast is needed: three gateWaiter goroutines wait in
// Cond.Wait for the gate to open; gateOpener opens it and calls Signal
// once, so one waiter leaves and the other two wait forever.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type gate struct {
	name string
	mu   sync.Mutex
	cond *sync.Cond
	open bool
}

var gatePassed int64

//go:noinline
func gateWaiter(g *gate, id int) {
	g.mu.Lock()
	for !g.open {
		g.cond.Wait()
	}
	g.mu.Unlock()
	atomic.AddInt64(&gatePassed, int64(id))
}

//go:noinline
func gateOpener(g *gate) {
	time.Sleep(10 * time.Millisecond)
	g.mu.Lock()
	g.open = true
	g.mu.Unlock()
	g.cond.Signal() // bug: wakes one waiter; Broadcast was needed
}

func setup() {
	startTraffic()
	g := &gate{name: "startup"}
	g.cond = sync.NewCond(&g.mu)
	for i := 0; i < 3; i++ {
		go gateWaiter(g, i)
	}
	go gateOpener(g)
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
