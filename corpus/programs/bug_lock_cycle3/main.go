// Three mutexes, three goroutines, a 3-cycle: stage i holds m[i] and waits
// for m[(i+1)%3].
package main

import (
	"sync"
	"time"
)

var sinkCycle3 int

// shard is a mutex-guarded record (mutex at offset 0; the pointer field keeps
// it out of the tiny allocator).
type shard struct {
	mu   sync.Mutex
	name string
}

//go:noinline
func lockCycleStage0(own, next *shard) {
	own.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	next.mu.Lock()
	sinkCycle3++
	next.mu.Unlock()
	own.mu.Unlock()
}

//go:noinline
func lockCycleStage1(own, next *shard) {
	own.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	next.mu.Lock()
	sinkCycle3++
	next.mu.Unlock()
	own.mu.Unlock()
}

//go:noinline
func lockCycleStage2(own, next *shard) {
	own.mu.Lock()
	time.Sleep(50 * time.Millisecond)
	next.mu.Lock()
	sinkCycle3++
	next.mu.Unlock()
	own.mu.Unlock()
}

func setup() {
	m := []*shard{{name: "s0"}, {name: "s1"}, {name: "s2"}}
	go lockCycleStage0(m[0], m[1])
	go lockCycleStage1(m[1], m[2])
	go lockCycleStage2(m[2], m[0])
}
