// Readers queued behind writers: each shard's RWMutex is write-locked by a
// rebuild waiting for its (sleeping) builder, and four requests per shard call
// RLock on it through a small method the compiler inlines. Before Go 1.21 the
// runtime prints no exact address for such a reader (the semaphore's argument
// and the calling frame's receiver are printed with "?"); only the request's
// own frames carry the shard exactly. Nothing is stuck for good: the builders
// wake up, and the readers after them.
package main

import (
	"sync"
	"time"
)

type shard struct {
	name  string
	mu    sync.RWMutex
	index map[string]int
	built chan struct{}
}

var sinkShard int

//go:noinline
func (s *shard) rebuild() {
	s.mu.Lock()
	defer s.mu.Unlock()
	<-s.built // write-locked across the wait: every reader queues behind it
	s.index["rebuilds"]++
}

//go:noinline
func (s *shard) get(key string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.index[key]
}

// handle is a request: it reaches the lock through its shard, which it uses again after.
//
//go:noinline
func handle(s *shard, key string) {
	sinkShard += s.get(key)
	sinkShard += len(s.name)
}

//go:noinline
func builder(done chan<- struct{}) {
	time.Sleep(time.Hour)
	done <- struct{}{}
}

func setup() {
	shards := make([]*shard, 4)
	for i := range shards {
		shards[i] = &shard{name: "shard", index: map[string]int{}, built: make(chan struct{})}
	}
	for _, s := range shards {
		go builder(s.built)
		go s.rebuild()
	}
	time.Sleep(50 * time.Millisecond) // every rebuild holds its shard's lock
	for _, s := range shards {
		for j := 0; j < 4; j++ {
			go handle(s, "k")
		}
	}
}
