// Healthy twins of bug_wg_cycle and bug_lock_chan: flushHoldsLockWaits holds
// a mutex while in WaitGroup.Wait, but its workers never take that mutex (they
// sleep, then Done), and lockedSender holds another mutex while sending on an
// unbuffered channel whose receiver, lockFreeReceiver, never takes it. Other
// goroutines queue on both mutexes. Everything completes and repeats.
package main

import (
	"sync"
	"time"
)

type batch struct {
	mu   sync.Mutex
	name string
}

var sinkLTW int

//go:noinline
func flushWorker(wg *sync.WaitGroup, d time.Duration) {
	defer wg.Done()
	time.Sleep(d)
}

//go:noinline
func flushHoldsLockWaits(b *batch) {
	for {
		b.mu.Lock()
		wg := new(sync.WaitGroup)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go flushWorker(wg, time.Duration(5+i*5)*time.Millisecond)
		}
		wg.Wait()
		b.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func batchAppender(b *batch) {
	for {
		b.mu.Lock()
		sinkLTW++
		b.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

//go:noinline
func lockedSender(s *batch, out chan<- int) {
	for i := 0; ; i++ {
		s.mu.Lock()
		out <- i
		s.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func lockFreeReceiver(in <-chan int) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for range t.C {
		sinkLTW += <-in
	}
}

func setup() {
	b := &batch{name: "flush"}
	go flushHoldsLockWaits(b)
	for i := 0; i < 2; i++ {
		go batchAppender(b)
	}
	s := &batch{name: "stream"}
	ch := make(chan int)
	go lockedSender(s, ch)
	go lockFreeReceiver(ch)
	go batchAppender(s)
}
