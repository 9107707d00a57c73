// WaitGroup.Wait before close: shardCloser waits for the shards and only
// then closes stop, but the shards return only once stop is closed. Late
// shards even call Add inside their own goroutine while Wait is running.
// Three shardRun goroutines are in chan receive and shardCloser is in
// WaitGroup.Wait.
//
// Beside the bug runs healthy traffic: an event bus (sync.Cond queue with 3
// consumers, a producer, 4 select subscribers, a publisher).
package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

type shardSet struct {
	name string
	wg   sync.WaitGroup
	stop chan struct{}
}

//go:noinline
func shardRun(s *shardSet, id int, added bool) {
	if !added {
		s.wg.Add(1) // Add inside the goroutine, after Wait started
	}
	defer s.wg.Done()
	<-s.stop
	_ = id
}

//go:noinline
func shardCloser(s *shardSet) {
	s.wg.Wait() // bug: the shards wait for stop, which is closed only after Wait
	close(s.stop)
}

func setup() {
	startTraffic()
	s := &shardSet{name: "events", stop: make(chan struct{})}
	s.wg.Add(1)
	go shardRun(s, 0, true)
	go shardCloser(s)
	go func() {
		time.Sleep(10 * time.Millisecond)
		for i := 1; i < 3; i++ {
			go shardRun(s, i, false)
		}
	}()
}

// ---- healthy traffic: an event bus. A producer feeds a sync.Cond queue that
// three consumers drain; a publisher fans events out to four subscribers that
// each select on their channel and the bus context ----

type busQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

var (
	busQ                = newBusQueue()
	busCtx, busShutdown = context.WithCancel(context.Background())
	busSubs             []chan int
	busSink             int64
)

func newBusQueue() *busQueue {
	q := &busQueue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

//go:noinline
func busConsumer(q *busQueue) {
	for {
		q.mu.Lock()
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		it := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		atomic.AddInt64(&busSink, int64(it))
	}
}

//go:noinline
func busProducer(q *busQueue) {
	t := time.NewTicker(3 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		q.mu.Lock()
		q.items = append(q.items, i)
		q.mu.Unlock()
		q.cond.Signal()
	}
}

//go:noinline
func busSubscriber(ctx context.Context, in <-chan int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-in:
			atomic.AddInt64(&busSink, int64(v))
		}
	}
}

//go:noinline
func busPublisher() {
	t := time.NewTicker(4 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-busCtx.Done():
			return
		case <-t.C:
		}
		for _, s := range busSubs {
			select {
			case s <- i:
			default:
			}
		}
	}
}

func startTraffic() {
	for i := 0; i < 3; i++ {
		go busConsumer(busQ)
	}
	go busProducer(busQ)
	for i := 0; i < 4; i++ {
		s := make(chan int, 1)
		busSubs = append(busSubs, s)
		go busSubscriber(busCtx, s)
	}
	go busPublisher()
}
