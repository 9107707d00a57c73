// AB-BA over package-level mutexes (var ledgerMu, auditMu sync.Mutex):
// postEntry takes ledgerMu then auditMu, rotateAudit takes auditMu then
// ledgerMu. No goroutine carries either lock's address as an argument. Two
// ledgerQuery goroutines queue on ledgerMu behind the cycle.
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
	ledgerMu   sync.Mutex
	auditMu    sync.Mutex
	ledgerRows []int
	auditRows  []string
)

//go:noinline
func postEntry(amount int) {
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	ledgerRows = append(ledgerRows, amount)
	time.Sleep(20 * time.Millisecond)
	auditMu.Lock()
	auditRows = append(auditRows, "post")
	auditMu.Unlock()
}

//go:noinline
func rotateAudit() {
	auditMu.Lock()
	defer auditMu.Unlock()
	auditRows = auditRows[:0]
	time.Sleep(20 * time.Millisecond)
	ledgerMu.Lock()
	ledgerRows = append(ledgerRows, 0)
	ledgerMu.Unlock()
}

//go:noinline
func ledgerQuery(i int) {
	time.Sleep(60 * time.Millisecond)
	ledgerMu.Lock()
	_ = len(ledgerRows) + i
	ledgerMu.Unlock()
}

func setup() {
	startTraffic()
	go postEntry(100)
	go rotateAudit()
	go ledgerQuery(1)
	go ledgerQuery(2)
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
