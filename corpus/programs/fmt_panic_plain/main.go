// fmt_panic_plain: a plain panic in a non-main goroutine; other goroutines
// are blocked (shown with GOTRACEBACK=all/system).
package main

import (
	"sync"
	"time"
)

var never = make(chan int)

//go:noinline
func doPanic(n int) {
	panic("boom")
}

func setup() {
	var mu sync.Mutex
	mu.Lock()
	go func() { <-never }()
	go func() { mu.Lock() }()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(50 * time.Millisecond)
	go doPanic(3)
}
