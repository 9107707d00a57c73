// Unbuffered send with no receiver: startAudit starts an auditWriter that
// reports its summary on an unbuffered channel, but after a refactor the
// caller no longer reads it and returns. Three audits leave three
// auditWriter goroutines blocked in chan send on channels only they still
// hold.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type auditSummary struct {
	table string
	rows  int
}

//go:noinline
func auditWriter(table string, out chan<- auditSummary) {
	time.Sleep(5 * time.Millisecond)
	out <- auditSummary{table: table, rows: len(table) * 10}
}

//go:noinline
func startAudit(table string) {
	out := make(chan auditSummary)
	go auditWriter(table, out)
	// bug: the summary used to be read here
}

func setup() {
	startTraffic()
	for _, t := range []string{"users", "orders", "events"} {
		startAudit(t)
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
