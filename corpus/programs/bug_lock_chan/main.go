// Mutex + channel cycle: lockHeldWhileSending holds mu and blocks sending on
// an unbuffered channel; the only receiver, receiverNeedsLock, must take mu
// before it receives.
package main

import (
	"sync"
	"time"
)

var sinkLockChan int

// stats is a mutex-guarded record (mutex at offset 0).
type stats struct {
	mu   sync.Mutex
	name string
}

//go:noinline
func lockHeldWhileSending(s *stats, results chan<- int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	results <- 42
}

//go:noinline
func receiverNeedsLock(s *stats, results <-chan int) {
	time.Sleep(50 * time.Millisecond)
	s.mu.Lock()
	sinkLockChan += <-results
	s.mu.Unlock()
}

func setup() {
	s := &stats{name: "requests"}
	results := make(chan int)
	go lockHeldWhileSending(s, results)
	go receiverNeedsLock(s, results)
}
