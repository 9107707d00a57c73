// Healthy twin of bug_rwmutex_reentry: readers hold RLock for a short sleep
// and never re-lock; a writer periodically calls Lock and waits for them;
// readers that arrive meanwhile queue behind the writer. At any moment the
// RLock holders are asleep (not blocked on the lock), so there is no cycle.
package main

import (
	"sync"
	"time"
)

type config struct {
	rw     sync.RWMutex
	name   string
	routes map[string]int
}

var sinkRWH int

//go:noinline
func shortReader(c *config) {
	for {
		c.rw.RLock()
		time.Sleep(3 * time.Millisecond)
		sinkRWH += c.routes["a"]
		c.rw.RUnlock()
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func periodicWriter(c *config) {
	for i := 0; ; i++ {
		time.Sleep(5 * time.Millisecond)
		c.rw.Lock()
		c.routes["a"] = i
		time.Sleep(time.Millisecond)
		c.rw.Unlock()
	}
}

func setup() {
	c := &config{name: "routes", routes: map[string]int{}}
	for i := 0; i < 6; i++ {
		go shortReader(c)
	}
	go periodicWriter(c)
}
