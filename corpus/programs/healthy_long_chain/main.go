// Healthy look-alike: a chain of 100 relays, each waiting to receive from
// the previous one; the head of the chain is a goroutine sleeping for an
// hour before it sends the first value, and a sink waits at the tail. Long,
// but it will progress: the chain ends in a live (sleeping) goroutine.
package main

import (
	"sync/atomic"
	"time"
)

var chainResult int64

//go:noinline
func slowOrigin(out chan<- int) {
	time.Sleep(time.Hour)
	out <- 1
}

//go:noinline
func relay(in <-chan int, out chan<- int) {
	v := <-in
	out <- v + 1
}

//go:noinline
func chainSink(in <-chan int) {
	atomic.StoreInt64(&chainResult, int64(<-in))
}

func setup() {
	first := make(chan int)
	go slowOrigin(first)
	in := first
	for i := 0; i < 100; i++ {
		out := make(chan int)
		go relay(in, out)
		in = out
	}
	go chainSink(in)
}
