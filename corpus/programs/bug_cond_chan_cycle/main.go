// Channel and condition variable in a cycle: batchWaiter waits in
// sync.Cond.Wait for b.ready before it acknowledges on b.acks;
// batchSignaller waits to receive that acknowledgement before it sets ready
// and signals.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type batcher struct {
	size  int
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
	acks  chan int
}

//go:noinline
func batchWaiter(b *batcher) {
	b.mu.Lock()
	for !b.ready {
		b.cond.Wait()
	}
	b.mu.Unlock()
	b.acks <- b.size
}

//go:noinline
func batchSignaller(b *batcher) {
	n := <-b.acks // bug: waits for the ack before making the batch ready
	b.mu.Lock()
	b.ready = true
	b.size += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

func setup() {
	startTraffic()
	b := &batcher{size: 8, acks: make(chan int)}
	b.cond = sync.NewCond(&b.mu)
	go batchWaiter(b)
	go batchSignaller(b)
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
