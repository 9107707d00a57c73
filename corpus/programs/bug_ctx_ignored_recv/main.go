// A consumer that ignores its context: followLogs starts tailLog with a
// cancellable context, feeds it three lines, cancels and returns; tailLog
// never selects on ctx.Done() and stays in chan receive. Three followers,
// three stuck tailLog goroutines.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

var tailedBytes int64

//go:noinline
func tailLog(ctx context.Context, lines <-chan string) {
	for {
		l := <-lines // bug: ctx.Done() is never consulted
		atomic.AddInt64(&tailedBytes, int64(len(l)))
	}
}

//go:noinline
func followLogs(name string) {
	ctx, cancel := context.WithCancel(context.Background())
	lines := make(chan string)
	go tailLog(ctx, lines)
	for i := 0; i < 3; i++ {
		lines <- fmt.Sprintf("%s line %d", name, i)
	}
	cancel()
}

func setup() {
	startTraffic()
	for _, n := range []string{"api", "worker", "cron"} {
		go followLogs(n)
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
