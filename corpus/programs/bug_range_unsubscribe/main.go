// Range over a channel nobody closes after unsubscribe:
// (*broker).unsubscribe removes a subscriber's channel from the map without
// closing it, so the subscriberLoop ranging over it waits forever. The
// broker drops all three subscribers.
//
// Beside the bug runs healthy traffic: a job pool (6 workers, ticker
// dispatcher, collector, cache janitor).
package main

import (
	"sync"
	"sync/atomic"
	"time"
)

type broker struct {
	topic string
	mu    sync.Mutex
	subs  map[int]chan string
}

var feed = &broker{topic: "prices", subs: map[int]chan string{}}

var messagesSeen int64

//go:noinline
func (b *broker) subscribe(id int) chan string {
	ch := make(chan string, 1)
	b.mu.Lock()
	b.subs[id] = ch
	b.mu.Unlock()
	return ch
}

//go:noinline
func (b *broker) unsubscribe(id int) {
	b.mu.Lock()
	delete(b.subs, id) // bug: the channel is not closed
	b.mu.Unlock()
}

//go:noinline
func subscriberLoop(ch <-chan string) {
	for m := range ch {
		atomic.AddInt64(&messagesSeen, int64(len(m)))
	}
}

func setup() {
	startTraffic()
	for i := 0; i < 3; i++ {
		go subscriberLoop(feed.subscribe(i))
	}
	for i := 0; i < 3; i++ {
		feed.unsubscribe(i)
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
