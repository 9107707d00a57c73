// Healthy twin of bug_leak_unbuffered: the same handler/compute pair but the
// result channel has capacity 1, so a computation that finishes after the
// handler timed out completes its send and exits. A load generator keeps
// requests in flight, so a capture shows handlers in select (result or
// timeout) and computations in sleep; nothing stays blocked.
package main

import "time"

type result struct {
	id   int
	body []byte
}

var sinkBuf int

//go:noinline
func computeResultBuffered(id int, out chan<- result) {
	time.Sleep(time.Duration(5+id%40) * time.Millisecond)
	out <- result{id: id, body: make([]byte, 16)} // never blocks: cap 1
}

//go:noinline
func handleWithTimeoutBuffered(id int) {
	out := make(chan result, 1)
	go computeResultBuffered(id, out)
	select {
	case r := <-out:
		sinkBuf += r.id
	case <-time.After(20 * time.Millisecond):
	}
}

//go:noinline
func loadGenerator(base int) {
	for i := 0; ; i++ {
		go handleWithTimeoutBuffered(base + i)
		time.Sleep(2 * time.Millisecond)
	}
}

func setup() {
	for i := 0; i < 4; i++ {
		go loadGenerator(i * 1000000)
	}
}
