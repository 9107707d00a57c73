// Every goroutine the program starts ends up stuck and nothing else is alive
// (no timers once the sleeps have fired, no network, no signals): an AB-BA
// pair plus one goroutine queued on A. In mode natural, main blocks in
// select{} and the runtime itself reports
// "fatal error: all goroutines are asleep - deadlock!".
package main

import (
	"sync"
	"time"
)

var sinkGlobal int

// ledger is a mutex-guarded record (mutex at offset 0; the pointer field keeps
// it out of the tiny allocator).
type ledger struct {
	mu   sync.Mutex
	name string
}

//go:noinline
func globalLockerA(a, b *ledger) {
	a.mu.Lock()
	time.Sleep(30 * time.Millisecond)
	b.mu.Lock()
	sinkGlobal++
	b.mu.Unlock()
	a.mu.Unlock()
}

//go:noinline
func globalLockerB(a, b *ledger) {
	b.mu.Lock()
	time.Sleep(30 * time.Millisecond)
	a.mu.Lock()
	sinkGlobal++
	a.mu.Unlock()
	b.mu.Unlock()
}

//go:noinline
func globalQueuedOnA(a *ledger) {
	time.Sleep(60 * time.Millisecond)
	a.mu.Lock()
	sinkGlobal++
	a.mu.Unlock()
}

func setup() {
	a, b := &ledger{name: "a"}, &ledger{name: "b"}
	go globalLockerA(a, b)
	go globalLockerB(a, b)
	go globalQueuedOnA(a)
}
