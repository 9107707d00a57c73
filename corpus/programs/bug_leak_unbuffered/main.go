// The classic goroutine leak (the LeakProf shape): handleWithTimeout starts
// computeResultLeaky to produce a result on an unbuffered channel and waits
// for it with a 10ms timeout; the computation takes 100ms, the handler gives
// up and returns, and the sender blocks forever on a channel nobody will ever
// read (the only reference left is the sender's own). 50 requests leak 50
// senders. Separately 50 rangeOverNeverClosed goroutines range over a channel
// that nobody will ever send on or close.
package main

import (
	"time"
)

type result struct {
	id   int
	body []byte
}

var sinkLeak int

//go:noinline
func computeResultLeaky(id int, out chan<- result) {
	time.Sleep(100 * time.Millisecond)
	out <- result{id: id, body: make([]byte, 16)}
}

//go:noinline
func handleWithTimeout(id int) {
	out := make(chan result) // unbuffered: the bug
	go computeResultLeaky(id, out)
	select {
	case r := <-out:
		sinkLeak += r.id
	case <-time.After(10 * time.Millisecond):
		// timed out: return, dropping the only reader of out
	}
}

//go:noinline
func rangeOverNeverClosed(in <-chan int) {
	for v := range in {
		sinkLeak += v
	}
}

func setup() {
	for i := 0; i < 50; i++ {
		go handleWithTimeout(i)
	}
	events := make(chan int)
	for i := 0; i < 50; i++ {
		go rangeOverNeverClosed(events)
	}
}
