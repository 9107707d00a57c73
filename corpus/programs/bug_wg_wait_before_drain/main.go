// WaitGroup.Wait before draining: crawlCollector starts four crawlWorker
// goroutines that send on an unbuffered channel and then call Done, but
// waits for them before it starts reading, so the workers block in chan
// send and the collector in Wait.
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
func crawlWorker(wg *sync.WaitGroup, url string, out chan<- string) {
	defer wg.Done()
	time.Sleep(time.Millisecond)
	out <- url + " ok"
}

//go:noinline
func crawlCollector(urls []string) []string {
	var wg sync.WaitGroup
	out := make(chan string)
	for _, u := range urls {
		wg.Add(1)
		go crawlWorker(&wg, u, out)
	}
	wg.Wait() // bug: nobody reads out yet
	close(out)
	var res []string
	for r := range out {
		res = append(res, r)
	}
	return res
}

func setup() {
	startTraffic()
	go crawlCollector([]string{"/a", "/b", "/c", "/d"})
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
