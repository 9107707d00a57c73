// Timeout leak: lookupHost waits for resolveDNS with time.After(5ms) and
// gives up; resolveDNS answers after 30ms on an unbuffered channel nobody
// will read. Four lookups leave four resolveDNS goroutines in chan send.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

//go:noinline
func resolveDNS(host string, out chan<- []string) {
	time.Sleep(30 * time.Millisecond)
	out <- []string{"192.0.2.1", host}
}

//go:noinline
func lookupHost(host string) []string {
	out := make(chan []string)
	go resolveDNS(host, out)
	select {
	case addrs := <-out:
		return addrs
	case <-time.After(5 * time.Millisecond):
		return nil
	}
}

func setup() {
	startTraffic()
	for _, h := range []string{"db.internal", "cache.internal", "queue.internal", "auth.internal"} {
		go lookupHost(h)
	}
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
