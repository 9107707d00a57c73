// Two everyday bugs in one service. firstError returns on the first error and
// leaves the other workers blocked forever sending on an unbuffered channel.
// cache.refresh holds the cache's mutex while it waits for a ready signal that
// nobody will send, and every get queues behind it.
package main

import (
	"errors"
	"sync"
	"time"
)

type cache struct {
	mu   sync.Mutex
	data map[string]int
}

//go:noinline
func fetch(id int) (int, error) {
	if id == 3 {
		return 0, errors.New("boom")
	}
	time.Sleep(time.Millisecond)
	return id * 2, nil
}

// firstError returns on the first error; the remaining workers block forever sending.
//
//go:noinline
func firstError(n int) error {
	results := make(chan error)
	for i := 0; i < n; i++ {
		go func(id int) {
			_, err := fetch(id)
			results <- err
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-results; err != nil {
			return err
		}
	}
	return nil
}

// refresh holds the cache lock while it waits for a signal that never comes.
//
//go:noinline
func (c *cache) refresh(ready chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	<-ready
}

//go:noinline
func (c *cache) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.data[k]
}

func setup() {
	_ = firstError(8)
	c := &cache{data: map[string]int{}}
	ready := make(chan struct{})
	go c.refresh(ready)
	time.Sleep(20 * time.Millisecond)
	for i := 0; i < 4; i++ {
		go func() { _ = c.get("x") }()
	}
}
