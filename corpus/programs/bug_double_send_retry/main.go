// Double send in a retry loop: retryingDial reports the outcome of every
// attempt on the result channel, but dialWithRetry reads only the first;
// the second send blocks forever. Three dials, three stuck retryingDial
// goroutines.
//
// Beside the bug runs healthy traffic: an event bus (sync.Cond queue with 3
// consumers, a producer, 4 select subscribers, a publisher).
package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

//go:noinline
func retryingDial(addr string, attempts int, out chan<- error) {
	for i := 0; i < attempts; i++ {
		time.Sleep(time.Millisecond)
		out <- fmt.Errorf("dial %s: attempt %d failed", addr, i) // bug: the caller takes one
	}
}

//go:noinline
func dialWithRetry(addr string) error {
	out := make(chan error)
	go retryingDial(addr, 3, out)
	return <-out
}

func setup() {
	startTraffic()
	for _, a := range []string{"10.1.0.1:5432", "10.1.0.2:5432", "10.1.0.3:5432"} {
		go dialWithRetry(a)
	}
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
