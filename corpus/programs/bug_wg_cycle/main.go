// WaitGroup cycle: wgWaiterHoldsLock takes mu and then waits on wg; the worker
// that would call wg.Done, wgWorkerNeedsLock, first needs mu.
package main

import (
	"sync"
	"time"
)

var sinkWGCycle int

// batch is a mutex-guarded record (mutex at offset 0).
type batch struct {
	mu   sync.Mutex
	name string
}

//go:noinline
func wgWorkerNeedsLock(b *batch, wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(50 * time.Millisecond)
	b.mu.Lock()
	sinkWGCycle++
	b.mu.Unlock()
}

//go:noinline
func wgWaiterHoldsLock(b *batch, wg *sync.WaitGroup) {
	b.mu.Lock()
	defer b.mu.Unlock()
	wg.Wait()
}

func setup() {
	b := &batch{name: "flush"}
	wg := new(sync.WaitGroup)
	wg.Add(1)
	go wgWorkerNeedsLock(b, wg)
	go wgWaiterHoldsLock(b, wg)
}
