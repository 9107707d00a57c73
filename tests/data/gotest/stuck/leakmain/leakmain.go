// Package leakmain holds a lock while sending a result nobody reads.
package leakmain

import "sync"

// Counter counts under a mutex and reports each count on out.
type Counter struct {
	mu  sync.Mutex
	n   int
	out chan int
}

// New returns a counter whose reports go to an unbuffered channel.
func New() *Counter { return &Counter{out: make(chan int)} }

// Add counts one and reports the count while still holding the lock.
func (c *Counter) Add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.out <- c.n // BLOCKS: report-under-lock
}
