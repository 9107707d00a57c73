// AB-BA lock-order deadlock: lockOrderWorkerA takes A then B,
// lockOrderWorkerB takes B then A; a short sleep between the two Lock calls
// lets both first locks succeed so the cycle always forms. Three more
// goroutines then queue on A behind the deadlocked pair.
package main

import (
	"sync"
	"time"
)

var sinkABBA int

// account is a mutex-guarded value. The mutex sits at offset 0, so the
// pointer printed for a worker's argument equals the one printed for
// sync.(*Mutex).lockSlow. The struct holds a pointer (owner) so it is not
// packed by the tiny allocator next to unrelated live objects, which would let
// the Go 1.26+ leak-detecting GC consider it reachable.
type account struct {
	mu      sync.Mutex
	owner   string
	balance int64
}

//go:noinline
func lockOrderWorkerA(a, b *account) {
	a.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	b.mu.Lock()
	sinkABBA++
	b.mu.Unlock()
	a.mu.Unlock()
}

//go:noinline
func lockOrderWorkerB(a, b *account) {
	b.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	a.mu.Lock()
	sinkABBA++
	a.mu.Unlock()
	b.mu.Unlock()
}

//go:noinline
func waitsBehindDeadlock(a *account, id int) {
	time.Sleep(100 * time.Millisecond)
	a.mu.Lock()
	sinkABBA += id
	a.mu.Unlock()
}

func setup() {
	a, b := &account{owner: "alice"}, &account{owner: "bob"}
	go lockOrderWorkerA(a, b)
	go lockOrderWorkerB(a, b)
	for i := 0; i < 3; i++ {
		go waitsBehindDeadlock(a, i)
	}
}
