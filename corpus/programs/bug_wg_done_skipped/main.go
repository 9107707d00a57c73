// Done skipped on an error path: migrateTable returns early for temporary
// tables without calling wg.Done, so awaitMigrations waits forever.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var errSkipTable = errors.New("temporary table skipped")

var tablesMigrated int64

//go:noinline
func migrateTable(wg *sync.WaitGroup, table string) error {
	if strings.HasPrefix(table, "tmp_") {
		return errSkipTable // bug: no wg.Done on this path
	}
	atomic.AddInt64(&tablesMigrated, 1)
	wg.Done()
	return nil
}

//go:noinline
func awaitMigrations(tables []string) {
	var wg sync.WaitGroup
	for _, t := range tables {
		wg.Add(1)
		go migrateTable(&wg, t)
	}
	wg.Wait()
}

func setup() {
	startTraffic()
	go awaitMigrations([]string{"users", "tmp_import", "orders"})
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
