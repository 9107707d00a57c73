// WaitGroup passed by value: drainPartition takes a sync.WaitGroup (not a
// pointer) and calls Done on its own copy, so the counter drainAll waits on
// never moves.
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

var partitionsDrained int64

//go:noinline
func drainPartition(wg sync.WaitGroup, p int) { // bug: wg is a copy
	defer wg.Done()
	atomic.AddInt64(&partitionsDrained, int64(p))
}

//go:noinline
func drainAll(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go drainPartition(wg, i)
	}
	wg.Wait()
}

func setup() {
	startTraffic()
	go drainAll(4)
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
