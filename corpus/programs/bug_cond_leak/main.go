// Goroutines parked in sync.Cond.Wait that nobody can signal: the queue, its
// lock and its cond are reachable only from the waiters themselves, and no
// goroutine will ever push or Broadcast.
package main

import "sync"

type jobQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

var sinkCond int

//go:noinline
func condWaitForever(q *jobQueue) {
	q.mu.Lock()
	for len(q.items) == 0 {
		q.cond.Wait()
	}
	sinkCond += q.items[0]
	q.items = q.items[1:]
	q.mu.Unlock()
}

func setup() {
	q := &jobQueue{}
	q.cond = sync.NewCond(&q.mu)
	for i := 0; i < 5; i++ {
		go condWaitForever(q)
	}
}
