// Healthy look-alike (false-alarm class C): eight consumers wait in chan
// receive at one site and no goroutine in the dump can send: the sender is
// a time.AfterFunc callback that re-arms itself every 20ms and runs on its
// own goroutine only while it fires.
package main

import (
	"sync/atomic"
	"time"
)

var (
	workQueue  = make(chan int)
	workDone   int64
	feederRuns int64
)

//go:noinline
func queueConsumer(id int) {
	for v := range workQueue {
		atomic.AddInt64(&workDone, int64(v+id))
	}
}

func armFeeder() {
	time.AfterFunc(20*time.Millisecond, func() {
		n := atomic.AddInt64(&feederRuns, 1)
		for j := 0; j < 3; j++ {
			select {
			case workQueue <- int(n) + j:
			default:
			}
		}
		armFeeder()
	})
}

func setup() {
	for i := 0; i < 8; i++ {
		go queueConsumer(i)
	}
	armFeeder()
}
