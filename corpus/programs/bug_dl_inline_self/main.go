// Self-deadlock inside one function: (*quotaTable).chargeTwice locks q.mu
// and, where it meant to unlock, locks it again (the mutex is a field at
// offset 8). Two quotaReader goroutines arrive later and queue on q.mu
// behind it.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type quotaTable struct {
	name string
	mu   sync.Mutex
	used map[string]int
}

//go:noinline
func (q *quotaTable) chargeTwice(user string, n int) {
	q.mu.Lock()
	q.used[user] += n
	q.mu.Lock() // bug: meant q.mu.Unlock()
	q.used[user] -= n
	q.mu.Unlock()
}

//go:noinline
func runQuotaCharge(q *quotaTable) {
	time.Sleep(10 * time.Millisecond)
	q.chargeTwice("alice", 3)
}

//go:noinline
func quotaReader(q *quotaTable, user string) {
	time.Sleep(40 * time.Millisecond)
	q.mu.Lock()
	_ = q.used[user]
	q.mu.Unlock()
}

func setup() {
	startTraffic()
	q := &quotaTable{name: "api", used: map[string]int{}}
	go runQuotaCharge(q)
	go quotaReader(q, "bob")
	go quotaReader(q, "carol")
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
