// Method contract violation: every request makes a batchWriter whose Start
// runs flushLoop until Stop is called; the handler never calls Stop and
// drops the writer. Twelve requests leave twelve flushLoop goroutines in
// select on channels only they hold.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type batchWriter struct {
	dest string
	in   chan []byte
	stop chan struct{}
	n    int
}

//go:noinline
func (w *batchWriter) flushLoop() {
	for {
		select {
		case b := <-w.in:
			w.n += len(b)
		case <-w.stop:
			return
		}
	}
}

//go:noinline
func (w *batchWriter) Start() { go w.flushLoop() }

//go:noinline
func (w *batchWriter) Stop() { close(w.stop) }

//go:noinline
func handleIngest(id int) {
	w := &batchWriter{dest: fmt.Sprintf("shard-%d", id%3), in: make(chan []byte), stop: make(chan struct{})}
	w.Start()
	w.in <- []byte("record")
	// bug: w.Stop() is never called
}

func setup() {
	startTraffic()
	for i := 0; i < 12; i++ {
		go handleIngest(i)
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
