// Healthy twin of bug_cond_leak: consumers in sync.Cond.Wait on a queue that
// a live, ticker-driven producer keeps filling (Signal per item), and a
// WaitGroup-free shutdown path kept reachable from a global.
package main

import (
	"sync"
	"time"
)

type jobQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

var (
	liveQueue *jobQueue // reachable: the producer and an admin endpoint use it
	sinkQueue int
)

//go:noinline
func condConsumer(q *jobQueue) {
	for {
		q.mu.Lock()
		for len(q.items) == 0 {
			q.cond.Wait()
		}
		sinkQueue += q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
	}
}

//go:noinline
func condProducer(q *jobQueue) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		<-t.C
		q.mu.Lock()
		q.items = append(q.items, i)
		q.mu.Unlock()
		q.cond.Signal()
	}
}

func setup() {
	q := &jobQueue{}
	q.cond = sync.NewCond(&q.mu)
	liveQueue = q
	for i := 0; i < 5; i++ {
		go condConsumer(q)
	}
	go condProducer(q)
}
