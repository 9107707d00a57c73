// Writers queued on RWMutexes that other writers hold: each shard's index is
// write-locked by a rebuild waiting for its (sleeping) builder, two more
// writers per shard queue on Lock behind it (waiting for the writer lock, not
// for readers), and three requests per shard sleep in a throttle carrying the
// shard on their way to the same lock. Shards are allocated one after the
// other, so a shard's pointer lies below its neighbours' locks too. Nothing is
// stuck for good: the builders and the throttled requests wake up.
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
	<-s.built // write-locked across the wait: every writer behind it queues
	s.index["rebuilds"]++
}

//go:noinline
func (s *shard) put(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index[key]++
}

// write is a request: it reaches the lock through its shard, which it uses again after.
//
//go:noinline
func write(s *shard, key string) {
	s.put(key)
	sinkShard += len(s.name)
}

//go:noinline
func throttle(s *shard, key string) {
	time.Sleep(time.Hour)
	write(s, key)
}

//go:noinline
func builder(done chan<- struct{}) {
	time.Sleep(time.Hour)
	done <- struct{}{}
}

func setup() {
	shards := make([]*shard, 8)
	for i := range shards {
		shards[i] = &shard{name: "shard", index: map[string]int{}, built: make(chan struct{})}
	}
	for _, s := range shards {
		go builder(s.built)
		go s.rebuild()
	}
	time.Sleep(50 * time.Millisecond) // every rebuild holds its shard's lock
	for _, s := range shards {
		for j := 0; j < 2; j++ {
			go write(s, "k")
		}
		for j := 0; j < 3; j++ {
			go throttle(s, "k")
		}
	}
}
