// Healthy twin of bug_abba_mutex: the same two workers and waiters, but both
// workers take A before B, so there is no cycle. They loop, holding the locks
// for short sleeps, so a capture may show one of them (or a waiter) queued
// in Lock behind a holder that is asleep and will release. A second pair ran
// the same code to completion before the capture.
package main

import (
	"sync"
	"time"
)

var sinkOrder int

type account struct {
	mu      sync.Mutex
	owner   string
	balance int64
}

//go:noinline
func orderedWorkerA(a, b *account, rounds int) {
	for i := 0; i < rounds; i++ {
		a.mu.Lock()
		time.Sleep(2 * time.Millisecond)
		b.mu.Lock()
		sinkOrder++
		b.mu.Unlock()
		a.mu.Unlock()
		time.Sleep(3 * time.Millisecond)
	}
}

//go:noinline
func orderedWorkerB(a, b *account, rounds int) {
	for i := 0; i < rounds; i++ {
		a.mu.Lock() // same order as orderedWorkerA
		b.mu.Lock()
		time.Sleep(2 * time.Millisecond)
		sinkOrder++
		b.mu.Unlock()
		a.mu.Unlock()
		time.Sleep(3 * time.Millisecond)
	}
}

//go:noinline
func orderedReader(a *account) {
	for {
		time.Sleep(7 * time.Millisecond)
		a.mu.Lock()
		sinkOrder++
		a.mu.Unlock()
	}
}

func setup() {
	a, b := &account{owner: "alice"}, &account{owner: "bob"}
	go orderedWorkerA(a, b, 1<<30)
	go orderedWorkerB(a, b, 1<<30)
	for i := 0; i < 3; i++ {
		go orderedReader(a)
	}
	// A pair that finishes quickly: gone by capture time.
	c, d := &account{owner: "carol"}, &account{owner: "dave"}
	go orderedWorkerA(c, d, 3)
	go orderedWorkerB(c, d, 3)
}
