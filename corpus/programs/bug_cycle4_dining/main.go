// A 4-cycle of mutexes (dining philosophers): each philosopher locks its
// left fork and, after a pause, its right fork. The forks are heap mutexes
// in a slice, so every philosopher carries both addresses. A forkInspector
// queues on fork 0.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type fork struct {
	id int
	mu sync.Mutex
}

var mealsEaten int64

//go:noinline
func philosopher(left, right *fork) {
	left.mu.Lock()
	time.Sleep(20 * time.Millisecond)
	right.mu.Lock()
	atomic.AddInt64(&mealsEaten, 1)
	right.mu.Unlock()
	left.mu.Unlock()
}

//go:noinline
func forkInspector(f *fork) {
	time.Sleep(60 * time.Millisecond)
	f.mu.Lock()
	_ = f.id
	f.mu.Unlock()
}

func setup() {
	startTraffic()
	forks := make([]*fork, 4)
	for i := range forks {
		forks[i] = &fork{id: i}
	}
	for i := range forks {
		go philosopher(forks[i], forks[(i+1)%len(forks)])
	}
	go forkInspector(forks[0])
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
