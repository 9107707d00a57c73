// Healthy look-alike (false-alarm class A): four shards, each with three
// background loops on the same receiver (compactLoop and syncLoop on their
// own tickers, flushLoop fed by syncLoop's non-blocking sends), all in
// select on the shard's channels. The loops carry the same receiver pointer
// but none waits for another: nothing is stuck.
package main

import (
	"sync"
	"time"
)

type shard struct {
	id    int
	mu    sync.Mutex
	stop  chan struct{}
	flush chan struct{}
	dirty int
}

var shards []*shard

//go:noinline
func (s *shard) compactLoop() {
	t := time.NewTicker(time.Duration(30+s.id) * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			s.dirty = 0
			s.mu.Unlock()
		}
	}
}

//go:noinline
func (s *shard) syncLoop() {
	t := time.NewTicker(time.Duration(20+s.id) * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			select {
			case s.flush <- struct{}{}:
			default:
			}
		}
	}
}

//go:noinline
func (s *shard) flushLoop() {
	for {
		select {
		case <-s.stop:
			return
		case <-s.flush:
			s.mu.Lock()
			s.dirty++
			s.mu.Unlock()
		}
	}
}

func setup() {
	for i := 0; i < 4; i++ {
		s := &shard{id: i, stop: make(chan struct{}), flush: make(chan struct{})}
		shards = append(shards, s)
		go s.compactLoop()
		go s.syncLoop()
		go s.flushLoop()
	}
}
