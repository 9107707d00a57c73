// RWR over a package-level sync.RWMutex (var topoMu): topoPath holds the
// read lock and calls topoNeighbors, which read-locks again after
// topoRebuild has started waiting in Lock. Two topoProbe readers queue
// behind the writer. No goroutine carries the lock's address.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

var (
	topoMu sync.RWMutex
	topo   = map[int][]int{1: {2, 3}, 2: {3}, 3: {1}}
)

//go:noinline
func topoNeighbors(n int) []int {
	topoMu.RLock()
	defer topoMu.RUnlock()
	return topo[n]
}

//go:noinline
func topoPath(a, b int) bool {
	topoMu.RLock()
	defer topoMu.RUnlock()
	time.Sleep(30 * time.Millisecond)
	for _, x := range topo[a] {
		for _, y := range topoNeighbors(x) {
			if y == b {
				return true
			}
		}
	}
	return false
}

//go:noinline
func topoRouter() {
	_ = topoPath(1, 3)
}

//go:noinline
func topoRebuild() {
	time.Sleep(10 * time.Millisecond)
	topoMu.Lock()
	topo[4] = []int{1}
	topoMu.Unlock()
}

//go:noinline
func topoProbe(n int) {
	time.Sleep(60 * time.Millisecond)
	_ = topoNeighbors(n)
}

func setup() {
	startTraffic()
	go topoRouter()
	go topoRebuild()
	go topoProbe(2)
	go topoProbe(3)
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
