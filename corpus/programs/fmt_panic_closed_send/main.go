// fmt_panic_closed_send: a collector stops after the first two results and
// closes the results channel while a slow worker is still computing; the
// worker's send then panics with `send on closed channel`. Other goroutines
// are blocked (a mutex, a channel receive; shown with GOTRACEBACK=all/system).
package main

import (
	"sync"
	"time"
)

type result struct {
	id, value int
}

var quit = make(chan struct{})

//go:noinline
func worker(id int, delay time.Duration, out chan<- result) {
	time.Sleep(delay)
	out <- result{id, id * id}
}

//go:noinline
func collect(out chan result, want int) {
	got := 0
	for range out {
		got++
		if got == want {
			break
		}
	}
	close(out) // the bug: worker 3 has not sent yet
	<-quit
}

func setup() {
	var mu sync.Mutex
	mu.Lock()
	go func() { mu.Lock() }()
	out := make(chan result)
	go worker(1, 0, out)
	go worker(2, 0, out)
	go worker(3, 100*time.Millisecond, out)
	go collect(out, 2)
}
