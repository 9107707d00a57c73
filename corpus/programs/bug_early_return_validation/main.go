// Early return before reading a result: loadUser starts loadProfile in the
// background, then validates the request and returns an error for an
// invalid id without reading the profile channel. Four invalid requests
// leave four loadProfile goroutines in chan send.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

type profile struct {
	id   int
	name string
}

var errBadID = errors.New("bad id")

//go:noinline
func loadProfile(id int, out chan<- profile) {
	time.Sleep(2 * time.Millisecond)
	out <- profile{id: id, name: "user"}
}

//go:noinline
func loadUser(id int) (profile, error) {
	out := make(chan profile)
	go loadProfile(id, out)
	if id < 0 {
		return profile{}, errBadID // bug: loadProfile still sends
	}
	return <-out, nil
}

func setup() {
	startTraffic()
	for _, id := range []int{-1, 7, -2, -3, 8, -4} {
		go loadUser(id)
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
