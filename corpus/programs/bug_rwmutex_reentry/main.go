// Recursive read locking with a pending writer: rwReentrantReader holds an
// RLock, rwPendingWriter calls Lock and waits for the reader to leave, then
// the reader calls RLock again, which must wait behind the pending writer.
// rwLateReader arrives after that and also queues behind the writer.
package main

import (
	"sync"
	"time"
)

var sinkRW int

// config is guarded by an RWMutex at offset 0 (the pointer field keeps it out
// of the tiny allocator).
type config struct {
	rw   sync.RWMutex
	name string
}

//go:noinline
func rwReentrantReader(c *config) {
	c.rw.RLock()
	time.Sleep(100 * time.Millisecond)
	c.rw.RLock() // blocks: a writer is waiting
	sinkRW++
	c.rw.RUnlock()
	c.rw.RUnlock()
}

//go:noinline
func rwPendingWriter(c *config) {
	time.Sleep(30 * time.Millisecond)
	c.rw.Lock()
	sinkRW++
	c.rw.Unlock()
}

//go:noinline
func rwLateReader(c *config) {
	time.Sleep(150 * time.Millisecond)
	c.rw.RLock()
	sinkRW++
	c.rw.RUnlock()
}

func setup() {
	c := &config{name: "routes"}
	go rwReentrantReader(c)
	go rwPendingWriter(c)
	go rwLateReader(c)
}
