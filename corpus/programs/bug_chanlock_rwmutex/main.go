// Write lock held across a channel wait: schemaMigrator holds s.mu (RWMutex
// write lock) while it waits for done; migrationWorker must take s.mu.RLock
// before it can close done. A schemaReader queues on s.mu.
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

type schema struct {
	version int
	mu      sync.RWMutex
	tables  []string
}

//go:noinline
func schemaMigrator(s *schema, done <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	<-done // bug: waits holding the write lock
}

//go:noinline
func migrationWorker(s *schema, done chan<- struct{}) {
	time.Sleep(10 * time.Millisecond)
	s.mu.RLock()
	n := len(s.tables)
	s.mu.RUnlock()
	if n >= 0 {
		close(done)
	}
}

//go:noinline
func schemaReader(s *schema) int {
	time.Sleep(40 * time.Millisecond)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

func setup() {
	startTraffic()
	s := &schema{tables: []string{"users"}}
	done := make(chan struct{})
	go schemaMigrator(s, done)
	go migrationWorker(s, done)
	go schemaReader(s)
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
